"""``ranges``: a pcap read by byte ranges, each range's records trusted only when they prove it.

The ranges' non-media records, put together, are exactly the packets a whole read yields; the
parts read from them give the report one process gives. A range whose start or end is no record
boundary, damage, trailing bytes, pcapng or gzip: the range is refused (None), never misread.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import pytest

from benchmarks.mediamix import write_media_mix
from icecheck.inputs import jobs, ranges, synth
from icecheck.inputs.pcapfile import PacketReader
from icecheck.inputs.scanner import capture_result, scan_file
from tests.conftest import SAMPLES
from tests.inputs.test_scan_jobs import _report


@pytest.fixture(scope="module")
def mix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranges") / "mix.pcap"
    with open(path, "wb") as f:
        write_media_mix(f, 1_200_000, seed=3, rtp_per_call=20)
    return path


def _boundaries(path: Path) -> set[int]:
    """Where each record of the pcap starts, walked from the file header."""
    at, starts = 24, set()
    with open(path, "rb") as f:
        for _, kind, data in PacketReader(f, lambda *p: None).records():
            if kind == 0:
                starts.add(at)
                at += len(data)
    return starts


def _whole(path: Path) -> list[tuple[int, float, int, bytes, int]]:
    with open(path, "rb") as f:
        return list(PacketReader(f, lambda *p: None, skip_media=True).packets())


def _kept(path: Path, bounds: list[int], spills: Path, parts: int = 1) -> list[ranges.Kept | None]:
    return [
        ranges.prefilter(str(path), bounds[0], bounds[i], bounds[i + 1], str(spills / str(i)), parts)
        for i in range(len(bounds) - 1)
    ]


def _same_records(kept: list[ranges.Kept | None], whole: list[tuple[int, float, int, bytes, int]]) -> None:
    """The ranges' records are the whole read's packets, a whole UDP datagram decoded."""
    records = list(ranges._records([k for k in kept if k]))
    assert len(records) == len(whole)
    decoded = 0
    for record, packet in zip(records, whole, strict=True):
        assert record[:2] == packet[:2]
        if len(record) == 4:
            assert record[2] == ranges._datagram(packet[2], packet[3])
            decoded += 1
        else:
            assert record == packet and ranges._datagram(packet[2], packet[3]) is None
    assert 0 < decoded < len(whole)


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_cuts_fall_on_record_boundaries_and_the_ranges_give_the_whole_reads_packets(
    mix: Path, tmp_path: Path, parts: int
) -> None:
    bounds = ranges.cuts(str(mix), parts)
    assert bounds is not None and len(bounds) == parts + 1
    assert bounds[0] == 24 and bounds[-1] == os.path.getsize(mix)
    assert set(bounds[:-1]) <= _boundaries(mix)
    kept = _kept(mix, bounds, tmp_path)
    assert all(kept)
    whole = _whole(mix)
    assert 0 < len(whole) < sum(k.records for k in kept if k)  # media left out
    _same_records(kept, whole)


def test_the_parts_read_from_the_ranges_give_the_whole_report(mix: Path, tmp_path: Path) -> None:
    whole = _report([scan_file(str(mix))])
    bounds = ranges.cuts(str(mix), 3)
    assert bounds is not None
    kept = [k for k in _kept(mix, bounds, tmp_path) if k]
    assert len(kept) == 3
    assert _report([capture_result(ranges.read_kept(str(mix), kept))[0]]) == whole
    for parts in (2, 3):
        kept = [k for k in _kept(mix, bounds, tmp_path, parts) if k]
        read = jobs.merged([ranges.read_kept(str(mix), kept, i, parts) for i in range(parts)])
        assert _report([capture_result(read)[0]]) == whole
    with pytest.raises(ValueError, match="routed for 3 parts"):
        ranges.read_kept(str(mix), kept, 0, 2)


def test_a_start_that_is_no_record_boundary_is_refused(mix: Path, tmp_path: Path) -> None:
    bounds = ranges.cuts(str(mix), 2)
    assert bounds is not None
    starts = _boundaries(mix)
    for shift in (1, 4, 16, 17):
        wrong = bounds[1] + shift
        assert wrong not in starts
        before, _ = _kept(mix, [24, wrong, bounds[2]], tmp_path)
        assert before is None  # its last record runs past the range's end: the cut is proven wrong


def test_damage_or_trailing_bytes_refuse_the_range(mix: Path, tmp_path: Path) -> None:
    data = bytearray(mix.read_bytes())
    starts = sorted(_boundaries(mix))
    cut, bad = starts[len(starts) // 2], starts[len(starts) // 2 + 50]
    struct.pack_into("<I", data, bad + 8, 1 << 30)  # a record header of the second range claims 1 GiB
    damaged = tmp_path / "damaged.pcap"
    damaged.write_bytes(bytes(data))
    first, second = _kept(damaged, [24, cut, len(data)], tmp_path)
    assert first is not None and first.records == len(starts) // 2 and second is None
    trailing = tmp_path / "trailing.pcap"
    trailing.write_bytes(mix.read_bytes() + b"\0" * 9)  # too short for a record: a whole read ignores them
    size = os.path.getsize(trailing)
    assert _kept(trailing, [24, size], tmp_path) == [None]
    split = _report([out for out, _ in jobs.scan_files([str(trailing)], None, 2, split_from=0)])
    assert split == _report([scan_file(str(trailing))])


def test_pcapng_gzip_and_short_files_are_not_cut(mix: Path, tmp_path: Path) -> None:
    packed = tmp_path / "mix.pcap.gz"
    packed.write_bytes(gzip.compress(mix.read_bytes()))
    assert ranges.cuts(str(packed), 2) is None
    assert ranges.cuts(str(SAMPLES / "captures" / "proxy-any-sll2.pcapng.gz"), 2) is None
    short = tmp_path / "short.pcap"
    short.write_bytes(mix.read_bytes()[:20])
    assert ranges.cuts(str(short), 2) is None
    assert ranges.cuts(str(tmp_path / "missing.pcap"), 2) is None


def test_no_sane_chain_in_the_window_means_no_cut(tmp_path: Path) -> None:
    noise = tmp_path / "noise.pcap"
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    noise.write_bytes(header + bytes(range(256)) * 64)  # no record header chain anywhere
    assert ranges.cuts(str(noise), 2) is None


def test_a_range_reader_reports_the_bytes_it_read(mix: Path, tmp_path: Path) -> None:
    bounds = ranges.cuts(str(mix), 2)
    assert bounds is not None
    counted = [0, 0]

    def tick(nbytes: int, packets: int, _items: int) -> None:
        counted[0] += nbytes
        counted[1] += packets

    kept = ranges.prefilter(str(mix), 24, bounds[1], bounds[2], str(tmp_path / "spill"), tick=tick)
    assert kept is not None and counted == [bounds[2] - bounds[1], kept.records]


# -- pcapng: the blocks before the first packet block are put in front of every range ------------


@pytest.fixture(scope="module")
def mixng(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranges") / "mix.pcapng"
    with open(path, "wb") as f:
        write_media_mix(f, 1_200_000, seed=4, rtp_per_call=20, pcapng=True)
    return path


def _blocks(path: Path) -> list[tuple[int, int]]:
    """(offset, type) of every pcapng block."""
    at, out = 0, []
    with open(path, "rb") as f:
        for _, btype, body in PacketReader(f, lambda *p: None).records():
            out.append((at, btype))
            at += len(body) + 12
    return out


@pytest.mark.parametrize("parts", [2, 5])
def test_pcapng_ranges_start_at_packet_blocks_and_give_the_whole_read(mixng: Path, tmp_path: Path, parts: int) -> None:
    bounds = ranges.cuts(str(mixng), parts)
    assert bounds is not None and len(bounds) == parts + 1
    blocks = dict(_blocks(mixng))
    first_packet = min(at for at, btype in blocks.items() if btype in (2, 3, 6))
    assert bounds[0] == first_packet > 0
    assert all(blocks.get(b) in (2, 3, 6) for b in bounds[:-1])
    kept = _kept(mixng, bounds, tmp_path)
    assert all(kept)
    _same_records(kept, _whole(mixng))
    whole = _report([scan_file(str(mixng))])
    assert _report([out for out, _ in jobs.scan_files([str(mixng)], None, parts, split_from=0)]) == whole


def test_a_pcapng_interface_described_mid_file_refuses_its_range(mixng: Path, tmp_path: Path) -> None:
    data = mixng.read_bytes()
    blocks = _blocks(mixng)
    at = blocks[len(blocks) * 3 // 4][0]
    idb = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)  # a second Ethernet interface
    moved = tmp_path / "idb.pcapng"
    moved.write_bytes(data[:at] + idb + data[at:])
    bounds = ranges.cuts(str(moved), 2)
    assert bounds is not None and bounds[1] < at
    first, second = _kept(moved, bounds, tmp_path)
    assert first is not None and second is None
    whole = _report([scan_file(str(moved))])
    assert _report([out for out, _ in jobs.scan_files([str(moved)], None, 2, split_from=0)]) == whole


def test_decoded_datagrams_give_the_whole_report_cut_sip_stun_channeldata_ipv6_fragments(tmp_path: Path) -> None:
    """Datagrams ``ranges`` decodes (SIP cut by the snapshot length, STUN over IPv4 and IPv6,
    ChannelData carrying STUN, other UDP) between packets it does not (IP fragments, TCP)."""
    from tests.inputs.test_inputs_capture import frames, sip

    path = tmp_path / "udp.pcap"
    with open(path, "wb") as f:
        w = synth.PcapWriter(f, snaplen=400)
        t = 1.0
        for n in range(300):
            tx = n.to_bytes(12, "big")
            mapped = synth.stun_message(0x0101, tx, [(0x0020, synth.xor_address(f"203.0.113.{n % 50}", n, tx))])
            channel = struct.pack("!HH", 0x4000 + n % 3, len(mapped)) + mapped
            segments = [
                synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(f"cut{n % 40}", pad=n % 5 * 100)),
                synth.udp("198.51.100.1", 3478, "10.0.0.9", 40000 + n % 7, mapped),
                synth.udp("2001:db8::1", 3478, "2001:db8::9", 40000 + n % 5, mapped),
                synth.udp("198.51.100.1", 3478, "10.0.0.9", 50000, channel),
                synth.udp("10.0.0.9", 9, "10.0.0.8", 9, b"\x05other"),
            ]
            for segment in segments:
                for frame in frames(segment):
                    t += 0.001
                    w.write(frame[:400], t, orig_len=len(frame))
            if n % 10 == 0:  # an INVITE in fragments, within the snapshot length
                for frame in frames(synth.udp("192.0.2.7", 5060, "192.0.2.2", 5060, sip(f"frag{n}")), mtu=200):
                    t += 0.001
                    w.write(frame, t)
    whole = _report([scan_file(str(path))])
    assert "snapshot length" in whole and "XOR-MAPPED-ADDRESS" in whole and "ChannelData" in whole
    bounds = ranges.cuts(str(path), 3)
    assert bounds is not None and all(_kept(path, bounds, tmp_path, 3))
    for parts in (2, 3):
        assert _report([out for out, _ in jobs.scan_files([str(path)], None, parts, split_from=0)]) == whole
