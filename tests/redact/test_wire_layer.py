"""One wire layer: redaction rewrites through the byte ranges scan's readers decode by
(``inputs.stun.attributes``/``layout``/``address_range``, ...), so whatever scan reads from a
message, redaction rewrites, and what it writes scan reads back as the stand-ins."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import stun, synth
from icecheck.redact.standins import StandIns
from icecheck.redact.stunattr import rewrite_payload

_V4 = st.integers(1, 2**32 - 2).map(lambda n: str(ipaddress.IPv4Address(n)))
_V6 = st.integers(1, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
_ADDRESS = st.one_of(_V4, _V6)
_OTHER = st.tuples(st.sampled_from([0x8022, 0x0006, 0xC057, 0x0008, 0x1234]), st.binary(max_size=24))


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A message of one of the three dialects with address attributes of that dialect (the ones
    scan reports and the ones naming a server), XORed or not as the dialect says, among others."""
    dialect = draw(st.sampled_from(["rfc8489", "rfc3489", "ms-turn"]))
    txid = draw(st.binary(min_size=16, max_size=16))
    table = {
        "rfc8489": [0x0001, 0x0020, 0x8020, 0x0016, 0x0012, 0x802B, 0x802C, 0x8023],
        "rfc3489": [0x0001, 0x0004, 0x0005, 0x8020],
        "ms-turn": [0x0001, 0x8090, 0x8020, 0x0011, 0x0012],
    }[dialect]
    attrs = []
    for _ in range(draw(st.integers(1, 5))):
        code, address, port = draw(st.sampled_from(table)), draw(_ADDRESS), draw(st.integers(0, 65535))
        if dialect == "rfc8489" and code in (0x0020, 0x8020, 0x0016, 0x0012):
            value = synth.xor_address(address, port, txid[:12])
        elif dialect == "ms-turn" and code == 0x8020:
            value = synth.ms_xor_address(address, port, txid)
        elif dialect == "rfc3489" and code == 0x8020:
            raw = ipaddress.ip_address(address).packed
            value = synth.plain_address(address, port)[:4] + bytes(a ^ b for a, b in zip(raw, txid, strict=False))
        else:
            value = synth.plain_address(address, port)
        attrs.append((code, value))
        attrs += draw(st.lists(_OTHER, max_size=2))
    if dialect == "rfc8489":
        return synth.stun_message(0x0101, txid[:12], attrs)
    if dialect == "rfc3489":
        return synth.classic_stun(0x0101, txid, attrs)
    return synth.ms_turn(0x0103, txid, attrs)


def _addresses(message: bytes) -> list[tuple[str, str]]:
    """(attribute, address) of every address attribute, read the way scan reads them, plus the
    server addresses redaction rewrites too (through ``stun.layout``)."""
    shape = stun.layout(message)
    out = []
    for atype, start, stop in stun.attributes(message, len(message), shape.padded):
        at = stun.address_range(message, start, stop) if atype in shape.addresses else None
        if at is not None:
            name, xored = shape.addresses[atype]
            raw = message[at[0] : at[0] + at[1]]
            if xored:
                raw = bytes(a ^ b for a, b in zip(raw, shape.key, strict=False))
            out.append((name, str(ipaddress.ip_address(raw))))
    return out


@settings(max_examples=300, deadline=None)
@given(messages())
def test_every_address_scan_reads_is_rewritten_and_read_back_as_its_stand_in(message: bytes) -> None:
    assert stun.looks_like_stun(message) or stun.looks_like_legacy(message)
    before = _addresses(message)
    reported = {(a.attribute, str(ipaddress.ip_address(a.address))) for a in stun.decode(message).addresses}
    assert reported <= set(before)  # scan's addresses are among those redaction walks to
    standins = StandIns()
    new = rewrite_payload(message, standins.ip_bytes, lambda d: d)
    assert len(new) == len(message)
    after = _addresses(new)
    assert after == [(name, str(standins.ip(ipaddress.ip_address(a)))) for name, a in before]
    read_back = {(a.attribute, str(ipaddress.ip_address(a.address))) for a in stun.decode(new).addresses}
    assert read_back == {(name, str(standins.ip(ipaddress.ip_address(a)))) for name, a in reported}


_FRAME = st.tuples(
    st.sampled_from(
        [0x81, 0x82, 0x01, 0x80, 0x89, 0x8A, 0xC1]
    ),  # text, binary, first fragment, last, ping, pong, deflated
    st.one_of(st.none(), st.binary(min_size=4, max_size=4)),
    st.one_of(st.binary(max_size=40), st.binary(min_size=126, max_size=300)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_FRAME, min_size=1, max_size=5))
def test_websocket_frames_are_read_where_scan_reads_them(spec: list[tuple[int, bytes | None, bytes]]) -> None:
    from icecheck.inputs.websocket import parse_frame
    from icecheck.redact.websocket import Inflater, frames, rewrite

    seg = b"".join(
        synth.ws_frame(payload, first & 0x0F, bool(first & 0x80), key, rsv1=bool(first & 0x40))
        for first, key, payload in spec
    )
    scanned, pos = [], 0
    while pos < len(seg):
        parsed = parse_frame(seg, pos)
        assert parsed is not None
        pos, opcode, fin, _rsv1, payload = parsed
        scanned.append((opcode, fin, payload))
    read = frames(seg)
    assert read is not None and [(f & 0x0F, bool(f & 0x80)) for f, _, _ in read] == [(o, f) for o, f, _ in scanned]
    plain = [
        p if payload_key is None else bytes(b ^ payload_key[i % 4] for i, b in enumerate(p))
        for _, payload_key, p in read
    ]
    assert plain == [p for _, _, p in scanned]
    if not any(first & 0x40 or (first & 0x08 and len(p) > 125) for first, _, p in spec):
        # identity text: the same frames written again (a control frame over 125 bytes, §5.5, is blanked)
        assert rewrite(seg, lambda d: d, Inflater()) == seg


def test_a_control_frame_between_fragments_stays_between_them() -> None:
    """It was written before the message's first fragment (the fragments waited for the last)."""
    from icecheck.redact.websocket import Inflater, rewrite

    seg = synth.ws_frame(b"part one ", 1, False) + synth.ws_frame(b"ping", 9) + synth.ws_frame(b"part two", 0, True)
    assert rewrite(seg, lambda d: d, Inflater()) == seg
