"""``icecheck gather`` and ``icecheck nat`` run as a user runs them, inside the lab's client namespace.

The CLI is a subprocess in the client namespace of the netns NAT lab (tests/lab/netns.py):
behind a masquerading router, with coturn (two addresses, RFC 5780) in the public namespace.
Usage errors are checked without the lab: they stop before any socket is opened. Needs root
for the lab; in CI (``CI`` set) a missing lab fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from icecheck.gather import PUBLIC_STUN_URLS, parse_ice_url
from icecheck.live.modes import Mode
from tests.conftest import drain, run_cli, unavailable
from tests.lab.cli import SLACK, argv, icecheck, report, startup
from tests.lab.coturn import PASSWORD, USER, Coturn
from tests.lab.netns import (
    CLIENT_CGN,
    CLIENT_LAN,
    PUBLIC_A,
    PUBLIC_B,
    PUBLIC_DNS,
    REPO,
    ROUTER_WAN,
    NatLab,
    require_lab,
)
from tests.schemas import errors

STUN = f"stun:{PUBLIC_A}:3478"
TURN = f"turn:{PUBLIC_A}:3478"
SILENT = "stun:203.0.113.99:3478"  # a public-namespace address that drops what it gets (see ``lab``)
WRONG = "wrong-Secret-7f3a"


@pytest.fixture(scope="module")
def lab() -> Iterator[NatLab]:
    """The NAT lab with coturn, and 203.0.113.99 silent for sure: an address of the public namespace
    whose packets are dropped. Left unassigned, the router's failed ARP answers the client with
    ICMP host unreachable about 3 s after a packet, which a later test's packets can meet."""
    require_lab()
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]):
        lab.ip(lab.public, "addr", "add", "203.0.113.99/24", "dev", "p-wan")
        lab.nft(lab.public, "table inet iclab_silent {\n  chain input {\n    type filter hook input priority 0;\n"
                "    ip daddr 203.0.113.99 drop\n  }\n}\n")  # fmt: skip
        yield lab


def of_type(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in data["candidates"] if c["type"] == kind]


def test_json_shows_the_router_as_srflx_a_coturn_relay_and_every_attempt(lab: NatLab) -> None:
    code, data, stderr = report(lab, "gather", "--stun", STUN, "--turn", TURN, "--turn-user", USER,
                                password=PASSWORD)  # fmt: skip
    srflx = {(c["address"], c["related_address"]) for c in of_type(data, "srflx")}
    assert srflx == {(ROUTER_WAN, CLIENT_LAN), (ROUTER_WAN, CLIENT_CGN)}
    (relay,) = of_type(data, "relay")
    assert relay["address"] == PUBLIC_A and relay["related_address"] == ROUTER_WAN
    assert [(a["kind"], a["status"]) for a in data["attempts"]] == [("stun", "ok"), ("turn", "ok")]
    hosts = {c["address"]: c["interface"] for c in of_type(data, "host")}
    assert hosts[CLIENT_LAN] == {"name": "c-lan", "kind": "container", "default_route": True}
    exposed = {e["value"]: e["summary"] for e in data["exposures"] if e["kind"] == "interface-exposed"}
    assert set(exposed) == {"c-lan", "c-cgn"} and CLIENT_CGN in exposed["c-cgn"]
    assert "default route" in exposed["c-lan"]
    assert [m["mode"] for m in data["browser_modes"]] == [m.value for m in Mode]
    assert "nat" not in data and code in (0, 1) and PASSWORD not in stderr + json.dumps(data)


def test_browser_modes_in_json_say_what_each_mode_signals(lab: NatLab) -> None:
    _, data, _ = report(lab, "gather", "--stun", STUN, "--turn", TURN, "--turn-user", USER, "--no-ipv6",
                        password=PASSWORD)  # fmt: skip
    modes = {m["mode"]: m for m in data["browser_modes"]}
    assert modes["mode1"]["counts"] == {"host": 2, "srflx": 2, "relay": 1}
    assert set(modes["mode1"]["addresses"]) == {CLIENT_LAN, CLIENT_CGN, ROUTER_WAN}
    assert modes["mode2"]["addresses"] == [CLIENT_LAN, ROUTER_WAN]  # the default route's interface only
    assert modes["chrome"]["mdns_concealed"] == 1 and modes["chrome"]["addresses"] == [ROUTER_WAN]
    assert modes["relay-only"]["counts"] == {"host": 0, "srflx": 0, "relay": 1}
    assert modes["relay-only"]["addresses"] == [] and not any(m["selected"] for m in modes.values())
    fates = {c["candidate"]: c["shown"] for c in modes["chrome"]["candidates"]}
    assert fates[f"host {CLIENT_CGN} (c-cgn)"] == "dropped" and fates[f"host {CLIENT_LAN} (c-lan)"] == "mdns"


def test_as_relay_only_audits_only_the_relay_without_the_users_address(lab: NatLab) -> None:
    code, data, _ = report(lab, "gather", "--stun", STUN, "--turn", TURN, "--turn-user", USER, "--as", "relay-only",
                           password=PASSWORD)  # fmt: skip
    assert [(c["type"], c["address"], c["related_address"]) for c in data["candidates"]] == [
        ("relay", PUBLIC_A, "0.0.0.0")
    ]
    assert [m["mode"] for m in data["browser_modes"] if m["selected"]] == ["relay-only"]
    assert not [e for e in data["exposures"] if e["kind"] in ("interface-exposed", "local-address", "public-address")]
    assert any("relay only" in n and "1 of 7" in n for n in data["notes"])
    assert code == 0 and data["findings"] == []


def test_a_wrong_turn_password_is_auth_failed_and_fatal_under_strict(lab: NatLab) -> None:
    args = ("gather", "--turn", TURN, "--turn-user", USER, "--turn-password", WRONG, "--no-ipv6")
    code, data, stderr = report(lab, *args)
    (attempt,) = data["attempts"]
    assert attempt["status"] == "auth-failed" and "401" in attempt["detail"] and code != 3
    assert not of_type(data, "relay") and any("public address was not learned" in n for n in data["notes"])
    strict, data, stderr = report(lab, *args, "--strict")
    assert strict == 3 and data["exit_code"] == 3
    assert WRONG not in stderr + json.dumps(data)


def test_an_unreachable_server_is_reported_within_the_timeout(lab: NatLab) -> None:
    """The wall time is a bound check, not a benchmark (tests/lab/cli.py): aioice's own gathering
    would wait 5 s."""
    timeout = 1.0
    proc, seconds = icecheck(lab, "gather", "--stun", SILENT, "--timeout", str(timeout), "--format", "json")
    assert seconds < timeout + startup(lab) + SLACK, seconds
    data = json.loads(proc.stdout)
    (attempt,) = data["attempts"]
    assert attempt["status"] == "timeout" and timeout - 0.05 <= attempt["elapsed"] < timeout + 0.2
    assert any("no STUN server answered" in n for n in data["notes"])
    strict, _ = icecheck(lab, "gather", "--stun", SILENT, "--timeout", "0.3", "--strict", "--format", "json")
    assert strict.returncode == 3


def test_offline_sends_no_packet_and_learns_no_public_address(lab: NatLab) -> None:
    lab.count_client_egress()
    code, data, _ = report(lab, "gather", "--offline")
    assert lab.client_egress() == 0
    assert of_type(data, "host") and not of_type(data, "srflx") and not data["attempts"]
    assert any("--offline sent no packet" in n for n in data["notes"])
    assert code in (0, 1)


def test_offline_reads_geoip_databases_and_strict_fails_on_a_bad_one(lab: NatLab, tmp_path: Path) -> None:
    city = REPO / "tests" / "data" / "maxmind" / "GeoIP2-City-Test.mmdb"
    lab.count_client_egress()
    code, data, _ = report(lab, "gather", "--offline", "--geoip-db", str(city))
    assert lab.client_egress() == 0 and code in (0, 1)
    assert [d["path"] for d in data["geoip_databases"]] == [str(city)]
    read = [(a["kind"], a["status"]) for a in data["attempts"] if a["status"] != "stale"]  # stale after 2027-02
    assert read == [("geoip", "ok")]
    missing = tmp_path / "GeoLite2-ASN.mmdb"
    code, data, _ = report(lab, "gather", "--offline", "--strict", "--geoip-db", str(missing))
    assert code == 3 and [(a["target"], a["status"]) for a in data["attempts"]] == [(str(missing), "error")]


def test_without_a_server_the_report_says_how_to_learn_the_public_address(lab: NatLab) -> None:
    lab.count_client_egress()
    proc, _ = icecheck(lab, "gather")
    assert lab.client_egress() == 0
    text = " ".join(proc.stdout.split())  # undo rich's wrapping
    assert "Your public address was not learned (no STUN server was asked)" in text
    assert "--stun stun:HOST[:PORT]" in text and "--public-stun" in text


def test_terminal_report_has_attempts_the_mode_table_and_the_interfaces(lab: NatLab) -> None:
    proc, _ = icecheck(lab, "gather", "--stun", STUN, "--turn", TURN, "--turn-user", USER, password=PASSWORD)
    out = proc.stdout
    assert "Server and lookup attempts" in out and f"stun:{PUBLIC_A}:3478" in out
    assert "What a browser would signal in each privacy mode" in out
    table = out[out.index("What a browser would signal") :]
    rows = [line.split()[0] for line in table.splitlines()[2:] if line.startswith("  ") and line.split()]
    for mode in Mode:
        assert mode.value in rows  # one row per mode, first column
    assert "Chrome default (mDNS)" in out and "2 (2 mDNS)" in out
    text = " ".join(out.split())
    assert "Your container interface c-lan (" in text and "c-lan (container)" in text
    assert PASSWORD not in out + proc.stderr and proc.stderr == ""  # no spinner: stderr is not a terminal


def test_the_password_from_the_command_line_never_shows(lab: NatLab) -> None:
    args = ("gather", "--turn", TURN, "--turn-user", USER, "--turn-password", PASSWORD, "--no-ipv6")
    for fmt in ("text", "json", "sarif", "markdown"):
        proc, _ = icecheck(lab, *args, "--format", fmt)
        assert proc.returncode in (0, 1) and PASSWORD not in proc.stdout + proc.stderr, fmt


def test_nat_is_endpoint_independent_behind_plain_masquerade(lab: NatLab) -> None:
    proc, _ = icecheck(lab, "nat", "--stun", STUN, "--format", "json")
    assert errors("nat", json.loads(proc.stdout)) == []  # the published schema (docs/schema/nat.schema.json)
    nat = json.loads(proc.stdout)["nat"]
    assert proc.returncode == 0 and nat["mapping"] == "endpoint-independent"
    assert nat["filtering"] == "address-and-port-dependent" and nat["mapped_addresses"][0].startswith(ROUTER_WAN)
    assert "peer learns your public address" in nat["explanation"] and "(test II)" in nat["mapping_reason"]


def test_nat_is_address_and_port_dependent_behind_fully_random_masquerade(lab: NatLab) -> None:
    lab.set_nat("fully-random")
    try:
        proc, _ = icecheck(lab, "nat", "--stun", STUN)
    finally:
        lab.set_nat("cone")
    text = " ".join(proc.stdout.split())
    assert "NAT behaviour (RFC 5780)" in text and "mapping address-and-port-dependent" in text
    assert "TURN relay" in text and proc.returncode == 0


def test_gather_nat_adds_the_nat_to_the_report(lab: NatLab) -> None:
    _, data, _ = report(lab, "gather", "--stun", STUN, "--nat", "--no-ipv6")
    assert errors("report", data) == []
    assert data["nat"]["mapping"] == "endpoint-independent" and data["nat"]["explanation"]
    assert [(a["kind"], a["status"]) for a in data["attempts"]] == [("stun", "ok"), ("nat", "ok")]
    assert of_type(data, "srflx")
    proc, _ = icecheck(lab, "gather", "--stun", STUN, "--nat", "--no-ipv6")
    assert "NAT behaviour (RFC 5780)" in proc.stdout and "public address" in proc.stdout


def test_nat_with_a_silent_server_is_inconclusive_and_fatal_under_strict(lab: NatLab) -> None:
    proc, seconds = icecheck(lab, "nat", "--stun", SILENT, "--timeout", "0.5", "--strict", "--format", "json")
    data = json.loads(proc.stdout)
    assert errors("nat", data) == []
    nat, (attempt,) = data["nat"], data["attempts"]
    assert nat["mapping"] == "inconclusive" and "timeout" in nat["mapping_reason"] and proc.returncode == 3
    assert (attempt["kind"], attempt["status"], data["exit_code"]) == ("nat", "timeout", 3)
    assert seconds < 0.5 + startup(lab) + SLACK  # a bound check, not a benchmark (tests/lab/cli.py)


def test_host_names_go_to_the_resolver_given_else_to_the_system_one(lab: NatLab, tmp_path: Path) -> None:
    dnsmasq = shutil.which("dnsmasq")
    if dnsmasq is None:
        unavailable("dnsmasq (Debian dnsmasq-base) is missing")
    conf = tmp_path / "lab.conf"
    conf.write_text(f"no-resolv\nno-hosts\nlocal=/#/\nhost-record=stun.lab.example,{PUBLIC_A}\n")
    proc = lab.spawn(lab.public, [dnsmasq, "--keep-in-foreground", f"--listen-address={PUBLIC_DNS}",
                                  "--bind-interfaces", "--port=53", "--pid-file=", f"--conf-file={conf}"])  # fmt: skip
    try:
        named = ("gather", "--stun", "stun:stun.lab.example", "--no-ipv6", "--timeout", "2")
        _, data, _ = report(lab, *named, "--resolver", PUBLIC_DNS)
        # The client's own resolv.conf names 127.0.0.1, where nothing answers.
        _, system, _ = report(lab, *named)
    finally:
        lab.forget(proc)
    assert data["attempts"][0]["status"] == "ok" and of_type(data, "srflx")
    assert system["attempts"][0]["status"] == "unresolvable" and not of_type(system, "srflx")


def test_progress_names_the_servers_on_a_terminal_only(lab: NatLab) -> None:
    main, child = pty.openpty()
    try:
        command = ["ip", "netns", "exec", lab.client, *argv("gather", "--stun", SILENT, "--timeout", "0.6", "--format",
                                                             "json")]  # fmt: skip
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=child, timeout=30, check=False)
        os.close(child)
        seen = drain(main)
    finally:
        os.close(main)
    assert "asking stun:203.0.113.99:3478 (0 of 1 done)" in seen
    assert json.loads(proc.stdout)["attempts"][0]["status"] == "timeout"  # results on stdout, untouched


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stun", "stun//203.0.113.10"], "not a stun: or turn: URL"),
        (["--stun", "stun:[2001:db8::1"], "bracketed IPv6"),
        (["--stun", "turn:203.0.113.10"], "--stun takes stun: URLs"),
        (["--turn", "turn:203.0.113.10"], "--turn needs --turn-user"),
        (["--turn", "turn:icetest:Hunter2pw@203.0.113.10"], "credentials do not belong"),
        (["--offline", "--stun", STUN], "--offline sends no packet"),
        (["--nat"], "--nat needs a STUN server"),
        (["--resolver", "dns.example"], "Invalid value for '--resolver': 'dns.example' is not an IP address"),
        (["--timeout", "0"], "not in the range x>0"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = run_cli("gather", *args)
    assert proc.returncode == 2 and proc.stdout == "" and message in proc.stderr, proc.stderr
    if "Hunter2pw" in " ".join(args):
        assert "Hunter2pw" not in proc.stderr
    if "range" not in message and "Invalid value" not in message:  # click's own type errors keep click's form
        assert proc.stderr.startswith("icecheck: ") and proc.stderr.count("\n") == 1


def test_nat_needs_one_or_two_stun_servers() -> None:
    """Online (offline refuses first, tests/cli/test_cli_offline.py): a usage error, before any packet."""
    for args in ([], ["--stun", STUN] * 3):
        proc = run_cli("nat", *args, env={"ICECHECK_OFFLINE": ""})
        assert proc.returncode == 2 and proc.stderr.startswith("icecheck: nat takes one or two --stun"), proc.stderr


def test_help_lists_every_mode_and_public_stun_server() -> None:
    text = " ".join(run_cli("gather", "--help").stdout.split())
    assert all(m.value in text for m in Mode)
    assert all(parse_ice_url(u).host in text for u in PUBLIC_STUN_URLS)
    assert "ICECHECK_TURN_PASSWORD" in text
