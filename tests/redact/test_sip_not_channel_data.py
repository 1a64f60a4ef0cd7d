"""A held run of SIP or HTTP text is rewritten as text, never as TURN ChannelData.

ChannelData's channel numbers (0x4000-0x7FFF) are the ASCII letters SIP and HTTP start lines begin
with: "INVITE sip:…" reads as channel 0x494E carrying 22,089 bytes, "SIP/2.0 200" as channel 0x5349
carrying 20,527. A run of SIP text at least that long (SIP over TCP held after a hole, a large
message) was rewritten as relayed data, its addresses kept; the output check then refused the whole
capture (exit 3). scan tells SIP and HTTP first (``capture.datagram_of``, ``appstream``); so does
``stunattr.rewrite_payload`` now."""

from __future__ import annotations

import struct

import pytest

from icecheck.redact.stunattr import is_channel_data, rewrite_payload


def _text(p: bytes) -> bytes:
    return p.replace(b"10.1.2.3", b"192.0.2.1")


def _addr(a: bytes) -> bytes:
    return a


@pytest.mark.parametrize(
    "start",
    [
        b"INVITE sip:bob@10.1.2.3 SIP/2.0\r\n",
        b"SIP/2.0 200 OK\r\n",
        b"REGISTER sip:10.1.2.3 SIP/2.0\r\n",
        b"HTTP/1.1 200 OK\r\n",
        b"GET /offer?ip=10.1.2.3 HTTP/1.1\r\n",
    ],
)
def test_long_sip_and_http_text_is_rewritten_as_text(start: bytes) -> None:
    line = b"Contact: <sip:alice@10.1.2.3:5060>\r\n"
    payload = start + line * (30_000 // len(line))
    assert is_channel_data(payload), "the trap: it also parses as ChannelData"
    out = rewrite_payload(payload, _addr, _text)
    assert b"10.1.2.3" not in out
    assert out == _text(payload)


def test_channel_data_is_still_read_as_such() -> None:
    stun_msg = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, bytes(12))
    framed = struct.pack("!HH", 0x4001, len(stun_msg)) + stun_msg
    seen: list[bytes] = []
    rewrite_payload(framed, _addr, lambda p: seen.append(p) or p)
    assert framed not in seen  # not handed to the text rewriter whole
