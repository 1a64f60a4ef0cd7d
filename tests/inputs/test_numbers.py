"""``inputs.numbers.decimal``: a number in untrusted text, read without raising."""

from __future__ import annotations

import pytest

from icecheck.inputs import sipmsg
from icecheck.inputs.http import HttpHead, body_length
from icecheck.inputs.numbers import decimal, finite
from icecheck.inputs.webrtc import event_time

NINES = "9" * 5000  # int() refuses over 4300 digits: isdecimal() then int() raised ValueError


@pytest.mark.parametrize(
    ("text", "value"),
    [("5060", 5060), ("0005", 5), ("\u0663", 3), ("0" * 5000 + "7", 7), (b"42", 42), ("1" + "0" * 4299, 10**4299)],
)
def test_decimal_reads_runs_of_digits(text: str | bytes, value: int) -> None:
    assert decimal(text) == value


@pytest.mark.parametrize(
    "text", ["", "\u00b2", "1\u00b2", "-1", "+5", " 7", "1_000", "0x10", "1e9", NINES, b"\xd9\xa3"]
)
def test_decimal_refuses_what_is_no_number_or_too_long(text: str | bytes) -> None:
    assert decimal(text) is None


def test_sip_stream_framing_names_a_content_length_of_5000_digits() -> None:
    head = b"INVITE sip:b@x SIP/2.0\r\nContent-Length: " + NINES.encode() + b"\r\n\r\n"
    assert sipmsg.frame_sip(head) == f"bad Content-Length {NINES!r}"


def test_via_and_contact_ports_of_5000_digits_are_no_ports() -> None:
    msg = sipmsg.parse_sip(
        f"INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:{NINES};rport={NINES}\r\n"
        f"Contact: <sip:a@192.0.2.2:{NINES}>\r\nContent-Length: 0\r\n\r\n".encode()
    )
    assert not isinstance(msg, str)
    found = {(host, where, port) for host, where, port, _ in sipmsg.header_addresses(msg)}
    assert ("192.0.2.1", "Via", None) in found
    assert ("192.0.2.2", "Contact", None) in found


def test_http_content_length_of_5000_digits_reads_to_the_end() -> None:
    assert body_length(HttpHead(None, None, 200, {"content-length": NINES}, 0)) == "close"


@pytest.mark.parametrize(("value", "seconds"), [(12, 12.0), (1.5, 1.5), (1_700_000_000_123, 1_700_000_000.123)])
def test_event_times_in_seconds_or_milliseconds(value: object, seconds: float) -> None:
    assert event_time(value) == seconds


@pytest.mark.parametrize("value", [10**400, float("nan"), float("inf"), -float("inf"), True, "12", None])
def test_an_event_time_that_is_no_finite_number_is_none(value: object) -> None:
    assert event_time(value) is None  # 10**400 raised OverflowError: "reading stopped" for the whole dump
    assert finite(value) is None


def test_a_url_port_and_an_asn_of_5000_digits_are_refused_cleanly() -> None:
    """A STUN URL's port and a Cymru ASN token: int() of 5,000 digits raised its own ValueError
    (the URL's message named no port), and the ASN reading raised."""
    from icecheck.enrich.rdap import _first_asn
    from icecheck.live.urls import parse_ice_url

    with pytest.raises(ValueError, match="port must be a number from 1 to 65535"):
        parse_ice_url(f"stun:192.0.2.1:{NINES}")
    assert _first_asn(NINES) is None and _first_asn("2856 5400") == 2856 and _first_asn("\u0663") is None
