"""Auditing a live gathering without a network: interfaces exposed, notes, modes, strict, renderers.

The ``InputDocument`` values here have the shape ``gather.gather`` produces (the lab tests in
test_gather_live.py and test_cli_gather.py check that shape against real servers).
"""

from __future__ import annotations

import json

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.candidate import parse_candidate
from icecheck.live.liveaudit import interface_exposures, live_audit, public_address_note
from icecheck.live.modes import Mode
from icecheck.live.runner import Progress, choose, nat_attempt
from icecheck.model import (
    Attempt,
    CandidateRecord,
    ExitCode,
    InputDocument,
    InputStatus,
    InterfaceInfo,
    NatBehaviour,
    Origin,
)
from icecheck.render.json_report import to_dict
from icecheck.render.terminal import render
from icecheck.report import exit_code

TUN = InterfaceInfo("tun0", "vpn")
WLAN = InterfaceInfo("wlan0", "wifi", default_route=True)
DOCKER = InterfaceInfo("docker0", "bridge")


def record(line: str, interface: InterfaceInfo | None = None) -> CandidateRecord:
    return CandidateRecord(parse_candidate(line), Origin("live", detail="test"), interface=interface)


def laptop(*attempts: Attempt, relay: bool = True) -> InputDocument:
    """A laptop on Wi-Fi with an OpenVPN tunnel up and Docker installed."""
    records = [
        record("candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host", WLAN),
        record("candidate:2 1 udp 2122194687 10.8.0.6 50001 typ host", TUN),
        record("candidate:3 1 udp 2122129151 172.17.0.1 50002 typ host", DOCKER),
        record("candidate:4 1 udp 1686052607 198.51.100.7 50000 typ srflx raddr 192.168.1.20 rport 50000", WLAN),
    ]
    if relay:
        records.append(record("candidate:5 1 udp 41885439 203.0.113.10 49160 typ relay raddr 198.51.100.7 rport 5"))
    return InputDocument("live", "gather", InputStatus.OK, tuple(records), attempts=attempts)


SETTINGS = AuditSettings(preset("default"))
STRICT = AuditSettings(preset("default"), strict=True)
OK_STUN = Attempt("stun", "stun:203.0.113.10:3478", "ok", "", 0.004)


def test_each_exposed_interface_is_named_with_its_kind_and_addresses() -> None:
    result = live_audit(laptop(OK_STUN), SETTINGS)
    found = {e.value: e for e in result.exposures if e.kind == "interface-exposed"}
    assert set(found) == {"wlan0", "tun0", "docker0"}
    assert found["tun0"].summary.startswith("Your VPN interface tun0 (10.8.0.6) is exposed: the peer learns")
    assert found["wlan0"].evidence == ("c1", "c4")  # the srflx raddr shows the Wi-Fi address too
    assert "(it carries the default route)" in found["wlan0"].summary
    assert "The VPN (tun0) does not hide it" in found["wlan0"].summary
    assert "bridge" in found["docker0"].summary and "does not hide" in found["docker0"].summary


def test_concealed_or_zeroed_addresses_expose_no_interface() -> None:
    result = live_audit(laptop(OK_STUN), SETTINGS, mode=Mode.CHROME)
    assert [e for e in result.exposures if e.kind == "interface-exposed"] == []
    assert all(c.record.candidate.type != "host" or c.facts.address.endswith(".local") for c in result.candidates)


def test_mode2_exposes_only_the_default_route_interface() -> None:
    result = live_audit(laptop(OK_STUN), SETTINGS, mode=Mode.MODE2)
    exposed = [e for e in result.exposures if e.kind == "interface-exposed"]
    assert [e.value for e in exposed] == ["wlan0"] and "does not hide" not in exposed[0].summary


def test_interface_exposures_need_interface_facts() -> None:
    result = live_audit(laptop(OK_STUN), SETTINGS)
    plain = [c for c in result.candidates if c.record.interface is None]
    assert interface_exposures(plain) == []


def test_the_public_address_note_says_why_and_how() -> None:
    hosts_only = InputDocument("live", "gather", InputStatus.OK, laptop(relay=False).candidates[:3])
    assert "(no STUN server was asked)" in str(public_address_note(hosts_only))
    assert "(--offline sent no packet)" in str(public_address_note(hosts_only, offline=True))
    silent = InputDocument("live", "gather", InputStatus.OK, hosts_only.candidates,
                           attempts=(Attempt("stun", "stun:x", "timeout"),))  # fmt: skip
    note = str(public_address_note(silent))
    assert "(no STUN server answered)" in note and "--stun stun:HOST[:PORT]" in note and "--public-stun" in note
    assert public_address_note(laptop(OK_STUN)) is None


def test_mode_rows_mark_the_audited_mode_and_count_per_type() -> None:
    result = live_audit(laptop(OK_STUN), SETTINGS, mode=Mode.RELAY_ONLY)
    rows = {r.mode: r for r in result.browser_modes}
    assert [r.mode for r in result.browser_modes] == [m.value for m in Mode]
    assert rows["relay-only"].selected and not rows["mode1"].selected
    assert dict(rows["mode1"].counts) == {"host": 3, "srflx": 1, "relay": 1}
    assert rows["firefox"].addresses == ("198.51.100.7",)  # the relay's own address is not the user's
    assert [c.record.candidate.related_address for c in result.candidates] == ["0.0.0.0"]


def test_relay_only_without_a_relay_says_a_browser_could_not_connect() -> None:
    result = live_audit(laptop(OK_STUN, relay=False), SETTINGS, mode=Mode.RELAY_ONLY)
    assert not result.candidates and any("could not connect" in n for n in result.notes)


def test_strict_makes_a_failed_attempt_exit_3() -> None:
    failed = Attempt("turn", "turn:x", "auth-failed")
    assert exit_code(live_audit(laptop(OK_STUN), STRICT)) != ExitCode.FAILURE
    assert exit_code(live_audit(laptop(OK_STUN, failed), SETTINGS)) != ExitCode.FAILURE
    assert exit_code(live_audit(laptop(OK_STUN, failed), STRICT)) == ExitCode.FAILURE


def test_nat_discovery_is_an_attempt_failed_only_when_no_server_answered() -> None:
    told = NatBehaviour("inconclusive", "inconclusive", ("198.51.100.7:5",), mapping_reason="no OTHER-ADDRESS")
    assert nat_attempt(["stun:a:1"], told, 0.1).status == "ok"
    silent = NatBehaviour("inconclusive", "inconclusive", mapping_reason="no usable answer (timeout: no answer)")
    assert nat_attempt(["stun:a:1"], silent, 1.0) == Attempt("nat", "stun:a:1", "timeout", silent.mapping_reason, 1.0)
    nowhere = NatBehaviour("inconclusive", "inconclusive", mapping_reason="no-network: cannot reach a: unreachable")
    assert nat_attempt(["stun:a:1", "stun:b:2"], nowhere, 0.0).status == "no-network"
    result = live_audit(laptop(OK_STUN), STRICT, nat=silent,
                        attempts=[nat_attempt(["stun:a:1"], silent, 1.0)])  # fmt: skip
    assert exit_code(result) == ExitCode.FAILURE and result.attempts[-1].kind == "nat"


def test_json_has_browser_modes_and_nat_only_for_live_runs() -> None:
    nat = NatBehaviour("endpoint-independent", "address-and-port-dependent", ("198.51.100.7:50000",), "m; f",
                       mapping_reason="same mapping", filtering_reason="no answer")  # fmt: skip
    data = to_dict(live_audit(laptop(OK_STUN), SETTINGS, nat=nat), 1)
    assert data["nat"]["mapping_reason"] == "same mapping" and "peer learns" in data["nat"]["explanation"]
    assert data["browser_modes"][0]["counts"] == {"host": 3, "srflx": 1, "relay": 1}
    plain = to_dict(audit([laptop(OK_STUN)], SETTINGS), 1)  # what `icecheck sdp` and `scan` build
    assert "nat" not in plain and "browser_modes" not in plain
    json.dumps(data)


def test_terminal_shows_the_mode_table_and_the_nat_in_plain_words() -> None:
    nat = NatBehaviour("address-and-port-dependent", "address-and-port-dependent", mapping_reason="tests II, III")
    result = live_audit(laptop(OK_STUN), SETTINGS, mode=Mode.FIREFOX, nat=nat)
    text = render(result, 0, 160).plain
    assert "What a browser would signal in each privacy mode" in text and "firefox *" in text
    assert "* the mode audited above (--as)" in text and "iceTransportPolicy relay" in text
    assert "NAT behaviour (RFC 5780)" in text and "tests II, III" in text and "TURN relay" in text


def test_choose_resolves_names_only_through_the_chosen_resolver() -> None:
    assert choose(["stun:203.0.113.10"]).resolver is None  # IP literals: no resolver at all
    named = choose(["stun:stun.example.net"])
    assert named.resolver_name == "system"
    pinned = choose(["stun:stun.example.net"], resolver="[2001:db8::53]:5353")
    assert pinned.resolver_name == "[2001:db8::53]:5353"
    assert choose(resolver="192.0.2.53").resolver_name == "192.0.2.53:53"
    public = choose(public_stun=True)
    assert len(public.stun) == 3 and public.resolver_name == "system"


def test_choose_keeps_the_password_out_of_reprs() -> None:
    choice = choose(turn=["turn:203.0.113.10?transport=tcp"], user="u", password="Sekrit-99")
    assert "Sekrit-99" not in repr(choice) and choice.turn[0].password == "Sekrit-99"
    assert choice.targets == ["turn:203.0.113.10:3478?transport=tcp"]


def test_progress_text_follows_the_attempts() -> None:
    progress = Progress(["stun:a:1", "turn:b:2?transport=udp"], ["stun:a:1"], "system")
    assert progress.text() == ("asking stun:a:1, turn:b:2?transport=udp (0 of 2 done); testing the NAT with "
                               "stun:a:1; host names through the system resolver")  # fmt: skip
    progress.attempt(Attempt("stun", "stun:a:1", "ok"))
    progress.nat_done()
    assert progress.text().startswith("asking turn:b:2?transport=udp (1 of 2 done)")
    with progress.shown(enabled=False) as same:
        assert same is progress
