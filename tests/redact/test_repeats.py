"""Repeated addresses are read once (``StandIns.ip_text``, ``text.scan_originals`` and the output
check's ``selfcheck._tokens`` remember what they read): a document of the same address a hundred
thousand times took 2.5 s of CPU to redact, near the 5 s budget for an input under 1 MB (issue 11
item 5). What is remembered must never change an answer: the same output with the memories
forgotten at every token, and an answer that depends on the text around a token (a version number
before it) still read at each occurrence."""

from __future__ import annotations

import ipaddress

import pytest

from icecheck.redact import selfcheck, standins, text
from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import identifiers
from icecheck.redact.standins import StandIns

DOC = (
    "a=candidate:1 1 udp 2122260223 10.1.2.3 5000 typ host\n"
    "c=IN IP4 010.001.002.003\n"  # the same address, zero-padded
    "Via: SIP/2.0/UDP 198.51.100.7:5060\n"
    "User-Agent: Chrome/120.0.6099.109 and 120.0.6099.109 alone\n"  # a version, then an address
    "m=audio 9 UDP 2001:db8::5 5000\n"
) * 50


def _redacted(data: str) -> bytes:
    out, _ = redact_document(data.encode(), StandIns())
    return out


def test_the_memories_change_no_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    remembered = _redacted(DOC)
    with monkeypatch.context() as patch:
        patch.setattr(standins, "PACKED_CACHE", 1)
        patch.setattr(text, "SEEN", 1)
        patch.setattr(selfcheck, "_DOTTED", 1)
        forgotten = _redacted(DOC)
    assert remembered == forgotten
    for original in (b"10.1.2.3", b"010.001.002.003", b"198.51.100.7", b"2001:db8::5"):
        assert original not in remembered


def test_a_repeated_address_gets_one_stand_in() -> None:
    s = StandIns()
    first = s.ip_text("10.1.2.3")
    assert first is not None and first != "10.1.2.3"
    assert s.ip_text("10.1.2.3") == first
    other = s.ip_text("10.1.2.4")
    assert other not in (None, first)
    assert s.ip_text("not.an.address") is None and s.ip_text("not.an.address") is None


def test_a_version_number_is_judged_at_each_occurrence() -> None:
    """The first sighting of ``1.2.3.4`` follows a version (not an address), the second does not."""
    assert "1.2.3.4" in identifiers(b"Chrome/1.2.3.4 then 1.2.3.4 on its own")
    assert "1.2.3.4" not in identifiers(b"Chrome/1.2.3.4 and Firefox/1.2.3.4")
    assert "1.2.3.4" in identifiers(b"1.2.3.4 first, then Chrome/1.2.3.4")
    assert "9.9.9.9" not in identifiers(b"999.9.9.9 999.9.9.9")  # a part past 255, twice: never an address


def test_an_original_that_prefixes_every_stand_in_does_not_hang() -> None:
    """``2001:db8::`` (documentation's prefix, as a GeoIP source file writes it) is a piece of every
    stand-in ``2001:db8::N`` cut after its ``::``: the search for one that shadows no original never
    ended. The stand-ins now come from the next /48."""
    out = _redacted("net 2001:db8::/32 host 2001:db8::5 other 2001:db8::6\n")
    text = out.decode()
    for original in ("2001:db8::/", "2001:db8::5", "2001:db8::6"):
        assert original not in text
    assert text.count("2001:db8:1::") == 3


def test_no_stand_in_left_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    from icecheck.redact.archive import RedactError

    monkeypatch.setattr(standins, "V6_BLOCKS", 2)
    s = StandIns()
    for prefix in ("2001:db8::", "2001:db8:1::"):
        s.reserve(ipaddress.IPv6Address(prefix))
    with pytest.raises(RedactError, match="no IPv6 stand-in left"):
        s.ip(ipaddress.IPv6Address("fe80::1"))
