"""A party of many server-reflexive (or relay) candidates, each with its own public address, in
bounded memory (issue 11 item 5: a million of them took 1.5 GB on main d2673f5): the ISP step reads
the party's candidates as they come and keeps ids (it held every candidate, ``parties.split``), the
public addresses past ``--max-lookups`` are counted, not held (``first_public_addresses``), and a
filed group's refs equal to the party's every candidate id are that tuple itself, not a second copy
(``Groups.items``). Every report is the same with everything spilled as with everything held."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.analysis import partystore
from icecheck.analysis.groups import Groups
from icecheck.analysis.isp import isp_exposures
from icecheck.audit import audit_candidates
from icecheck.cli import cli
from icecheck.enrich.targets import first_public_addresses, public_addresses
from icecheck.inputs import limits, spool
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.spool import Spool
from icecheck.model import AuditedCandidate, NetworkInfo


def _srflx(i: int) -> str:
    """The generator of the task: one public address per candidate, one shared private raddr."""
    addr = f"{11 + (i >> 16) % 100}.{(i >> 8) & 255}.{i & 255}.7"
    return (
        f"a=candidate:{i} 1 udp 1686052607 {addr} {10000 + i % 50000} typ srflx raddr 10.0.0.1 rport 5000 generation 0"
    )


def _relay(i: int, raddr: bool) -> str:
    addr = f"{11 + (i >> 16) % 100}.{(i >> 8) & 255}.{i & 255}.9"
    related = " raddr 0.0.0.0 rport 0" if raddr else ""
    return f"a=candidate:{i} 1 udp 41885439 {addr} {20000 + i} typ relay{related} generation 0"


def _bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything spills: few items in memory, small batches, parties grouped on disk."""
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    monkeypatch.setattr(spool, "BATCH", 8)
    monkeypatch.setattr(partystore, "IN_MEMORY", 5)


class _Watched(Sequence[AuditedCandidate]):
    """A spool of candidates read in order only, counting the candidates alive when its last one
    is given (those a reader holds, beside the spool's two batches)."""

    def __init__(self, items: Spool[AuditedCandidate]) -> None:
        self.items = items
        self.alive: list[int] = []

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: object) -> AuditedCandidate:  # type: ignore[override]
        raise AssertionError("read in order only")

    def __iter__(self) -> Iterator[AuditedCandidate]:
        last = len(self.items) - 1
        for n, item in enumerate(self.items):
            if n == last:
                self.alive.append(sum(type(o) is AuditedCandidate for o in gc.get_objects()))
            yield item


def test_the_isp_step_reads_a_party_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 srflx candidates, two of them inner (double NAT), one address looked up: the ISP step's
    exposures are those of the candidates held, and it never holds more than a few batches of them
    (main held all 600: ``split``)."""
    lines = [_srflx(i) for i in range(600)]
    lines[5] = "a=candidate:5 1 udp 1686052607 100.64.3.4 5000 typ srflx raddr 10.0.0.1 rport 5000"
    lines[7] = "a=candidate:7 1 udp 41885439 11.0.3.7 6000 typ relay raddr 11.0.0.7 rport 5000"
    data = ("\n".join(lines) + "\n").encode()
    info = [NetworkInfo("11.0.0.7", asn=64500, as_name="EXAMPLE-AS", country="GB", network_kind="residential"),
            NetworkInfo("11.0.3.7", asn=64501, organisation="Relay Co", network_kind="hosting")]  # fmt: skip
    held = audit_candidates([scan_file("party.log", data=data).document])
    expected = isp_exposures(held, info)
    kinds = {e.kind.value for e in expected}
    assert {"isp", "double-nat", "relay-operator", "country"} <= kinds, kinds
    monkeypatch.setattr(spool, "BATCH", 8)
    monkeypatch.setattr(partystore, "IN_MEMORY", 5)
    watched = _Watched(Spool.of(held))
    del held
    gc.collect()
    before = sum(type(o) is AuditedCandidate for o in gc.get_objects())  # what earlier tests left alive
    assert isp_exposures(watched, info) == expected
    assert watched.alive and max(watched.alive) - before < 60, (before, watched.alive)


def _grouped(
    entries: list[tuple[str, str, int]], sources: int, known: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...]]]:
    groups: Groups[str] = Groups(sources)
    for key, ref, source in entries:
        groups.add(key, ref, source)
    return list(groups.items(known))


@pytest.mark.parametrize("seed", range(6))
def test_a_filed_group_gives_what_a_held_one_gives(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Random keys, refs and sources: the same (key, refs) spilled (refs made unique in SQL) as held."""
    rng = random.Random(seed)
    entries = [(f"k{rng.randrange(6)}", f"c{rng.randrange(1, 40)}", rng.randrange(3)) for _ in range(200)]
    known = tuple(f"c{n}" for n in range(1, 40))
    held = _grouped(entries, 3, known)
    monkeypatch.setattr(limits, "IN_MEMORY", 3)
    assert _grouped(entries, 3, known) == held


def test_refs_equal_to_every_candidate_are_that_tuple(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", 3)
    every = tuple(f"c{n}" for n in range(1, 50))
    entries = [("all", ref, 0) for ref in every]  # one local address named by every candidate
    entries += [("first", ref, 1) for ref in every[:20]]  # the beginning of them
    entries += [("then", ref, 0) for ref in (*every[:10], "a3", *every[30:])]  # a prefix, then others
    entries += [("one", "c7", 0), ("all", "c3", 2)]  # a repeat from another source is no new ref
    got = dict(_grouped(entries, 3, every))
    assert got["all"] is every
    assert got["first"] == every[:20] and all(a is b for a, b in zip(got["first"], every, strict=False))
    assert got["then"] == (*every[:10], "a3", *every[30:]) and got["then"][0] is every[0]
    assert got["one"] == ("c7",)
    assert list(got) == ["all", "then", "one", "first"]  # keys of source 0 first, each in first-seen order


@pytest.mark.parametrize("limit", [0, 1, 3, 50, 10_000])
def test_the_public_addresses_past_the_limit_are_counted(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    addresses = [f"11.0.{i % 40}.7" for i in range(120)]  # 40 distinct, each three times
    addresses += ["10.0.0.1", "2002:0c22:3844::1", "2001:4860:4860:0::8888", "2001:4860:4860::8888", "host.local"]
    whole = public_addresses(addresses)
    assert len(whole) == 42 and "12.34.56.68" in whole  # the 6to4 address carries 12.34.56.68
    monkeypatch.setattr(limits, "IN_MEMORY", 4)  # the count spills
    assert first_public_addresses(iter(addresses), limit) == (whole[:limit], len(whole))


def _scan(*args: str) -> str:
    result = CliRunner().invoke(cli, ["scan", "--offline", "--jobs", "1", *args], catch_exceptions=False)
    return result.output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "junit", "github"])
def test_every_report_of_a_srflx_party_is_the_same_spilled(
    monkeypatch: pytest.MonkeyPatch, fmt: str, tmp_path: Path
) -> None:
    """300 srflx candidates with a public address each and one private raddr, 40 relay candidates
    with and without raddr: each report (and with -v, and with --max-lookups below the count) the
    same when exposures, findings, groups, parties and the public addresses spill."""
    lines = [_srflx(i) for i in range(300)] + [_relay(i, i % 2 == 0) for i in range(300, 340)]
    path = tmp_path / "party.log"
    path.write_text("\n".join(lines) + "\n")
    runs = [["-f", fmt, str(path)], ["-f", fmt, "--max-lookups", "7", str(path)]]
    if fmt == "text":
        runs.append(["-v", str(path)])
    expected = [_scan(*args) for args in runs]
    assert all("11.0.0.7" in out for out in expected)
    assert "333 more public addresses not looked up" in expected[1] or fmt not in ("text", "json")
    _bounded(monkeypatch)
    assert [_scan(*args) for args in runs] == expected
