"""Stand-in tables and the output check's identifiers past ``limits.IN_MEMORY`` (issue 11 item 5,
issue 12 item 2): spilled to a temporary SQLite file, they give the same stand-ins in the same order
(the same output bytes) as when held in memory, and the output check still refuses a survivor.
The threshold is lowered to 1 here (and a run's tables share 1: ``standins.TABLES_HOLD``), so the
tables spill once they hold a second key between them."""

from __future__ import annotations

import io
import ipaddress
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import limits, table
from icecheck.inputs.table import Budget, Table, TextSet
from icecheck.redact import standins as standins_module
from icecheck.redact.archive import RedactError
from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import addresses, identifiers, stream_identifiers, unkept
from icecheck.redact.standins import StandIns
from tests.conftest import SAMPLES
from tests.redact.numbered import install


@pytest.fixture(autouse=True)
def _numbered(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)


def _redact(data: bytes, spill: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, dict[str, int]]:
    import icecheck.redact.standins as module

    module.uuid.n = 0  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:
        if spill:
            patch.setattr(limits, "IN_MEMORY", 1)
            patch.setattr(standins_module, "TABLES_HOLD", 1)
            patch.setattr(table, "BATCH", 3)
        standins = StandIns()
        for addr in addresses(identifiers(data)):
            standins.reserve(addr)
        out = redact_document(data, standins, scrub=True)[0]
        return out, standins.counts()


def _same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bytes:
    held, counts = _redact(data, False, monkeypatch)
    spilled, spilled_counts = _redact(data, True, monkeypatch)
    assert spilled == held
    assert spilled_counts == counts
    return held


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.binary(min_size=1, max_size=6), st.binary(max_size=4)), max_size=60), st.integers(1, 5))
def test_a_spilled_table_answers_as_a_dict(pairs: list[tuple[bytes, bytes]], batch: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "IN_MEMORY", 1)
        patch.setattr(standins_module, "TABLES_HOLD", 1)
        patch.setattr(table, "BATCH", batch)
        t, expected = Table(), {}
        for key, value in pairs:
            if key not in expected:
                assert t.get(key) is None
                t.put(key, value)
                expected[key] = value
            assert t.get(key) == expected[key]
        assert len(t) == len(expected)
        assert sorted(t) == sorted(expected)
        assert all(t.get(k) == v for k, v in expected.items())
        assert t.get(b"\x00" * 7) is None  # never put (keys here are at most 6 bytes)
        t.close()
        assert len(t) == 0 and t.get(next(iter(expected), b"x")) is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=3), max_size=80), st.integers(1, 5))
def test_keys_added_twice_are_filed_once(keys: list[bytes], batch: int) -> None:
    """``Table.add`` looks a key up in memory only: one met again once in the file is left out when
    written, and the table is a set of its keys once written (``iter``; ``len`` after a write)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "IN_MEMORY", 1)
        patch.setattr(standins_module, "TABLES_HOLD", 1)
        patch.setattr(table, "BATCH", batch)
        t = Table()
        for key in keys:
            t.add(key)
            assert t.get(key) == b""
        assert sorted(t) == sorted(set(keys))
        assert all(key in t for key in keys) and b"\x00" * 4 not in t
        t.add(b"\x00" * 4)  # (written when the batch fills; the rest counted once when written)
        if len(set(keys)) > 1:
            for filler in range(batch):
                t.add(b"\x01" * 5 + bytes([filler]))
            assert len(t) == len(set(keys)) + 1 + batch
        t.close()


def test_a_text_set_spilled_is_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(standins_module, "TABLES_HOLD", 1)
    items = [f"10.0.{i}.1" for i in range(100)] + ["name a.local", "mac 021122334455", "\udcff odd"]
    found = TextSet(items + items[:10])
    assert len(found) == len(items) and set(found) == set(items)
    assert "10.0.7.1" in found and "10.0.7.2" not in found and 7 not in found


def test_samples_redact_the_same_when_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [p for p in sorted(SAMPLES.rglob("*")) if p.is_file() and p.stat().st_size < 4 << 20]
    compared = 0
    for path in paths:
        data = path.read_bytes()
        try:
            held, _ = _redact(data, False, monkeypatch)
        except RedactError:  # not redactable (refused): nothing to compare
            continue
        spilled, _ = _redact(data, True, monkeypatch)
        assert spilled == held, path
        compared += 1
    assert compared >= 20


def _address(kind: int, n: int) -> str:
    if kind == 0:
        return str(ipaddress.IPv4Address(n & 0xFFFFFFFF))
    if kind == 1:
        return str(ipaddress.IPv6Address(n & (1 << 128) - 1))
    if kind == 2:  # a stand-in-like address: the reserved checks and the cut checks matter
        return f"2001:db8::{n & 0xFFFF:x}" if n & 1 else f"192.0.2.{n % 256}"
    return ":".join(f"{(n >> (8 * i)) & 0xFF:02x}" for i in range(6))  # a MAC


_SHAPES = ["a=candidate:1 1 udp 1 {a} 9 typ host", "peer {a} at {a}:5060", "[{a}]:3478 and peer%3D{a}", "{a}"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, (1 << 128) - 1), st.sampled_from(_SHAPES)), max_size=40),
    st.booleans(),
)
def test_planted_addresses_redact_the_same_when_spilled(planted: list[tuple[int, int, str]], as_json: bool) -> None:
    text = "\n".join(shape.format(a=_address(kind, n)) for kind, n, shape in planted) + "\n"
    data = (json.dumps({"log": text, "lines": text.splitlines()}) if as_json else text).encode()
    with pytest.MonkeyPatch.context() as patch:
        _same(data, patch)


def test_more_addresses_than_documentation_stand_ins_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    originals = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(1500)]
    originals += [f"2a00:1450::{rng.randrange(1 << 16):x}" for _ in range(800)] + ["240.0.0.1", "2001:db8::1"]
    out = _same(" ".join(originals).encode(), monkeypatch)
    replaced = out.decode().split()
    assert not set(replaced) & {str(ipaddress.ip_address(o)) for o in originals}
    assert len(set(replaced)) == len(set(originals))


def test_the_output_check_refuses_a_survivor_when_spilled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large document (streamed) whose redaction misses one original (an HTML entity encoding
    redaction does not undo, the output check does), with every table spilled: refused."""
    import icecheck.redact.files as files

    monkeypatch.setattr(limits, "IN_MEMORY", 1)

    monkeypatch.setattr(standins_module, "TABLES_HOLD", 1)
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 100)
    src, out = tmp_path / "log.txt", tmp_path / "out.txt"
    src.write_text("".join(f"peer 10.5.{i}.1 at 2001:4860::{i:x}\n" for i in range(200)) + "x 10&#46;77&#46;1&#46;2\n")
    with pytest.raises(files.Incomplete) as caught:
        files.redact_file(str(src), str(out), StandIns(), False)
    assert caught.value.left == ["10.77.1.2"]
    assert not out.exists()
    src.write_text("".join(f"peer 10.5.{i}.1 at 2001:4860::{i:x}\n" for i in range(200)))
    assert files.redact_file(str(src), str(out), StandIns(), False) == "text"
    assert "10.5." not in out.read_text() and "2001:4860" not in out.read_text()


def test_the_input_listing_spilled_is_the_whole_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = "".join(f"peer 10.5.{i}.1 at 2001:4860::{i:x} 02-11-22-33-44-{i % 256:02x}\n" for i in range(300)).encode()
    expected = identifiers(data)
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(standins_module, "TABLES_HOLD", 1)
    found = stream_identifiers(lambda: io.BytesIO(data))
    assert set(found) == expected
    secret = unkept(found, StandIns(["10.5.0.0/16"]).kept)
    assert set(secret) == {i for i in expected if not i.startswith("10.5.")}


def _stun_capture(flows: int, extra: bytes = b"") -> bytes:
    """A STUN server's Binding responses to ``flows`` clients (a distinct client and mapped address
    each: the listing of a capture grows with its clients), and a SIP datagram holding ``extra``."""
    from icecheck.inputs import synth

    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n in range(flows):
        txid = n.to_bytes(12, "big")
        stun = synth.stun_message(
            0x0101, txid, [(0x0020, synth.xor_address(f"198.51.{n >> 8}.{n & 255}", 40000, txid))]
        )
        for packet in synth.ip(synth.udp("192.0.2.1", 3478, f"10.9.{n >> 8}.{n & 255}", 40000, stun), ident=n + 1):
            writer.write(synth.link(packet), 1_700_000_000 + n / 10)
    sip = b"MESSAGE sip:b@example.com SIP/2.0\r\nContent-Length: %d\r\n\r\n%s" % (len(extra), extra)
    for packet in synth.ip(synth.udp("10.9.255.1", 5060, "10.9.255.2", 5060, sip), ident=flows + 1):
        writer.write(synth.link(packet), 1_700_000_100)
    return buf.getvalue()


def test_a_capture_listing_spilled_is_the_whole_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture's identifiers listed with every table spilled and its header addresses and what
    scan reads given three at a time are those listed in memory; ``among`` keeps only those asked for."""
    import icecheck.redact.selfcheck as selfcheck

    data = _stun_capture(300)
    expected = identifiers(data)
    clients, mapped = (
        {f"10.9.{n >> 8}.{n & 255}" for n in range(300)},
        {f"198.51.{n >> 8}.{n & 255}" for n in range(300)},
    )
    assert clients | mapped <= expected
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(standins_module, "TABLES_HOLD", 1)
    monkeypatch.setattr(selfcheck, "_BATCH_IDS", 3)
    found = selfcheck.capture_identifiers(lambda: io.BytesIO(data))
    assert len(found) == len(expected) and set(found) == expected
    among = TextSet(["10.9.0.7", "198.51.1.2", "10.99.0.1"])
    assert set(selfcheck.capture_identifiers(lambda: io.BytesIO(data), among=among)) == {"10.9.0.7", "198.51.1.2"}


def test_a_capture_redacts_the_same_and_refuses_a_survivor_when_spilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A capture of 300 clients redacts to the same bytes with its listing and output check
    spilled; one whose redaction misses an original (an HTML entity the check decodes) is refused."""
    import icecheck.redact.files as files
    import icecheck.redact.selfcheck as selfcheck
    import icecheck.redact.standins as module

    src = tmp_path / "in.pcap"
    src.write_bytes(_stun_capture(300, b"note 10.5.1.1"))

    def redacted(name: str) -> bytes:
        module.uuid.n = 0  # type: ignore[attr-defined]
        assert files.redact_file(str(src), str(tmp_path / name), StandIns(), False) == "pcap"
        return (tmp_path / name).read_bytes()

    held = redacted("held.pcap")
    assert b"10.5.1.1" not in held
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(standins_module, "TABLES_HOLD", 1)
    monkeypatch.setattr(table, "BATCH", 3)
    monkeypatch.setattr(selfcheck, "_BATCH_IDS", 3)
    assert redacted("spilled.pcap") == held
    src.write_bytes(_stun_capture(300, b"x 10&#46;77&#46;1&#46;2"))
    with pytest.raises(files.Incomplete) as caught:
        files.redact_file(str(src), str(tmp_path / "out.pcap"), StandIns(), False)
    assert caught.value.left == ["10.77.1.2"]
    assert not (tmp_path / "out.pcap").exists()


def test_tables_sharing_a_budget_hold_it_together() -> None:
    """The table a key is put in past the shared limit spills; the others keep theirs in memory, and
    every table answers as before."""
    budget = Budget(10)
    a, b = Table(budget), Table(budget)
    for i in range(8):
        a.put(bytes([i]), b"a")
    for i in range(2):
        b.put(bytes([i]), b"b")
    assert (budget.held, a.in_memory(), b.in_memory()) == (10, 8, 2)
    b.put(b"\x09", b"b")  # the eleventh key: ``b`` spills, ``a`` stays
    assert (budget.held, a.in_memory()) == (8, 8) and b.in_memory() < table.BATCH
    assert [b.get(bytes([i])) for i in (0, 1, 9, 5)] == [b"b", b"b", b"b", None] and len(b) == 3
    a.put(b"\x08", b"a")  # nine: under the limit again
    assert (budget.held, a.in_memory()) == (9, 9)
    a.close()
    assert budget.held == 0


def test_a_megabyte_of_ipv6_originals_stays_in_memory() -> None:
    """A run's tables share their limit (``TABLES_HOLD`` times ``limits.IN_MEMORY``): 120,000 IPv6
    originals and 60,000 stand-ins are all held (each table spilled at 50,000 on its own, and the
    dense colon-hex run of ``benchmarks/bench_hostile.py`` looked its originals up on disk)."""
    standins = StandIns()
    for n in range(120_000):
        standins.reserve(ipaddress.IPv6Address(0x2A00 << 112 | n << 8))
    for n in range(60_000):
        standins.ip(ipaddress.IPv6Address(0x2A00 << 112 | n << 8))
    assert standins.in_memory() == 180_000
    assert standins.counts()["addresses"] == 60_000
