"""Offline means offline, on every command, and ``--timeout`` bounds the whole run (issue 11, items 2, 3).

Each command runs as a user runs it, in the client namespace of the netns NAT lab, whose only
way out is the router; an nftables counter there counts every packet the client sends (and a
second one its lookup packets: DNS, whois, HTTP(S)). The client carries the recorded public
address 62.239.237.1 (a lookup key only: no packet is ever sent to it), so there is something
to look up, and its system resolver is a DNS server in the public namespace that reads queries
and never answers (tests/lab/silent_dns.py). coturn answers STUN on 203.0.113.10.

The wall-time checks are behaviour checks, not benchmarks: a run that waited for the silent
DNS server (5 s per try) would take several times the bound. The bound is the timeout plus what a
run that waits for nothing costs at that moment (``startup``: interpreter start and imports on a
possibly loaded machine) plus ``SLACK``. benchmarks/bench_deadline.py measures.
Needs root; in CI (``CI`` set) a missing lab fails instead of skipping.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.lab.coturn import Coturn
from tests.lab.netns import PUBLIC_A, PUBLIC_B, PUBLIC_DNS, REPO, NatLab, require_lab, wait_until
from tests.lab.silent_dns import (
    SilentDns,
    add_public_address,
    client_lookups,
    count_client_lookups,
    use_as_system_resolver,
)

PUBLIC_HOST = "62.239.237.1"  # recorded in rdap-fixtures; ICE019.sdp carries it too
STUN = f"stun:{PUBLIC_A}:3478"
NAMED = "stun:stun.example.net"  # only the silent DNS server is asked about it
SDP = str(SAMPLES / "rules" / "ICE019.sdp")
SLACK = 1.0  # beyond timeout + startup(); waiting for the silent server costs 5 s


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatLab]:
    require_lab()
    log = tmp_path_factory.mktemp("silent-dns") / "queries.log"
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]):
        add_public_address(lab, PUBLIC_HOST)
        use_as_system_resolver(lab.client, PUBLIC_DNS)
        with SilentDns(lab, lab.public, PUBLIC_DNS, log):
            yield lab


def icecheck(
    lab: NatLab, cache: Path, *args: str, offline_env: bool = False
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m icecheck ARGS`` in the client namespace: (process, wall seconds).

    Lookups are on (ICECHECK_OFFLINE is unset unless ``offline_env``) with a fresh cache.
    """
    env = ["env", "-u", "ICECHECK_OFFLINE", "-u", "https_proxy", "-u", "HTTPS_PROXY", f"PYTHONPATH={REPO}",
           f"XDG_CACHE_HOME={cache}", "COLUMNS=200", "NO_COLOR=1"]  # fmt: skip
    if offline_env:
        env.append("ICECHECK_OFFLINE=1")
    start = time.perf_counter()
    proc = lab.exec(lab.client, *env, sys.executable, "-m", "icecheck", *args, check=False)
    seconds = time.perf_counter() - start
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out, seconds


def startup(lab: NatLab, cache: Path) -> float:
    """Wall seconds, now, of a run that waits for nothing (``gather --offline``): the bound's base."""
    proc, seconds = icecheck(lab, cache, "gather", "--offline", "--no-ipv6", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return seconds


def report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["exit_code"] == proc.returncode
    return data


def kinds(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["kind"], a["status"]) for a in data["attempts"]]


# -- item 2: offline means offline ------------------------------------------------------------------

AUDITS = {  # the commands that look up: each sends packets when online (see the control test below)
    "gather": ["gather"],
    "sdp": ["sdp", SDP],
    "scan": ["scan", SDP],
}


@pytest.mark.parametrize("how", ["--offline", "ICECHECK_OFFLINE=1"])
@pytest.mark.parametrize("command", sorted(AUDITS))
def test_offline_audits_send_no_packet_and_answer_from_the_cache(
    lab: NatLab, tmp_path: Path, command: str, how: str
) -> None:
    flag = ["--offline"] if how == "--offline" else []
    lab.count_client_egress()
    proc, _ = icecheck(lab, tmp_path, *AUDITS[command], *flag, "--format", "json", offline_env=not flag)
    assert lab.client_egress() == 0, proc.stderr
    data = report(proc)
    assert data["attempts"] == [], data["attempts"]
    assert any("not looked up: --offline and not in the cache" in n for n in data["notes"]), data["notes"]
    assert PUBLIC_HOST in {c["address"] for c in data["candidates"]}


@pytest.mark.parametrize("command", sorted(AUDITS))
def test_online_the_same_audits_do_send_lookups(lab: NatLab, tmp_path: Path, command: str) -> None:
    """The control: without --offline the counters see the lookups (so a zero above means something)."""
    count_client_lookups(lab)
    proc, _ = icecheck(lab, tmp_path, *AUDITS[command], "--lookup-timeout", "0.5", "--format", "json")
    assert client_lookups(lab) > 0
    assert {a["status"] for a in report(proc)["attempts"] if a["target"] == PUBLIC_HOST} == {"timeout"}


@pytest.mark.parametrize("how", ["--offline", "ICECHECK_OFFLINE=1"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gather", "--stun", STUN], "sends no packet: drop --stun, --turn, --public-stun and --nat"),
        (["nat", "--stun", STUN], "sends no packet, and testing the NAT means sending some"),
        (["nat"], "sends no packet, and testing the NAT means sending some"),  # not "nat takes --stun"
    ],
)
def test_offline_refuses_to_ask_a_server(lab: NatLab, tmp_path: Path, args: list[str], message: str, how: str) -> None:
    flag = ["--offline"] if how == "--offline" else []
    lab.count_client_egress()
    proc, _ = icecheck(lab, tmp_path, *args, *flag, offline_env=not flag)
    assert lab.client_egress() == 0
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr == f"icecheck: {how} {message}\n", proc.stderr


def test_no_lookups_gathers_with_servers_and_looks_nothing_up(lab: NatLab, tmp_path: Path) -> None:
    count_client_lookups(lab)
    lab.count_client_egress()
    proc, _ = icecheck(lab, tmp_path, "gather", "--stun", STUN, "--no-ipv6", "--no-lookups", "--format", "json")
    assert client_lookups(lab) == 0 and lab.client_egress() > 0  # STUN went out, no lookup did
    data = report(proc)
    assert kinds(data) == [("stun", "ok")] and any(c["type"] == "srflx" for c in data["candidates"])
    assert any("not looked up: --no-lookups" in n for n in data["notes"])
    count_client_lookups(lab)  # the control: the same gathering looks the public host address up
    proc, _ = icecheck(lab, tmp_path, "gather", "--stun", STUN, "--no-ipv6", "--lookup-timeout", "0.5", "--format",
                       "json")  # fmt: skip
    assert client_lookups(lab) > 0 and ("ptr", "timeout") in kinds(report(proc))


@pytest.mark.parametrize("command", ["sdp", "scan"])
def test_no_lookups_on_the_file_commands_sends_nothing(lab: NatLab, tmp_path: Path, command: str) -> None:
    lab.count_client_egress()
    proc, _ = icecheck(lab, tmp_path, command, SDP, "--no-lookups", "--format", "json")
    assert lab.client_egress() == 0
    data = report(proc)
    assert data["attempts"] == [] and any("not looked up: --no-lookups" in n for n in data["notes"])
    assert not (tmp_path / "icecheck").exists()  # not even the cache was opened


NEVER_SEND = {  # the commands that have nothing to look up or ask: they send nothing even online
    "redact": ["redact", SDP, "-o", "{tmp}/shareable.sdp"],
    "diff": ["diff", str(SAMPLES / "rules" / "ICE005.sdp"), SDP],
    "config": ["config"],
    "rules": ["rules"],
    "explain": ["explain", "ICE019"],
    "completion": ["completion", "bash"],
}


@pytest.mark.parametrize("how", ["online", "ICECHECK_OFFLINE=1"])
@pytest.mark.parametrize("command", sorted(NEVER_SEND))
def test_the_other_commands_send_no_packet(lab: NatLab, tmp_path: Path, command: str, how: str) -> None:
    """Every command is under the counter: those above look up, refuse or gather; these never send."""
    lab.count_client_egress()
    args = [a.replace("{tmp}", str(tmp_path)) for a in NEVER_SEND[command]]
    proc, _ = icecheck(lab, tmp_path, *args, offline_env=how != "online")
    assert proc.returncode in (0, 1), proc.stderr
    assert lab.client_egress() == 0


@pytest.mark.parametrize("how", ["--offline", "ICECHECK_OFFLINE=1"])
def test_browser_offline_refuses_and_serve_offline_serves_loopback_only(lab: NatLab, tmp_path: Path, how: str) -> None:
    flag = ["--offline"] if how == "--offline" else []
    lab.count_client_egress()
    proc, _ = icecheck(lab, tmp_path, "browser", *flag, offline_env=not flag)
    assert proc.returncode == 2 and proc.stderr.startswith(f"icecheck: {how} sends no packet"), proc.stderr
    log = tmp_path / "serve.log"
    env = ["env", "-u", "ICECHECK_OFFLINE", f"PYTHONPATH={REPO}", f"XDG_CACHE_HOME={tmp_path}"]
    env += [] if flag else ["ICECHECK_OFFLINE=1"]
    serving = lab.spawn(lab.client, [*env, sys.executable, "-m", "icecheck", "serve", *flag], log)
    try:
        assert wait_until(lambda: "in the browser to check" in log.read_text(), 30), log.read_text()
    finally:
        lab.forget(serving)
    assert "http://127.0.0.1:" in log.read_text() and lab.client_egress() == 0


# -- item 3: --timeout bounds the whole run -----------------------------------------------------------


def test_gather_with_a_name_the_dns_server_never_answers_ends_within_the_timeout(lab: NatLab, tmp_path: Path) -> None:
    """Bound check with slack (see the module docstring), through the system resolver and through --resolver."""
    for extra in ([], ["--resolver", PUBLIC_DNS]):
        proc, seconds = icecheck(lab, tmp_path, "gather", "--stun", NAMED, "--timeout", "1", "--no-lookups",
                                 *extra, "--format", "json")  # fmt: skip
        (attempt,) = report(proc)["attempts"]
        assert attempt["status"] == "timeout" and "stun.example.net" in attempt["detail"], attempt
        assert attempt["elapsed"] < 1.2 and seconds < 1 + startup(lab, tmp_path) + SLACK, (extra, seconds)


def test_nat_with_a_name_the_dns_server_never_answers_ends_within_the_timeout(lab: NatLab, tmp_path: Path) -> None:
    """Bound check with slack (see the module docstring)."""
    proc, seconds = icecheck(lab, tmp_path, "nat", "--stun", NAMED, "--timeout", "1", "--strict", "--format", "json")
    data = json.loads(proc.stdout)
    assert kinds(data) == [("nat", "timeout")] and proc.returncode == 3
    assert data["nat"]["mapping"] == "inconclusive" and "stun.example.net" in data["nat"]["mapping_reason"]
    assert seconds < 1 + startup(lab, tmp_path) + SLACK, seconds


def test_lookups_after_gathering_end_within_the_lookup_timeout(lab: NatLab, tmp_path: Path) -> None:
    """Gathering with a named server and lookups, all through the silent DNS server: the run ends
    within --timeout plus --lookup-timeout. Bound check with slack (see the module docstring)."""
    args = ("gather", "--stun", NAMED, "--stun", STUN, "--no-ipv6", "--timeout", "1", "--lookup-timeout", "1")
    proc, seconds = icecheck(lab, tmp_path, *args, "--format", "json")
    data = report(proc)
    assert ("stun", "timeout") in kinds(data) and ("stun", "ok") in kinds(data)
    lookups = [a for a in data["attempts"] if a["kind"] in ("rdap", "asn", "ptr")]
    assert lookups and {a["status"] for a in lookups} == {"timeout"}
    assert any("for all lookups ran out" in a["detail"] for a in lookups)
    assert seconds < 1 + 1 + startup(lab, tmp_path) + SLACK, seconds
