"""Numbers written with digits ``int()`` refuses ("²" is a digit to ``str.isdigit``): read as no
number, never an exception that stops the reading of the rest of the input."""

from __future__ import annotations

from icecheck.inputs import candfields, http, sipmsg, synth
from icecheck.inputs.capture import CaptureScan
from icecheck.inputs.jingle import JingleScanner
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.inputs.sink import Sink
from icecheck.model import Origin

SUP = "\u00b2"  # SUPERSCRIPT TWO: isdigit() is True, int() raises ValueError
ARABIC = "\u0663"  # ARABIC-INDIC DIGIT THREE: a decimal digit, which int() reads (as before)


def test_sip_stream_framing_calls_it_a_bad_length() -> None:
    head = f"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: {SUP}\r\n\r\n".encode("latin-1")
    assert sipmsg.frame_sip(head) == f"bad Content-Length {SUP!r}"


def test_sip_headers_and_length() -> None:
    via = sipmsg._via_entries(f"SIP/2.0/UDP 10.0.0.1:5060;rport={SUP};received=192.0.2.1")
    assert [a for _, found in via for a in found] == [("10.0.0.1", "Via", 5060), ("192.0.2.1", "Via received", None)]
    via = sipmsg._via_entries(f"SIP/2.0/UDP 10.0.0.1:5060;rport={ARABIC}")
    assert ("10.0.0.1", "Via rport", 3) in via[0][1]
    sink = Sink("x")
    data = f"OPTIONS sip:a@192.0.2.5 SIP/2.0\r\nCall-ID: c\r\nContent-Length: {SUP}\r\n\r\n".encode()
    Dispatcher(sink).sip(data, Origin("x", packet=1))
    assert sink.signalling_messages == 1 and not sink.diagnostics


def test_sdp_ports() -> None:
    doc = parse_sdp_text(f"v=0\na=rtcp:{SUP} IN IP4 192.0.2.1\na=remote-candidates:1 192.0.2.2 {SUP}\n", Origin("s"))
    assert [d.message for d in doc.diagnostics] == ["a=rtcp needs '<port> [IN IP4|IP6 <address>]'"]
    assert [(a.address, a.port) for a in doc.addresses] == [("192.0.2.2", None)]


def test_http_jingle_and_json_fields() -> None:
    head = http.parse_head(f"HTTP/1.1 200 OK\r\nContent-Length: {SUP}\r\n\r\n".encode("latin-1"))
    assert isinstance(head, http.HttpHead) and http.body_length(head) == "close"
    items = list(JingleScanner().feed(f'<remote-candidate ip="192.0.2.1" port="{SUP}"/>'))
    assert [i.remote for i in items] == [("192.0.2.1", None)]
    fields = {"address": "192.0.2.1", "port": SUP, "type": "host"}
    assert candfields.from_fields(fields, "") is None
    assert candfields.from_fields({**fields, "port": "5000", "priority": SUP}, "") is not None


def test_a_capture_reads_on_past_such_a_message() -> None:
    bad = f"OPTIONS sip:b@192.0.2.1 SIP/2.0\r\nCall-ID: x\r\nContent-Length: {SUP}\r\n\r\n".encode()
    good = b"OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.3\r\nCall-ID: y\r\nContent-Length: 0\r\n\r\n"
    segments = synth.tcp_session(("10.0.0.1", 5060), ("10.0.0.2", 5060), [(True, bad + good)])
    frames = [synth.link(synth.ip(seg)[0]) for seg in segments]
    sink = Sink("t.pcap")
    scan = CaptureScan(sink)
    scan.run_packets([(n, float(n), 1, f, len(f)) for n, f in enumerate(frames, 1)], lambda: len(frames))
    assert any("bad Content-Length" in d.message for d in sink.diagnostics)
    assert "192.0.2.3" in {key[0] for key in sink.addresses}
