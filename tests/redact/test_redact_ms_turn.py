"""Redaction of [MS-TURN] over TCP: every address scan reads in it is rewritten (issue 12 item 1).

The captures are the ones ``tests/inputs/test_ms_turn_tcp.py`` builds byte by byte from the open
specification [MS-TURN] (no public MS-TURN client is available here): §2.1.4 TCP framing, §2.1.1
pseudo-TLS, §2.2.1 messages, §2.2.2 attributes. Messages split across segments are held until
whole (``redact.tcpmsg``), rewritten at the same length, and the output still scans to as many
addresses in the same roles; the self-check lists the MS-TURN addresses of the input.
"""

from __future__ import annotations

import io
import socket
import struct
from pathlib import Path

import pytest

from icecheck.inputs import synth
from icecheck.inputs.scanner import scan_file
from icecheck.model import AddressRecord
from icecheck.redact import selfcheck, stunattr, tcpmsg
from icecheck.redact.pcap import redact_capture
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli
from tests.inputs.test_ms_turn_tcp import (
    ALLOCATE_OK,
    CLIENT,
    CONTROL,
    MAPPED,
    PEER,
    PEER2,
    REFLEXIVE,
    RELAY,
    SERVER,
    TX,
    address,
    conversation,
    frame,
    message,
    pseudo_tls,
    xor_mapped,
)

ORIGINALS = [RELAY[0], REFLEXIVE[0], PEER[0], PEER2[0], "198.51.100.51"]


def capture(exchanges: list[tuple[bool, bytes]], mss: int) -> bytes:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for i, segment in enumerate(synth.tcp_session(CLIENT, SERVER, exchanges, mss=mss)):
        for packet in synth.ip(segment):
            writer.write(synth.link(packet), 1_700_000_000 + i / 100)
    return buf.getvalue()


def packed_forms(out: bytes) -> list[str]:
    """Originals still in ``out``: packed in the clear, or XORed as §2.2.2.16 encodes REFLEXIVE."""
    left = [a for a in ORIGINALS if socket.inet_aton(a) in out or a.encode() in out]
    if xor_mapped(REFLEXIVE, TX[0])[4:] in out:
        left.append(f"{REFLEXIVE[0]} (XORed)")
    return left


def roles(addresses: tuple[AddressRecord, ...]) -> list[tuple[str, int | None, str]]:
    """Role, port and what the address was read from (the detail after the flow's endpoints)."""
    return [(a.role.value, a.port, (a.origin.detail or "").split(", ", 1)[-1]) for a in addresses]


def pseudo_tls_conversation() -> list[tuple[bool, bytes]]:
    talk = conversation()
    hello = pseudo_tls(1, b"\x03\x01" + bytes(32) + b"\x00\x00\x02\x00\x18\x01\x00")
    server_hello = pseudo_tls(2, b"\x03\x01" + bytes(32) + b"\x00\x00\x18\x00\x0e\x00\x00\x00")
    return [(True, hello), (False, server_hello), *talk]


@pytest.mark.parametrize(("shape", "mss"), [("plain", 1400), ("plain", 7), ("plain", 45), ("pseudo-tls", 40)])
def test_ms_turn_over_tcp_is_redacted_and_still_scans(tmp_path: Path, shape: str, mss: int) -> None:
    source, target = tmp_path / "ms-turn.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture(conversation() if shape == "plain" else pseudo_tls_conversation(), mss))
    before = scan_file(str(source)).document
    assert {a.address for a in before.addresses} == set(ORIGINALS)
    listed = set(selfcheck.capture_identifiers(lambda: io.BytesIO(source.read_bytes())))
    assert set(ORIGINALS) <= listed  # the self-check lists what scan reads in MS-TURN
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    out = target.read_bytes()
    assert not packed_forms(out)
    after = scan_file(str(target)).document
    assert not {a.address for a in after.addresses} & set(ORIGINALS)
    assert sorted(roles(after.addresses)) == sorted(roles(before.addresses))
    assert not after.diagnostics
    assert "dropped" not in proc.stderr


def test_tcpmsg_holds_an_ms_turn_frame_until_it_is_whole() -> None:
    whole = frame(CONTROL, message(ALLOCATE_OK, TX[0], [(MAPPED, address(RELAY))]))
    assert tcpmsg.complete(whole, False) and tcpmsg.complete(whole * 2, False)
    for cut in (2, 4, 10, 26, 30, len(whole) - 1):
        assert not tcpmsg.complete(whole[:cut], False), cut
        assert not tcpmsg.complete(whole + whole[:cut], False), cut
    assert tcpmsg.complete(whole + b"\x07\x00\x00\x01x", False)  # framing lost: redacted as it stands
    assert tcpmsg.complete(b"\x02\x00\x00\x30" + bytes(20), False)  # no MS-TURN message: not waited for
    assert tcpmsg.complete(b"\x03\x00\x00\x10" + b"\x80" * 8, False)  # data frame of RTP: not waited for
    hello = pseudo_tls(1, bytes(40))
    assert not tcpmsg.complete(hello[:20], False)  # a pseudo-TLS record (§2.1.1) under way
    assert not tcpmsg.complete(hello + whole[:30], False)  # and the frames after it
    assert tcpmsg.complete(hello + whole, False)
    assert tcpmsg.complete(pseudo_tls(1, bytes(2000))[:100], False)  # a real TLS ClientHello: not waited for
    empty = b"\x03\x00\x00\x00"  # end-to-end data frames of nothing
    assert not tcpmsg.complete(whole + empty * 100 + empty[:3], False)
    assert tcpmsg.complete(whole + empty * tcpmsg.MAX_MS_FRAMES + empty[:3], False)  # not walked further


def test_a_stream_of_tiny_frames_never_ending_on_a_segment_is_not_walked_again_and_again() -> None:
    """Hostile input (issue 11 item 5): 50,000 four- or five-byte frames cut so that no segment ends
    on a frame. Each held segment made ``tcpmsg`` walk every held frame again (a 1 MB capture took
    34 s of CPU to redact); now at most ``MAX_MS_FRAMES`` are walked and the run is redacted as it
    stands: what is not understood is blanked, and nothing original survives."""
    first = frame(CONTROL, message(ALLOCATE_OK, TX[0], [(MAPPED, address(RELAY))]))
    stream = bytearray(first)
    while len(stream) < 200_000:
        stream += b"\x03\x00\x00\x01x" if (len(stream) + 4) % 1000 == 0 else b"\x03\x00\x00\x00"
    standins = StandIns()
    out = redact_capture(capture([(False, bytes(stream))], 1000), standins)
    assert socket.inet_aton(RELAY[0]) not in out and socket.inet_aton(CLIENT[0]) not in out
    assert standins.left_out["payloads blanked (binary, not understood)"] > 0


def test_a_frame_not_understood_is_blanked_and_the_framing_kept() -> None:
    good = frame(CONTROL, message(ALLOCATE_OK, TX[0], [(MAPPED, address(RELAY))]))
    odd = frame(CONTROL, socket.inet_aton(PEER[0]) * 6)  # no MS-TURN message inside
    new = stunattr.rewrite_payload(good + odd, lambda raw: bytes(len(raw)), lambda d: bytes(len(d)))
    assert len(new) == len(good + odd) and new[len(good) : len(good) + 4] == odd[:4]
    assert socket.inet_aton(RELAY[0]) not in new and socket.inet_aton(PEER[0]) not in new
    assert struct.unpack_from("!H", new, 6)[0] == struct.unpack_from("!H", good, 6)[0]


def test_ms_turn_alternate_server_is_rewritten_over_udp() -> None:
    """§2.2.2.7 ALTERNATE-SERVER (0x000E) names a TURN server in an Allocate error response (300 Try
    Alternate, 401): scan decodes it with the other MS-TURN addresses, so redaction rewrites it."""
    other = ("192.0.2.99", 443)
    error = message(0x0113, TX[4], [(0x0009, b"\0\0\x03\x00"), (0x000E, address(other))])
    new = stunattr.rewrite_payload(error, lambda raw: bytes(len(raw)), lambda d: bytes(len(d)))
    assert len(new) == len(error) and socket.inet_aton(other[0]) not in new
    assert new[-4:] == bytes(4) and new[-8:-4] == error[-8:-4]  # address zeroed, family and port kept


def test_ms_turn_ipv6_relay_over_tcp_is_rewritten(tmp_path: Path) -> None:
    """§2.2.2.23 MS-ALT-MAPPED-ADDRESS (0x8090): the IPv6 relay address, laid out as MAPPED-ADDRESS."""
    relay6 = "2001:db8:77::50"
    value = struct.pack("!BBH", 0, 2, 52010) + socket.inet_pton(socket.AF_INET6, relay6)
    allocated = frame(CONTROL, message(ALLOCATE_OK, TX[5], [(MAPPED, address(RELAY)), (0x8090, value)]))
    source, target = tmp_path / "v6.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture([(False, allocated)], 9))
    before = scan_file(str(source)).document
    assert {(a.address, a.port) for a in before.addresses} == {RELAY, (relay6, 52010)}
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    out = target.read_bytes()
    assert socket.inet_pton(socket.AF_INET6, relay6) not in out and socket.inet_aton(RELAY[0]) not in out
    after = scan_file(str(target)).document
    assert sorted(roles(after.addresses)) == sorted(roles(before.addresses))
