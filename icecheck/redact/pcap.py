"""pcap and pcapng files redacted record by record, in two passes.

Pass one reads every frame without changing it: it reserves every original address (headers,
STUN attributes, text) so no stand-in equals an original, and collects IPv4 fragments. Between
the passes each complete fragmented datagram is reassembled and rewritten once: when its length
is unchanged the fragments get their slices of the new datagram (so the UDP checksum in the
first fragment is right); otherwise the datagram is written whole in place of its first
fragment and the other fragments are dropped. Pass two writes the rewritten records.

pcap (libpcap): global header kept, record lengths follow the new frames. pcapng
(draft-ietf-opsawg-pcapng): Section Header (section length set to -1, "unspecified", and
options dropped: they name hardware and OS), Interface Description (only ``if_tsresol`` and
``if_tsoffset`` kept: other options hold addresses and names), Enhanced, Simple and obsolete
Packet Blocks (options dropped: comments and hashes), Interface Statistics (options dropped).
Name Resolution, Decryption Secrets and custom blocks are dropped: they hold names and keys.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from icecheck.redact.packet import DropPacket, FrameRewriter
from icecheck.redact.pcapng import pcapng_frames, rewrite_pcapng
from icecheck.redact.sip import redact_sip_text
from icecheck.redact.standins import StandIns
from icecheck.redact.text import replace_known_ufrags, scan_originals, ufrags

FragKey = tuple[bytes, bytes, int, int]
Record = tuple[int, bytes]  # (linktype, frame)


class _Collector(StandIns):
    """Pass one: reserves what it is shown and changes nothing."""

    def ip_bytes(self, raw: bytes) -> bytes:
        import ipaddress

        self.reserve(ipaddress.ip_address(raw))
        return raw

    def mac_bytes(self, raw: bytes) -> bytes:
        return raw


class CaptureRewriter(FrameRewriter):
    """``FrameRewriter`` that reassembles IPv4 fragments (collected in pass one)."""

    def __init__(self, standins: StandIns, scrub: bool, collecting: bool = False) -> None:
        super().__init__(standins, self._text)
        self.scrub, self.collecting = scrub, collecting
        self.fragments: dict[FragKey, list[bytes]] = {}
        self.plan: dict[tuple[FragKey, int], bytes | None] = {}

    def _text(self, data: bytes) -> bytes:
        if not _looks_text(data):
            if self.collecting or not any(data):
                return data
            self.standins.left_out["payloads blanked (binary, not understood)"] += 1
            return bytes(len(data))  # fail closed: binary that is not STUN, RTP or DTLS
        text = data.decode("utf-8", "surrogateescape")
        if self.collecting:
            scan_originals(text, self.standins)
            for u in ufrags(text) if self.scrub else ():
                self.standins.secret(u)
            return data
        out = redact_sip_text(text, self.standins, self.scrub)
        if self.scrub:
            out = replace_known_ufrags(out, self.standins)
        return out.encode("utf-8", "surrogateescape")

    def kept(self, linktype: int, frame: bytes) -> bytes | None:
        """``frame`` rewritten, or None when it is left out (counted with its reason, in pass two)."""
        try:
            return self.frame(linktype, frame)
        except DropPacket as drop:
            if drop.reason and not self.collecting:
                self.standins.left_out[f"packets dropped ({drop.reason})"] += 1
            return None

    def fixed(self, data: bytes) -> bytes:
        if self.collecting:
            scan_originals(data.decode("utf-8", "surrogateescape"), self.standins)
            return data
        return super().fixed(data)

    def ipv4_fragment(self, p: bytes) -> bytes:
        key = _frag_key(p)
        offset = (int.from_bytes(p[6:8], "big") & 0x1FFF) * 8
        ihl = (p[0] & 0x0F) * 4
        if self.collecting:
            self.fragments.setdefault(key, []).append(p)
            return p
        if (key, offset) not in self.plan:
            return super().ipv4_fragment(p)
        body = self.plan[(key, offset)]
        if body is None:
            raise DropPacket
        head = bytearray(p[:ihl])
        if len(body) != len(p) - ihl:  # the whole datagram, unfragmented now (DF bit kept)
            head[6:8] = (int.from_bytes(p[6:8], "big") & 0x4000).to_bytes(2, "big")
        return self.ipv4_header(bytes(head), body, False) + body

    def plan_fragments(self) -> None:
        """Rewrite every complete fragmented datagram once (after pass one)."""
        for key, parts in self.fragments.items():
            pieces = sorted(((int.from_bytes(p[6:8], "big") & 0x1FFF) * 8, p) for p in parts)
            datagram = _reassemble(pieces)
            if datagram is None:
                continue
            new = self.transport(key[3], key[0], key[1], datagram)
            for offset, p in pieces:
                size = len(p) - (p[0] & 0x0F) * 4
                if len(new) == len(datagram):
                    self.plan[(key, offset)] = new[offset : offset + size]
                else:
                    self.plan[(key, offset)] = new if offset == 0 else None


def _frag_key(p: bytes) -> FragKey:
    return p[12:16], p[16:20], int.from_bytes(p[4:6], "big"), p[9]


def _reassemble(pieces: list[tuple[int, bytes]]) -> bytes | None:
    """The datagram when the fragments cover it without gaps and the last has MF clear."""
    out = b""
    for offset, p in pieces:
        if offset != len(out):
            return None
        out += p[(p[0] & 0x0F) * 4 :]
    last = pieces[-1][1]
    return out if not int.from_bytes(last[6:8], "big") & 0x2000 else None


def _looks_text(data: bytes) -> bool:
    """Mostly printable ASCII (SIP, HTTP, JSON): binary media is left alone."""
    if len(data) < 8:
        return False
    sample = data[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return printable >= 0.95 * len(sample)


def redact_capture(data: bytes, standins: StandIns, scrub: bool = False) -> bytes:
    """The whole capture, redacted (see module docstring)."""
    collector = _Collector([str(n) for n in standins.keep])
    first = CaptureRewriter(collector, scrub, collecting=True)
    for linktype, frame in _frames(data):
        first.kept(linktype, frame)
    for addr in collector._reserved:  # hand the reservations over
        standins.reserve(addr)
    for secret in collector.secret_values():
        standins.secret(secret)
    second = CaptureRewriter(standins, scrub)
    second.fragments = first.fragments
    second.plan_fragments()
    return b"".join(_rewrite(data, second))


def _rewrite(data: bytes, rw: CaptureRewriter) -> Iterator[bytes]:
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        yield from rewrite_pcapng(data, rw.kept)
        return
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    yield data[:24]
    for header, frame in _pcap_records(data, order):
        new = rw.kept(linktype, frame)
        if new is None:
            continue
        secs, frac, incl, orig = struct.unpack(order + "IIII", header)
        yield struct.pack(order + "IIII", secs, frac, len(new), max(orig + len(new) - incl, len(new))) + new


def _pcap_records(data: bytes, order: str) -> Iterator[tuple[bytes, bytes]]:
    pos = 24
    while pos + 16 <= len(data):
        header = data[pos : pos + 16]
        incl = struct.unpack_from(order + "I", header, 8)[0]
        if pos + 16 + incl > len(data):
            return  # a truncated last record is dropped
        yield header, data[pos + 16 : pos + 16 + incl]
        pos += 16 + incl


def _frames(data: bytes) -> Iterator[Record]:
    """(linktype, frame) of every packet (pass one)."""
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        yield from pcapng_frames(data)
        return
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    for _, frame in _pcap_records(data, order):
        yield linktype, frame
