"""A reader's own bounds are not the capture's loss: what icecheck gives up on is said as not
audited (an error: the input is ``partial``, the run exits 2), while data the capture lacks
(a hole never filled, a datagram whose last fragment was never captured) stays a warning."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

from icecheck.inputs import synth, tcpstream
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.model import Diagnostic, InputStatus
from tests.inputs import test_signalling_shapes as shapes
from tests.inputs.test_capture_encapsulations import packets, sctp
from tests.inputs.test_capture_encapsulations import write as write_ip
from tests.inputs.test_inputs_capture import calls, frames, sip, tcp_packets, write


def errors(out: ScanOutput) -> list[Diagnostic]:
    return [d for d in out.document.diagnostics if d.level == "error"]


def test_a_tcp_hole_given_up_for_the_bound_is_not_audited_though_its_bytes_come_later(tmp_path: Path) -> None:
    """More than ``MAX_HELD`` bytes arrive after a hole; the hole's bytes come last. They were
    captured, so "never captured" would be false: the input is partial."""
    later = b"".join(sip(f"c{i}") for i in range(tcpstream.MAX_HELD // len(sip("c0")) + 50))
    stream = sip("a") + sip("b") + later
    la = len(sip("a"))
    chunks = [(0, stream[:la])]
    chunks += [(off, stream[off : off + 1400]) for off in range(la + 40, len(stream), 1400)]
    chunks.append((la, stream[la : la + 40]))  # the hole's bytes, captured after the rest
    out = scan_file(write(tmp_path, tcp_packets(chunks)))
    assert out.document.status is InputStatus.PARTIAL
    given_up = [d for d in errors(out) if "given up after 512 KiB held out of order" in d.message]
    assert given_up and "40 bytes" in given_up[0].message and "not audited" in given_up[0].message
    assert not any("never captured" in d.message for d in out.document.diagnostics)
    assert "a" in calls(out) and "c1" in calls(out)  # what follows the hole is still read


def test_a_tcp_hole_never_filled_stays_a_warning(tmp_path: Path) -> None:
    stream = sip("a") + sip("b") + sip("c")
    la, lb = len(sip("a")), len(sip("b"))
    chunks = [(0, stream[:la]), (la + 40, stream[la + 40 : la + lb]), (la + lb, stream[la + lb :])]
    out = scan_file(write(tmp_path, tcp_packets(chunks)))
    assert out.document.status is InputStatus.OK and not errors(out)


def test_websocket_framing_lost_after_a_gap_makes_the_rest_unaudited(tmp_path: Path) -> None:
    """After a hole a WebSocket direction cannot be framed again: the frames after it are in the
    capture but not read, so the input is partial, not ``ok``."""
    req = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    c, s = ("192.0.2.1", 40000), ("192.0.2.2", 9999)
    first, second, third = (synth.ws_frame(sip(n), 1, mask=b"abcd") for n in ("ws-1", "ws-2", "ws-3"))
    pkts = frames(synth.tcp(*c, *s, 99, flags=2)) + frames(synth.tcp(*s, *c, 499, flags=0x12))
    pkts += frames(synth.tcp(*c, *s, 100, req)) + frames(synth.tcp(*s, *c, 500, resp))
    at = 100 + len(req)
    pkts += frames(synth.tcp(*c, *s, at, first))
    at += len(first) + 10  # ten bytes of the second frame never captured
    pkts += frames(synth.tcp(*c, *s, at, second[10:] + third))
    out = scan_file(write(tmp_path, pkts))
    assert calls(out) == {"ws-1"}
    assert out.document.status is InputStatus.PARTIAL
    assert any("the rest of this direction is skipped, not audited" in d.message for d in errors(out))


def test_fragments_dropped_for_the_buffer_bound_are_not_audited(tmp_path: Path) -> None:
    pkts: list[bytes] = []
    for ident in range(140):  # each datagram ~64 KB without its last fragment: ~9 MB held in all
        pieces = frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, b"x" * 64000), mtu=1500, ident=ident)
        pkts += pieces[:-1]
    pkts += frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip("after")))
    out = scan_file(write(tmp_path, pkts))
    assert calls(out) == {"after"}
    assert out.document.status is InputStatus.PARTIAL
    assert any("fragment buffers full (8 MiB); not audited" in d.message for d in errors(out))


def test_fragments_missing_from_the_capture_stay_a_warning(tmp_path: Path) -> None:
    pieces = frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(pad=2000)), mtu=576)
    pieces += frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip("whole")), ident=7)
    out = scan_file(write(tmp_path, pieces[:-2] + pieces[-1:]))
    assert any("incomplete at the end of the capture" in d.message for d in out.document.diagnostics)
    assert out.document.status is InputStatus.OK and not errors(out)


def test_sctp_fragments_given_up_are_reported_not_dropped_silently(tmp_path: Path) -> None:
    flood = [sctp(synth.sctp_data(i, 0, i, 0, b"x" * 1000, True, False)) for i in range(3000)]  # never ended
    out = scan_file(write_ip(tmp_path, packets(*flood, sctp(synth.sctp_data(99_999, 0, 0, 0, sip("after"))))))
    assert calls(out) == {"after"}
    assert out.document.status is InputStatus.PARTIAL
    given_up = [d for d in errors(out) if "SCTP fragments given up for lack of room" in d.message]
    assert given_up and "not audited" in given_up[0].message


def test_sctp_fragments_of_a_message_never_ended_are_a_warning(tmp_path: Path) -> None:
    message = sip("cut")
    out = scan_file(write_ip(tmp_path, packets(sctp(synth.sctp_data(5, 0, 0, 0, message[:300], True, False)))))
    assert any("1 SCTP fragments of incomplete messages" in d.message for d in out.document.diagnostics)
    assert not errors(out)


# -- HTTP bodies ----------------------------------------------------------------------------------


def post(body: bytes, ctype: str, encoding: str | None = None) -> list[tuple[bool, bytes]]:
    coding = f"Content-Encoding: {encoding}\r\n" if encoding else ""
    head = f"POST /signal HTTP/1.1\r\nHost: s.example\r\nContent-Type: {ctype}\r\n{coding}"
    return [(True, f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)]


def test_jingle_in_an_xmpp_bosh_body_is_read(tmp_path: Path) -> None:
    """XEP-0124/0206: XMPP over HTTP wraps stanzas in <body/>; its Content-Type is text/xml."""
    bosh = f"<body rid='1573741824' sid='SomeSID' xmlns='http://jabber.org/protocol/httpbind'>{shapes.JINGLE}</body>"
    out = scan_file(shapes.capture(tmp_path, post(bosh.encode(), "text/xml; charset=utf-8")))
    assert ("192.0.2.10", 50000, "host") in shapes.addresses(out)


def test_a_damaged_gzip_body_keeps_what_came_before_and_is_not_audited(tmp_path: Path) -> None:
    rng = random.Random(5)
    filler = "".join(f"a=x-{rng.getrandbits(64):x}\r\n" for _ in range(3000))  # does not compress away
    packed = bytearray(gzip.compress((shapes.SDP + filler).encode()))
    packed[-2000:-1990] = b"\xff" * 10  # damage near the end
    out = scan_file(shapes.capture(tmp_path, post(bytes(packed), "application/sdp", "gzip")))
    assert ("192.0.2.10", 50000, "host") in shapes.addresses(out)  # before the damage: read
    assert out.document.status is InputStatus.PARTIAL
    assert any("gzip Content-Encoding is damaged" in d.message for d in errors(out))


def test_a_gzip_body_past_the_bound_says_the_rest_is_not_audited(tmp_path: Path) -> None:
    packed = gzip.compress(b" " * (17 << 20) + shapes.SDP.encode())
    out = scan_file(shapes.capture(tmp_path, post(packed, "application/sdp", "gzip")))
    assert out.document.status is not InputStatus.OK
    assert any("inflates past 16 MiB: the rest is not audited" in d.message for d in errors(out))
