"""The fast paths of ``icecheck scan`` give what the plain code gave: pcap record walk, JSON text, caches."""

from __future__ import annotations

import gzip
import io
import ipaddress
import json
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from icecheck.analysis import parties
from icecheck.analysis.infer import _subnet_phrase
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit, audit_candidates
from icecheck.inputs import pcapfile, synth, wire
from icecheck.inputs.media import is_media
from icecheck.inputs.netdecode import IpPacket, decode_ip, link_payload
from icecheck.inputs.pcapfile import PacketReader
from icecheck.inputs.scanner import scan_paths
from icecheck.model import ExposureKind
from icecheck.render.json_report import _encode, to_dict, write_json
from tests.conftest import SAMPLES

# -- pcap: the inlined media test and the buffer refills ---------------------------------------------


def _frames(rng: random.Random, linktype: int = 1) -> list[bytes]:
    """Media and signalling frames of every shape the media test must tell apart."""
    out = []
    for _ in range(400):
        kind = rng.randrange(9)
        first = rng.choice([0x80, 0x90, 0xBF, 0x16, 0x14, 0x3F, 0x00, 0x01, 0x40, 0x49, 0xC0, 0x13, 0x7F])
        payload = bytes([first]) + rng.randbytes(rng.randrange(0, 300))
        if first in (0x40, 0x49) and rng.random() < 0.5:  # TURN ChannelData relaying RTP, or SIP text
            payload = payload[:4] + bytes([rng.choice([0x80, 0xBF, 0x00, 0x16, 0x41])]) + payload[5:]
        if linktype != 1:
            if kind == 4:
                frame = synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0], linktype)
                out.append(frame[: rng.randrange(0, 40)])
                continue
            src, dst = ("2001:db8::1", "2001:db8::2") if kind % 2 else ("10.0.0.1", "10.0.0.2")
            segment = synth.tcp(src, 1, dst, 2, 1, payload) if kind == 3 else synth.udp(src, 1, dst, 2, payload)
            out += [synth.link(p, linktype) for p in synth.ip(segment, 7, 300 if kind == 0 else None)]
            continue
        if kind == 0:  # fragmented: the first piece is never skipped
            out += [synth.link(p) for p in synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload * 8), 7, 300)]
        elif kind == 1:  # IPv6 media takes the full path
            out.append(synth.link(synth.ip(synth.udp("2001:db8::1", 1, "2001:db8::2", 2, payload))[0]))
        elif kind == 2:  # VLAN-tagged
            out.append(synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0], vlans=[5]))
        elif kind == 3:  # TCP
            out.append(synth.link(synth.ip(synth.tcp("10.0.0.1", 1, "10.0.0.2", 2, 1, payload))[0]))
        elif kind == 4:  # runts and odd sizes, cut anywhere
            frame = synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0])
            out.append(frame[: rng.randrange(0, 60)])
        elif kind == 5:  # IPv4 options: a longer header moves the first payload byte
            frame = bytearray(synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0]))
            frame[14] = 0x46
            frame[34:34] = b"\x01\x01\x01\x01"
            out.append(bytes(frame))
        elif kind == 6:  # TSO: the IPv4 total length is 0, the frame is trusted
            frame = bytearray(synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0]))
            frame[16:18] = b"\0\0"
            out.append(bytes(frame))
        else:
            out.append(synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 2, payload))[0]))
    return out


def _plain_media(frame: bytes, linktype: int) -> bool:
    """RFC 7983 §7 on the fully decoded frame: an unfragmented UDP datagram (IPv6 without
    extension headers) whose payload starts with RTP/RTCP or DTLS, or is ChannelData relaying RTP."""
    packet = link_payload(linktype, frame)
    ip = decode_ip(packet) if packet is not None else None
    if not isinstance(ip, IpPacket) or ip.proto != 17 or ip.frag_id is not None or len(ip.payload) < 9:
        return False
    if ip.version == 6 and packet is not None and packet[6] != 17:
        return False
    data = ip.payload[8:]
    not_sip = data[0] == 64 or b" " not in data[1:4]  # 65-79 may start a SIP method: its space comes early
    relayed = 64 <= data[0] < 80 and len(data) > 4 and 128 <= data[4] < 192 and not_sip
    return 128 <= data[0] < 192 or 20 <= data[0] < 64 or relayed


def _reference(frames: list[bytes], linktype: int = 1) -> list[tuple[int, bytes]]:
    """What the plain loop yielded: every record numbered, media left out."""
    return [(n, f) for n, f in enumerate(frames, 1) if not _plain_media(f, linktype)]


@pytest.mark.parametrize("linktype", [0, 1, 101, 108, 113, 276])
def test_the_media_test_agrees_with_the_full_decoding(linktype: int) -> None:
    frames = _frames(random.Random(linktype), linktype)
    assert [is_media(f, 0, len(f), linktype) for f in frames] == [_plain_media(f, linktype) for f in frames]
    assert any(is_media(f, 0, len(f), linktype) for f in frames)
    assert not all(is_media(f, 0, len(f), linktype) for f in frames)


@pytest.mark.parametrize("linktype", [1, 113])
@pytest.mark.parametrize("chunk", [64, 1500, 4 << 20])
def test_pcapng_walk_skips_exactly_the_media_the_plain_test_skips(
    monkeypatch: pytest.MonkeyPatch, linktype: int, chunk: int
) -> None:
    monkeypatch.setattr(pcapfile, "CHUNK", chunk)
    frames = _frames(random.Random(f"ng{linktype}{chunk}"), linktype)
    buf = io.BytesIO()
    writer = synth.PcapngWriter(buf, linktype)
    for i, frame in enumerate(frames):
        writer.write(frame, 1_700_000_000 + i * 0.25)
    problems: list[str] = []
    stream = io.BufferedReader(io.BytesIO(buf.getvalue()))
    reader = PacketReader(stream, lambda _n, msg, _lvl: problems.append(msg), skip_media=True)
    got = [(n, frame) for n, _t, _lt, frame, _o in reader.packets()]
    assert got == _reference(frames, linktype) and reader.number == len(frames) and not problems
    reader = PacketReader(io.BufferedReader(io.BytesIO(buf.getvalue())), lambda *_: None)
    times = [t for _n, t, _lt, _f, _o in reader.packets()]
    assert times == pytest.approx([1_700_000_000 + i * 0.25 for i in range(len(frames))])


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("chunk", [64, 1500, 4 << 20])
@pytest.mark.parametrize("gzipped", [False, True])
def test_pcap_walk_skips_exactly_the_media_the_plain_test_skips(
    monkeypatch: pytest.MonkeyPatch, order: str, nano: bool, chunk: int, gzipped: bool
) -> None:
    monkeypatch.setattr(pcapfile, "CHUNK", chunk)  # tiny chunks: records straddle every refill
    frames = _frames(random.Random(f"{order}{nano}{chunk}"))
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf, order=order, nano=nano)
    for i, frame in enumerate(frames):
        writer.write(frame, 1_700_000_000 + i * 0.25)
    data = gzip.compress(buf.getvalue()) if gzipped else buf.getvalue()
    stream = gzip.GzipFile(fileobj=io.BytesIO(data)) if gzipped else io.BufferedReader(io.BytesIO(data))
    problems: list[str] = []
    reader = PacketReader(stream, lambda _n, msg, _lvl: problems.append(msg), skip_media=True)
    got = [(n, frame) for n, _t, _lt, frame, _o in reader.packets()]
    assert got == _reference(frames)
    assert reader.number == len(frames) and not problems
    # times survive the wide record read
    reader = PacketReader(io.BufferedReader(io.BytesIO(buf.getvalue())), lambda *_: None)
    times = [t for _n, t, _lt, _f, _o in reader.packets()]
    assert times == pytest.approx([1_700_000_000 + i * 0.25 for i in range(len(frames))])


def test_pcap_walk_reports_a_cut_record_after_a_refill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pcapfile, "CHUNK", 100)
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    frame = synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 5060, b"OPTIONS " + b"x" * 300))[0])
    for i in range(5):
        writer.write(frame, i)
    data = buf.getvalue()[:-30]
    problems: list[tuple[int | None, str]] = []
    reader = PacketReader(io.BufferedReader(io.BytesIO(data)), lambda n, msg, _lvl: problems.append((n, msg)))
    assert [n for n, *_ in reader.packets()] == [1, 2, 3, 4]
    assert problems and problems[0][0] == 5 and "truncated" in problems[0][1]


def test_pcap_walk_resynchronises_after_a_corrupt_header() -> None:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    frame = synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 5060, b"OPTIONS x"))[0])
    for i in range(6):
        writer.write(frame, 100 + i)
    data = bytearray(buf.getvalue())
    struct.pack_into("<I", data, 24 + 2 * (16 + len(frame)) + 8, 1 << 30)  # record 3 claims 1 GiB
    problems: list[str] = []
    reader = PacketReader(io.BufferedReader(io.BytesIO(bytes(data))), lambda _n, msg, _l: problems.append(msg))
    assert len(list(reader.packets())) == 5
    assert "corrupt record header" in problems[0]


# -- JSON: the streamed writer writes json.dumps(to_dict(...), indent=2) ------------------------------


TRICKY: list[Any] = [
    {"a": [1, 2.5, None, True, False, 'x\u2192"\\\n\x00\x1f', [], {}, [[]], [{}], {"b": {"c": [1]}}]},
    {1: 2, 2.5: 3, None: 5, "k": (1, (), [()]), float("nan"): [float("inf"), -float("inf")]},
    {True: 4, False: [True, False]},
    [],
    {},
    "s",
    7,
    -0.0,
    1e300,
    [1, [2, [3, [4, [5, [6]]]]]],
]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_encoder_writes_what_json_writes(value: Any) -> None:
    assert _encode(value, 0) == json.dumps(value, indent=2, ensure_ascii=False)


def test_encoder_rejects_what_json_rejects() -> None:
    for bad in ({"x": object()}, {(1, 2): 3}):
        with pytest.raises(TypeError):
            json.dumps(bad, indent=2)
        with pytest.raises(TypeError):
            _encode(bad, 0)


def _inputs() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("sample", _inputs(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_streamed_json_is_the_dumped_json(sample: Path) -> None:
    result = _audit([str(sample)])
    out = io.StringIO()
    write_json(result, 1, out)
    assert out.getvalue() == json.dumps(to_dict(result, 1), indent=2, ensure_ascii=False)


def test_streamed_json_of_everything_at_once_in_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from icecheck.render import json_report

    monkeypatch.setattr(json_report, "_BLOCK", 100)
    result = _audit([str(p) for p in _inputs()])
    writes: list[str] = []
    stream = io.StringIO()
    monkeypatch.setattr(stream, "write", lambda text: writes.append(text) or len(text))
    write_json(result, 0, stream)
    assert len(writes) > 10
    assert "".join(writes) == json.dumps(to_dict(result, 0), indent=2, ensure_ascii=False)


def _audit(paths: list[str]) -> Any:
    outputs = list(scan_paths(paths, None, None))
    docs = [o.document for o in outputs]
    facts = [f for o in outputs for f in o.wire]
    return audit(docs, AuditSettings(preset("default")), extra_exposures=wire.wire_exposures(docs, facts))


# -- classified candidates handed along -----------------------------------------------------------------


def test_candidates_handed_to_the_audit_are_the_ones_it_reports() -> None:
    """The lookup step classifies the candidates once and hands them to ``audit``: the report is
    the one ``audit`` makes when it classifies them itself."""
    outputs = list(scan_paths([str(SAMPLES / "captures")], None, None))
    docs = [o.document for o in outputs]
    settings = AuditSettings(preset("default"))
    classified = audit_candidates(docs)
    handed = audit(docs, settings, candidates=classified)
    assert handed.candidates is classified
    assert to_dict(handed, 0) == to_dict(audit(docs, settings), 0)
    assert audit_candidates(docs) == classified and audit_candidates(docs) is not classified  # nothing remembered


def test_subnet_phrase_matches_ipaddress() -> None:
    def plain(addr: str) -> str:
        try:
            ip = ipaddress.ip_address(addr.split("%")[0].strip("[]"))
        except ValueError:
            return "it shows the layout of your network."
        net = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)
        return f"it shows your LAN layout (likely subnet {net})."

    rng = random.Random(4)
    octets = ["0", "00", "1", "01", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "1000", ""]
    cases = ["10.0.0.1", "[10.1.2.3]", "10.1.2.3%eth0", "fe80::1%eth0", "1.2.3.4\n", "a.local", "::ffff:1.2.3.4"]
    cases += [".".join(rng.choice(octets) for _ in range(rng.choice([3, 4, 4, 5]))) for _ in range(3000)]
    assert [_subnet_phrase(c) for c in cases] == [plain(c) for c in cases]


def test_wire_ids_are_the_audit_ids(tmp_path: Path) -> None:
    tx = b"abcdefghijkl"
    invite = (
        b"INVITE sip:b@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1\r\n"
        b"Call-ID: w1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    packets = [synth.udp("192.168.1.10", 5060, "198.51.100.7", 5060, invite)]
    for n in range(3):  # three public mapped addresses that no candidate carries, one twice
        msg = synth.stun_message(0x0101, tx, [(0x0020, synth.xor_address(f"203.0.113.{n % 2 + 201}", 4000 + n, tx))])
        packets.append(synth.udp("198.51.100.9", 3478, "192.168.1.10", 4000 + n, msg))
    path = tmp_path / "w.pcap"
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, seg in enumerate(packets):
            writer.write(synth.link(synth.ip(seg)[0]), i)
    result = _audit([str(SAMPLES / "captures" / "sip-tcp-sll.pcap"), str(path)])
    ids = {a.id: a.record for a in result.addresses}
    wired = [e for e in result.exposures if e.kind is ExposureKind.WIRE_EXPOSURE]
    assert {e.value for e in wired} == {"203.0.113.201", "203.0.113.202"}
    for exposure in wired:
        assert all(ids[ref].address == exposure.value for ref in exposure.evidence)
    assert [ref for ref, _d, _i in wire.address_ids(list(result.inputs))] == list(ids)


def test_inference_without_candidates_is_the_address_part() -> None:
    """A party seen in SIP headers only: the candidate-only steps find nothing, and what the
    addresses give is what the whole-party inference gave."""
    from icecheck.analysis import infer
    from tests.analysis import wholeparty

    assert list(infer.Inference().exposures()) == []
    result = _audit([str(SAMPLES / "captures")])
    seen = 0
    for group in parties.split(result.candidates, result.addresses):
        if not group.candidates:
            seen += 1
            assert infer.infer((), group.addresses) == wholeparty.infer((), group.addresses)
    assert seen


def test_origins_built_directly_have_every_field() -> None:
    """``payload.at`` and ``StreamFramer._origin`` build ``Origin`` positionally: a new field must be
    added there too."""
    from icecheck.inputs.payload import at
    from icecheck.model import Origin

    assert list(Origin._fields) == ["path", "line", "packet", "time", "detail", "call", "party"]
    o = Origin("p", 3, 4, 5.0, "d", "c", "x")
    assert at(o, "e", "y") == o._replace(detail="e", party="y")


@pytest.mark.parametrize("nano", [False, True])
def test_synthetic_pcap_times_never_round_to_a_full_second(nano: bool) -> None:
    """1700000135.9999998 once became 1700000135 s + 1000000 µs, a record the reader rightly calls corrupt
    (bench_scan's captures past 1.3 million packets had one)."""
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf, nano=nano)
    frame = synth.link(synth.ip(synth.udp("10.0.0.1", 1, "10.0.0.2", 5060, b"OPTIONS x"))[0])
    for t in (1700000135.9999998, 1700000135.9999999999, 1.5):
        writer.write(frame, t)
    problems: list[str] = []
    reader = PacketReader(io.BufferedReader(io.BytesIO(buf.getvalue())), lambda _n, m, _l: problems.append(m))
    times = [t for _n, t, *_ in reader.packets()]
    assert not problems
    assert times == pytest.approx([1700000136.0, 1700000136.0, 1.5], abs=1e-6)
