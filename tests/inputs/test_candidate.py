"""Unit tests of icecheck.inputs.candidate: diagnostics, fields, priority decoding, round trips, fast path."""

from __future__ import annotations

import ipaddress
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import candidate as mod
from icecheck.inputs.candidate import CandidateSyntaxError, decode_priority, format_candidate, parse_candidate
from icecheck.model import Candidate, PriorityInfo

CHROME_HOST = (
    "candidate:3684617590 1 udp 2122260223 10.217.229.219 50028 typ host generation 0 ufrag Xy1z"
    " network-id 1 network-cost 10"
)
CHROME_SRFLX = (
    "candidate:387183333 1 udp 1686052607 203.0.113.72 31267 typ srflx raddr 10.217.229.219 rport 50028"
    " generation 0 ufrag Xy1z network-id 1 network-cost 10"
)
CHROME_MDNS = (
    "candidate:1380287402 1 udp 2113937151 e2494022-4d9a-4c1e-a750-cc48d4f8d6ee.local 60542 typ host"
    " generation 0 ufrag Xy1z network-cost 999"
)
CHROME_TCP = "candidate:1936595596 1 tcp 1518214911 192.168.99.58 9 typ host tcptype active generation 0"
FIREFOX_HOST = "candidate:0 1 UDP 2122252543 192.168.1.10 54321 typ host"
FIREFOX_RELAY = "candidate:3 1 UDP 92217087 198.51.100.9 41652 typ relay raddr 203.0.113.5 rport 36404"
FIREFOX_IPV6 = "candidate:2 1 UDP 2122187007 2001:db8::c8:1 47387 typ host"
MDNS = "e2494022-4d9a-4c1e-a750-cc48d4f8d6ee.local"
CLEAN = [CHROME_HOST, CHROME_SRFLX, CHROME_MDNS, CHROME_TCP, FIREFOX_HOST, FIREFOX_RELAY, FIREFOX_IPV6]


def _no_raw(c: Candidate) -> Candidate:
    return c._replace(raw="")


# -- accepted forms and fields -------------------------------------------------------------------


def test_chrome_host_fields() -> None:
    assert parse_candidate(CHROME_HOST) == Candidate(
        foundation="3684617590", component=1, transport="udp", priority=2122260223, address="10.217.229.219",
        port=50028, type="host", generation=0, ufrag="Xy1z", network_id=1, network_cost=10, raw=CHROME_HOST,
    )  # fmt: skip


def test_srflx_related_address() -> None:
    c = parse_candidate(CHROME_SRFLX)
    assert (c.type, c.related_address, c.related_port, c.network_cost) == ("srflx", "10.217.229.219", 50028, 10)


@pytest.mark.parametrize("framing", ["a=candidate:{}", "candidate:{}", "{}", "a=candidate:{}\r\n", "{}\n"])
def test_framings_parse_the_same(framing: str) -> None:
    body = CHROME_TCP.removeprefix("candidate:")
    text = framing.format(body)
    c = parse_candidate(text)
    assert c.raw == text
    assert _no_raw(c) == _no_raw(parse_candidate(CHROME_TCP))


def test_case_rules() -> None:
    c = parse_candidate("candidate:1 1 uDP 5 10.0.0.1 9 TYP HoSt RADDR 10.0.0.2 rport 9 TcpType Active")
    assert (c.transport, c.type, c.related_address, c.tcptype) == ("uDP", "host", "10.0.0.2", "Active")


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("[2001:db8::1]", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("[fe80::1%wg0]", "fe80::1%wg0"),
        ("e2494022-4d9a-4c1e-a750-cc48d4f8d6ee.local", "e2494022-4d9a-4c1e-a750-cc48d4f8d6ee.local"),
        ("a.test", "a.test"),
        ("redacted-ip.invalid", "redacted-ip.invalid"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ],
)
def test_addresses(address: str, kept: str) -> None:
    assert parse_candidate(f"1 1 udp 5 {address} 9 typ host").address == kept


def test_extensions_keep_order_and_empty_values() -> None:
    c = parse_candidate("1 1 tcp 5 10.0.0.1 9 typ host tcptype so a 1 b  ufrag u network_name eth0 z ")
    assert c.extensions == (("a", "1"), ("b", ""), ("network_name", "eth0"), ("z", ""))
    assert (c.tcptype, c.ufrag) == ("so", "u")


def test_empty_foundation_and_component_zero() -> None:
    c = parse_candidate("candidate: 0 udp 500 127.0.0.1 80 typ host")
    assert (c.foundation, c.component) == ("", 0)


def test_raddr_is_opaque_but_rport_is_checked() -> None:
    assert parse_candidate("1 1 udp 5 192.0.2.1 9 typ srflx raddr 1%92.168.1 rport 0").related_address == "1%92.168.1"
    assert parse_candidate("1 1 udp 5 192.0.2.1 9 typ srflx raddr [::1]").related_address == "::1"
    with pytest.raises(CandidateSyntaxError, match="rport 65536"):
        parse_candidate("1 1 udp 5 192.0.2.1 9 typ srflx raddr 0.0.0.0 rport 65536")


# -- diagnostics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token", "column", "reason"),
    [
        ("a=candidate:1 1 udp 1 10.0.0.1 70000 typ host", "70000", 31, "port 70000 is out of range 0-65535"),
        ("1 1 udp 4294967296 10.0.0.1 9 typ host", "4294967296", 8, "priority 4294967296 is out of range"),
        ("1 1 udp 00000000001 10.0.0.1 9 typ host", "00000000001", 8, "priority has 11 digits, at most 10"),
        ("1 123456 udp 1 10.0.0.1 9 typ host", "123456", 2, "component 123456 is out of range 0-99999"),
        ("candidate:1 1 sctp 1 10.0.0.1 9 typ host", "sctp", 14, "unknown transport"),
        ("1 1 udp 1 10.0.0.256 9 typ host", "10.0.0.256", 10, "neither an IP literal nor a host name"),
        ("1 1 udp 1 010.0.0.1 9 typ host", "010.0.0.1", 10, "neither an IP literal nor a host name"),
        ("1 1 udp 1 fe80::1% 9 typ host", "fe80::1%", 10, "empty zone id"),
        ("1 1 udp 1 [::1 9 typ host", "[::1", 10, "unbalanced brackets"),
        ("1 1 udp 1 a..b 9 typ host", "a..b", 10, "neither an IP literal nor a host name"),
        ("1 1 udp 1 10.0.0.1 9 type host", "type", 21, "expected 'typ'"),
        ("1 1 udp 1 10.0.0.1 9 typ fost", "fost", 25, "unknown candidate type"),
        ("1 1 udp 1 10.0.0.1 9 typ host tcptype x", "x", 38, "tcptype must be active, passive or so"),
        ("1 1 udp 1 10.0.0.1 9 typ host generation 1 generation 2", "generation", 43, "generation given twice"),
        ("1 1 udp 1 10.0.0.1 9 typ host generation B", "B", 41, "generation must be a decimal number"),
        ("1 1 udp 1 10.0.0.1 9 typ host  x y", "", 30, "empty extension name"),
        ("3$3 1 udp 1 10.0.0.1 9 typ host", "3$3", 0, "foundation contains '$'"),
        ("x=candidate:1 1 udp 1 10.0.0.1 9 typ host", "x=candidate:1", 0, "unknown prefix?"),
        ("1" * 33 + " 1 udp 1 10.0.0.1 9 typ host", "1" * 33, 0, "foundation has 33 characters"),
    ],
)
def test_diagnostics(text: str, token: str, column: int, reason: str) -> None:
    with pytest.raises(CandidateSyntaxError) as info:
        parse_candidate(text)
    exc = info.value
    assert (exc.token, exc.column) == (token, column)
    assert reason in exc.reason
    assert text[column : column + len(token)] == token


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("", 0, "empty candidate"),
        ("candidate:   ", 10, "empty candidate"),
        ("candidate:1 1 udp", 17, "missing priority"),
        ("1 1 udp 1 10.0.0.1 9 typ", 24, "missing type"),
        ("1 1 udp 1 10.0.0.1 9 typ srflx raddr", 36, "raddr needs an address"),
        ("1 1 udp 1 10.0.0.1 9 typ srflx rport", 36, "rport needs a value"),
    ],
)
def test_diagnostics_at_the_end(text: str, column: int, reason: str) -> None:
    with pytest.raises(CandidateSyntaxError) as info:
        parse_candidate(text)
    assert (info.value.token, info.value.column, info.value.reason) == (None, column, reason)


@pytest.mark.parametrize(
    ("text", "column", "token"),
    [
        ("a=candidate:1 1 udp 1 10.0.0.1 9 typ host ext va\x00lue", 48, "va\x00lue"),
        ("1 1 udp 1 10.0.0.1 9 typ host\r\ncandidate:2 1 udp", 29, "host\r\ncandidate:2"),
        ("1 1 udp 1 10.0.0.1 9 typ host\r\n\r\n", 29, "host\r\n"),  # only one CRLF is stripped
        ("1 1 udp 1 10.0.0.1 9 typ host\tgeneration 0", 29, "host\tgeneration"),
    ],
)
def test_control_characters(text: str, column: int, token: str) -> None:
    with pytest.raises(CandidateSyntaxError) as info:
        parse_candidate(text)
    assert (info.value.column, info.value.token) == (column, token)
    assert not text[column].isprintable()
    assert "U+" in info.value.reason or "line break" in info.value.reason


def test_message_is_one_line_and_names_token_and_reason() -> None:
    with pytest.raises(CandidateSyntaxError) as info:
        parse_candidate("1 1 udp 1 10.0.0.1 9 typ host ext a\nb")
    message = str(info.value)
    assert "\n" not in message and info.value.reason in message and repr("a\nb") in message
    assert isinstance(info.value, ValueError)


# -- priority ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "type_", "hint", "expected"),
    [
        # Chrome host, Ethernet-ranked NIC (127), IPv4 (30): 126<<24 | 0x7F1E<<8 | 255
        (2122260223, "host", "10.0.0.5", PriorityInfo(126, 32542, 1, 127, 30, "ipv4")),
        (2122262783, "host", "2a02::1", PriorityInfo(126, 32552, 1, 127, 40, "ipv6")),
        (2122134271, "host", "fdc8::1", PriorityInfo(126, 32050, 1, 125, 50, "ipv6-ula")),
        # the family survives an mDNS name: the priority still says IPv4
        (2122194687, "host", MDNS, PriorityInfo(126, 32286, 1, 126, 30, "ipv4")),
        (1686052606, "srflx", "203.0.113.7", PriorityInfo(100, 32542, 2, 127, 30, "ipv4")),
        (41885439, "relay", None, PriorityInfo(2, 32542, 1, 127, 30, "ipv4", "udp")),
        (25108223, "relay", None, PriorityInfo(1, 32542, 1, 127, 30, "ipv4", "tcp")),
        (8331007, "relay", None, PriorityInfo(0, 32542, 1, 127, 30, "ipv4", "tls")),
        # Firefox (nICEr) layout: low byte 0 is no libwebrtc precedence
        (2122252543, "host", "192.168.1.10", PriorityInfo(126, 32512, 1)),
        (2130706431, "host", None, PriorityInfo(126, 65535, 1)),  # RFC 8445 maximum local preference
        # the hint contradicts the family: not libwebrtc's layout, leave those fields empty
        (2122260223, "host", "2a02::1", PriorityInfo(126, 32542, 1)),
        (2122262783, "host", "10.0.0.5", PriorityInfo(126, 32552, 1)),
        (2122260223, "host", "::ffff:10.0.0.5", PriorityInfo(126, 32542, 1, 127, 30, "ipv4")),
        (16777215 + (5 << 24), "relay", None, PriorityInfo(5, 65535, 1)),  # no classic relay preference
        (0, "host", None, PriorityInfo(0, 0, 256)),
    ],
)
def test_decode_priority(priority: int, type_: str, hint: str | None, expected: PriorityInfo) -> None:
    assert decode_priority(priority, type_, hint) == expected


@pytest.mark.parametrize("priority", [-1, 2**32])
def test_decode_priority_range(priority: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        decode_priority(priority, "host")


# -- format and round trips ------------------------------------------------------------------------


def test_format_is_canonical() -> None:
    c = parse_candidate("a=candidate:1 1 TCP 5 [::1] 9 typ SRFLX x y generation 2 RADDR 10.0.0.1 tcptype so z \r\n")
    assert format_candidate(c) == "candidate:1 1 TCP 5 ::1 9 typ srflx raddr 10.0.0.1 tcptype so generation 2 x y z"


ODD = ["candidate: 0 udp 500 127.0.0.1 80 typ host", "1 1 udp 1 ::1 9 typ host a  b 1"]


@pytest.mark.parametrize("text", [*CLEAN, *ODD])
def test_round_trip_examples(text: str) -> None:
    c = parse_candidate(text)
    again = parse_candidate(format_candidate(c))
    assert _no_raw(again) == _no_raw(c)
    assert format_candidate(again) == format_candidate(c)


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_label = st.text(_ALNUM + "-", min_size=1, max_size=12).filter(lambda s: s[0] != "-" != s[-1])
_address = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda i: str(ipaddress.IPv4Address(i))),
    st.integers(0, 2**128 - 1).map(lambda i: str(ipaddress.IPv6Address(i))),
    st.integers(0, 2**128 - 1).map(lambda i: f"[{ipaddress.IPv6Address(i)}]"),
    st.integers(0, 2**64 - 1).map(lambda i: f"fe80::{i & 0xFFFF:x}%eth{i % 3}"),
    st.uuids(version=4).map(lambda u: f"{u}.local"),
    st.lists(_label, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "test"])),
)
_token = st.text(_ALNUM + "+/_-.:!~", min_size=1, max_size=8)
_num = st.integers(0, 2**32 - 1).map(str)
_known = st.sampled_from(["raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"])


@st.composite
def candidate_lines(draw: st.DrawFn) -> str:
    """Valid candidate text in every framing, case and extension order the grammar allows."""
    head = [
        draw(st.text("abcXYZ0189+/", min_size=0, max_size=32)),
        str(draw(st.integers(0, 99999))),
        draw(st.sampled_from(["udp", "UDP", "tcp", "TCP", "ssltcp", "Udp"])),
        str(draw(st.integers(0, 2**32 - 1))),
        draw(_address),
        str(draw(st.integers(0, 65535))),
        draw(st.sampled_from(["typ", "TYP"])),
        draw(st.sampled_from(["host", "srflx", "prflx", "relay", "Relay"])),
    ]
    values = {
        "raddr": _address,
        "rport": st.integers(0, 65535).map(str),
        "tcptype": st.sampled_from(["active", "passive", "so"]),
        "generation": _num,
        "ufrag": st.one_of(_token, st.just("")),
        "network-id": _num,
        "network-cost": _num,
    }
    pairs = [(name, draw(values[name])) for name in draw(st.lists(_known, unique=True))]
    pairs += draw(st.lists(st.tuples(st.text("xyz_-", min_size=1, max_size=5), st.one_of(_token, st.just("")))))
    pairs = draw(st.permutations(pairs))
    text = " ".join(head + [f"{name} {value}" for name, value in pairs])
    return draw(st.sampled_from(["candidate:", "a=candidate:", ""])) + text + draw(st.sampled_from(["", "\n", "\r\n"]))


@settings(max_examples=400, deadline=None)
@given(candidate_lines())
def test_format_parse_round_trip(text: str) -> None:
    c = parse_candidate(text)
    again = parse_candidate(format_candidate(c))
    assert _no_raw(again) == _no_raw(c)


# -- fast path == full parser -----------------------------------------------------------------------


def _outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except CandidateSyntaxError as exc:
        return ("error", exc.reason, exc.token, exc.column)


@settings(max_examples=400, deadline=None)
@given(candidate_lines())
def test_fast_path_agrees_with_full_parser(text: str) -> None:
    assert _outcome(parse_candidate, text) == _outcome(mod._parse_full, text)


@settings(max_examples=600, deadline=None)
@given(candidate_lines(), st.data())
def test_fast_path_agrees_on_damaged_lines(text: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.text(" \t\r\n\x00x.:%[]-+0123456789é٣", min_size=0, max_size=3))
    cut = data.draw(st.integers(0, 2))
    damaged = text[:at] + junk + text[at + cut :]
    assert _outcome(parse_candidate, damaged) == _outcome(mod._parse_full, damaged)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_raises_only_candidate_syntax_error(text: str) -> None:
    assert _outcome(parse_candidate, text) == _outcome(mod._parse_full, text)


def test_fast_path_is_taken_for_common_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the speed: clean lines never reach the full parser."""
    expected = {text: mod._parse_full(text) for text in CLEAN}

    def refuse(text: str) -> Candidate:
        raise AssertionError(f"slow path taken for {text!r}")

    monkeypatch.setattr(mod, "_parse_full", refuse)
    for text in CLEAN:
        fast = parse_candidate(text)
        assert type(fast) is Candidate and fast == expected[text] and hash(fast) == hash(expected[text])
        with pytest.raises(AttributeError):  # immutable
            fast.port = 1  # type: ignore[misc]


def test_uuid_mdns_names_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mod, "_parse_full", lambda text: pytest.fail(f"slow path for {text!r}"))
    for _ in range(20):
        assert parse_candidate(f"1 1 udp 1 {uuid.uuid4()}.local 9 typ host").address.endswith(".local")


def test_the_length_bound() -> None:
    """A candidate of ``MAX_LENGTH`` characters parses; one more is refused before its tokens are
    read (issue 11: each held candidate keeps its text, so the length bounds the memory)."""
    head = CHROME_HOST + " x-pad "
    fits = head + "Q" * (mod.MAX_LENGTH - len(head))
    assert parse_candidate(fits).extensions[-1] == ("x-pad", "Q" * (mod.MAX_LENGTH - len(head)))
    with pytest.raises(CandidateSyntaxError) as err:
        parse_candidate(fits + "Q")
    assert (
        err.value.reason == f"candidate longer than {mod.MAX_LENGTH} characters, the most icecheck reads: not audited"
    )
    assert (err.value.token, err.value.column) == (None, mod.MAX_LENGTH)
