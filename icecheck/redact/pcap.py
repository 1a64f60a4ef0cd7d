"""pcap and pcapng files redacted as a stream, record by record, in two passes over the input.

Records are read by ``inputs.pcapfile.PacketReader`` (one wire layer: its resynchronisation after a
damaged record and its handling of a cut-short end; each skip is counted in the summary). Pass
one reads every frame without changing it: it reserves every original address (headers, STUN
attributes, text) so no stand-in equals an original, and learns ICE ufrags when scrubbing (media
frames are skipped there when ``icecheck redact`` has reserved their header addresses from the
self-check's listing of the input). Pass two rewrites the records and writes them in input order through a
``window.Window``, which holds packets back while they wait for later ones:

- an IPv4 or IPv6 fragment (RFC 791 §3.2, RFC 8200 §4.5) waits for the rest of its datagram, which
  is then rewritten once: when its length is unchanged the fragments get their slices of the new
  datagram (so the UDP checksum in the first fragment is right); otherwise the datagram is written
  whole in place of its first fragment (IPv4: unfragmented, DF kept; IPv6: an atomic fragment, RFC
  6946) and the other fragments are dropped. Exact duplicates of a fragment get the same slice;
- TCP payload is rewritten through each direction's stream, put in sequence as scan's
  ``inputs.tcpstream`` puts it (from the SYN, else from the first segment seen): a segment that
  comes early, past a hole, waits until the hole fills (at most ``MAX_HOLE`` bytes of them, scan's
  bound); a segment that ends inside a message (``tcpmsg``: SIP/HTTP head and body, a WebSocket
  frame or fragmented message) waits for the segments that complete it; the reassembled bytes are
  then redacted as one and written back into the segments, each keeping its length (stand-ins are
  chosen to fit; a change of length goes to the last segment in sequence and shifts the sequence
  numbers after it, ``packet.Shifts``, whatever order the segments were written in).
  Bytes sent again add nothing to the stream, so they shift no sequence numbers: a copy of held
  bytes (or of an early segment held already) is emptied (a zeroed copy could outlast the held one,
  once redacted, and take its place in scan of the output); a longer early copy replaces the held one
  in its place, the held one keeping one zero byte; one of bytes already released is redacted on its
  own (blanked if it would then reach past where the stream is in the output); the part of a segment
  sent before is blanked over as many bytes as the stream took there in the output (``_span``).
  A hole that does not fill (a lost segment) gives up the held message, and the stream is read on
  from the segment after the hole, as scan reads on after a gap.

Giving up is fail closed and counted in the summary: held TCP payloads are blanked (zeroed, same
length) and the fragments of a datagram never completed are dropped — when a run or datagram is
still incomplete at the end of the capture, when a hole ends a run, when a run would pass
``MAX_RUN`` bytes or ``MAX_SEGMENTS`` segments, or when more than
``window.MAX_BYTES`` of frames wait behind the oldest held packet (then that one is given up first).

pcap (libpcap): global header kept, record lengths follow the new frames. pcapng
(draft-ietf-opsawg-pcapng): Section Header (section length set to -1, "unspecified", and
options dropped: they name hardware and OS), Interface Description (only ``if_tsresol`` and
``if_tsoffset`` kept: other options hold addresses and names), Enhanced, Simple and obsolete
Packet Blocks (options dropped: comments and hashes), Interface Statistics (options dropped).
Name Resolution, Decryption Secrets and custom blocks are dropped: they hold names and keys.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import math
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from icecheck.inputs.tcpheld import HeldSegments
from icecheck.inputs.tcpstream import MAX_HELD, place, supersedes
from icecheck.model import DiagnosticLevel
from icecheck.redact.packet import DropPacket, Flow, FrameRewriter, Shifts
from icecheck.redact.pcapng import rewrite_block
from icecheck.redact.sip import redact_sip_text
from icecheck.redact.standins import StandIns
from icecheck.redact.tcpmsg import Progress, complete, upgrades
from icecheck.redact.text import replace_known_ufrags, scan_originals, ufrags
from icecheck.redact.window import Entry, Window

Opener = Callable[[], BinaryIO]  # opens the (decompressed) capture again for each pass
MAX_RUN = 4 << 20  # bytes of one TCP direction held for one message (inputs.websocket.MAX_MESSAGE)
MAX_SEGMENTS = 4096  # segments held for one message
MAX_HOLE = MAX_HELD  # bytes of early segments held behind a hole in one direction (as scan holds them)


class HoldPacket(Exception):
    """The frame waits for later packets: ``CaptureRewriter.current`` joined a held group."""


@dataclass(slots=True)
class _Run:
    """One TCP direction's held segments: the message under way (its bytes, in sequence, and their
    entries) and the segments that came early, past a hole in the sequence, by sequence number."""

    data: bytearray = field(default_factory=bytearray)
    entries: list[tuple[Entry, int, int, int]] = field(default_factory=list)  # (held packet, bytes taken, its
    # blanked prefix's length, the padding in that prefix: see ``CaptureRewriter._take``)
    early: HeldSegments[tuple[Entry, bytes]] = field(default_factory=HeldSegments)
    early_bytes: int = 0
    progress: Progress | None = None  # how far ``tcpmsg.complete`` has read ``data`` (from its second segment)


@dataclass(slots=True)
class _Datagram:
    """The held fragments of one IPv4 or IPv6 datagram, ``pieces`` sorted by offset (stably: in the
    order they came for one offset). Walked in that order, each piece either starts where the
    datagram built so far ends (it is added), or lies inside it with the same bytes (a duplicate,
    whole or in part: skipped); the datagram is whole when every piece is walked so and the last one
    added says no more follow. A piece starting past the end leaves a gap: the walk waits there. One
    that overlaps and differs, or reaches past the end, breaks it: the datagram is never whole, as
    no later fragment can mend that (one sorted before it is inside what was built or breaks it too:
    it cannot start at the end there, since the walk went on past that place).

    The walk is kept as it goes (``add``), not done again over all held for each fragment (20,000
    fragments of one datagram never completed took 20 s; 28 s when they tiled it but for one that
    differed): ``out``, ``starts`` and ``last`` are the datagram so far, where each piece added to
    it starts, and whether the last one added ends it, after walking ``pieces[:walked]``."""

    pieces: list[tuple[int, bytes, bool]] = field(default_factory=list)  # (offset, payload, more follow)
    entries: list[Entry] = field(default_factory=list)
    proto: int | None = None  # the transport, named by the first fragment
    out: bytearray = field(default_factory=bytearray)
    starts: array[int] = field(default_factory=lambda: array("q"))  # (an array: no object for the collector to walk)
    last: bool = False
    walked: int = 0
    broken: bool = False
    steps: int = 0  # pieces looked at (for tests: once each, not once per fragment held)

    def add(self, offset: int, data: bytes, more: bool) -> bytes | None:
        """Hold one fragment; the datagram when the fragments now make it whole."""
        at = bisect.bisect_right(self.pieces, offset, key=_offset)
        self.pieces.insert(at, (offset, data, more))
        self.steps += 1
        if self.broken:
            return None
        if at < self.walked:  # inside the walked part: a piece with a greater offset, walked, comes after
            self.walked += 1
            k = bisect.bisect_right(self.starts, offset)  # ``out`` there ends where the next piece added starts
            reached = self.starts[k] if k < len(self.starts) else len(self.out)
            if offset + len(data) > reached or self.out[offset : offset + len(data)] != data:
                self.broken = True
                return None
        elif at == self.walked:
            self._walk()
        if self.broken or self.walked < len(self.pieces) or not self.last:
            return None
        return bytes(self.out)

    def _walk(self) -> None:
        """The walk on from ``walked``, to a gap, a piece that breaks it, or the end."""
        out, pieces = self.out, self.pieces
        while self.walked < len(pieces):
            offset, data, more = pieces[self.walked]
            self.steps += 1
            if offset < len(out):
                if out[offset : offset + len(data)] != data:
                    self.broken = True
                    return
            elif offset != len(out):
                return
            else:
                out += data
                self.starts.append(offset)
                self.last = not more
            self.walked += 1


class _Collector(StandIns):
    """Pass one: reserves what it is shown and changes nothing."""

    def ip_bytes(self, raw: bytes) -> bytes:
        import ipaddress

        self.reserve(ipaddress.ip_address(raw))
        return raw

    def mac_bytes(self, raw: bytes) -> bytes:
        return raw


class CaptureRewriter(FrameRewriter):
    """``FrameRewriter`` that reassembles IP fragments and TCP messages (see the module doc).

    ``current`` is the entry being rewritten (None while a held entry is finished, or inside a
    reassembled datagram: nothing is held then)."""

    def __init__(self, standins: StandIns, scrub: bool, collecting: bool = False) -> None:
        super().__init__(standins, self._text)
        self.scrub, self.collecting = scrub, collecting
        self.plan: dict[tuple[tuple[object, ...], int], bytes | None] = {}
        self.held: dict[tuple[object, ...], _Run | _Datagram] = {}  # oldest first
        self.given_up = 0  # ``give_up_oldest`` calls since ``held`` was last copied
        self.websocket: set[frozenset[tuple[bytes, int]]] = set()  # upgraded connections
        self.current: Entry | None = None
        self.override: tuple[bytes, int] | None = None  # the payload a held TCP segment gets when finished, its padding
        self.segment: tuple[Flow, int, int] = (b"", b"", 0, 0), 0, 0  # the current TCP segment: flow, seq, length
        self.growth: int | None = None  # what ``tcp_grown`` reports for the segment ``tcp_body`` just gave
        self.body: bytes | None = None  # the current TCP segment's new payload, once its message is released
        self.expect: dict[Flow, int] = {}  # each direction's next sequence number

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
        """``frame`` rewritten, or None when it is left out (counted with its reason, in pass two).
        ``HoldPacket`` when it waits for later packets."""
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

    def _finish(self, entry: Entry, override: tuple[bytes, int] | None) -> None:
        """Rewrite a held entry now (its TCP payload given as ``override``, or its datagram planned)."""
        saved = self.current, self.override
        self.current, self.override = None, override
        try:
            entry.finish(self.kept(entry.linktype, entry.frame))
        finally:
            self.current, self.override = saved

    # -- TCP through the stream -------------------------------------------------------------------

    def syn(self, flow: Flow, seq: int) -> None:
        if not self.collecting:
            self.expect[flow] = (seq + 1) & 0xFFFFFFFF

    def tcp_body(self, flow: Flow, seq: int, data: bytes) -> bytes:
        if self.override is not None:
            (body, pad), self.override = self.override, None
            self.growth = len(body) - len(data) - pad
            return body
        conn = frozenset({(flow[0], flow[2]), (flow[1], flow[3])})
        if self.collecting or self.current is None:
            return self.tcp_payload(data, conn in self.websocket, flow)
        key, current = ("tcp", *flow), self.current
        self.segment = flow, seq, len(data)
        held = self.held.get(key)
        run = held if isinstance(held, _Run) else None
        hole, trim = place(self.expect.get(flow, seq), seq, len(data))  # scan's tcpstream rules
        if hole:  # held until the hole fills, as scan's tcpstream holds it
            if run is None:
                run = self.held[key] = _Run()
            if seq in run.early:  # the same early segment again
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                if not supersedes(len(run.early[seq][1]), len(data)):
                    self.growth = 0
                    return b""  # emptied: a copy of any length could take the held one's place in the output
                old, old_data = run.early[seq]  # a longer copy: held instead, in the same place (as scan's)
                run.early_bytes -= len(old_data)
                # one zero byte: it stays held where it was in scan of the output, and the new copy, redacted,
                self._settle(old, bytes(1), 1 - len(old_data))  # still takes its place (a longer copy)
            run.early[seq] = (current, data)
            run.early_bytes += len(data)
            if run.early_bytes <= MAX_HOLE:
                raise HoldPacket
            self.give_up(key, "a segment of the message missing")  # the hole never filled: read on after it
        elif trim == len(data):  # all of it sent before: adds nothing to the stream
            self.growth = 0
            if run is not None and run.entries:  # a retransmission of held bytes: emptied (the held
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                return b""  # message may yet shrink, and a blank as long as this copy would then outlast it)
            new = self.tcp_payload(data, conn in self.websocket, flow)  # sent again: redacted on its own
            span = self._span(flow, seq, len(data))
            if len(new) > span:  # it would reach past where the stream is, in the output
                self.standins.left_out["TCP payloads blanked (sent again, redacted to another length)"] += 1
                return bytes(span)
            return new
        elif trim:  # partly sent before: those bytes blanked in this copy, the rest taken (scan trims)
            self.standins.left_out["TCP payloads partly blanked (bytes sent before, in another segment)"] += 1
            self._take(key, (seq + trim) & 0xFFFFFFFF, data[trim:], current, trim)
        else:
            self._take(key, seq, data, current)
        self._drain(key)
        out, self.body = self.body, None
        if out is None:
            raise HoldPacket
        self.growth = 0  # counted when it was settled (``_settle``), before the segments finished after it
        return out

    def tcp_grown(self, new: int, old: int) -> int:
        grown, self.growth = self.growth, None
        return new - old if grown is None else grown

    def _span(self, flow: Flow, seq: int, length: int) -> int:
        """How many bytes ``length`` bytes of the stream from ``seq`` take in the output: their length
        and what the segments ending among them added (``packet.Shifts``), so that a copy of bytes
        already in the stream ends, in the output, where the stream has reached."""
        shift = self.tcp_shift.get(flow)
        if shift is None:
            return length
        return max(0, length + shift.at((seq + length) & 0xFFFFFFFF) - shift.at(seq))

    def _take(self, key: tuple[object, ...], seq: int, data: bytes, entry: Entry, skip: int = 0) -> None:
        """The next segment of the direction's stream, in sequence: released with the message it
        ends (each held segment its slice of the redacted message), or held while it is under way.
        ``skip``: bytes before ``data`` in the segment, sent before in another: blanked here, as
        many bytes as they take in the output (``_span``: the stream before may have grown; the
        padding counts as no growth, so later sequence numbers shift by the stream's growth only)."""
        flow = _flow(key)
        prefix = self._span(flow, (seq - skip) & 0xFFFFFFFF, skip) if skip else 0
        self.expect[flow] = (seq + len(data)) & 0xFFFFFFFF
        conn = frozenset({(flow[0], flow[2]), (flow[1], flow[3])})
        ws = conn in self.websocket
        held = self.held.get(key)
        run = held if isinstance(held, _Run) else None
        if (
            run is not None
            and run.entries
            and (len(run.data) + len(data) > MAX_RUN or len(run.entries) >= MAX_SEGMENTS)
        ):
            self._blank(run, "a message too long to hold")
        first = run is None or not run.entries
        if first:
            if complete(data, ws):
                self._settle(entry, bytes(prefix) + self._released(conn, data, ws, flow), prefix - skip)
                return
            if run is None:
                run = self.held[key] = _Run()
        assert run is not None
        run.data += data
        run.entries.append((entry, len(data), prefix, prefix - skip))
        if first:
            return  # the run is this segment alone, under way (read just now)
        if run.progress is None:
            run.progress = Progress()
        if not complete(run.data, ws, run.progress):
            return
        new, entries = self._released(conn, bytes(run.data), ws, flow), run.entries
        run.data, run.entries, run.progress = bytearray(), [], None
        if not run.early:
            del self.held[key]
        pos = 0
        for i, (held_entry, length, held_prefix, pad) in enumerate(entries):
            piece = new[pos:] if i == len(entries) - 1 else new[pos : pos + length]
            pos += len(piece)
            self._settle(held_entry, bytes(held_prefix) + piece, pad)

    def _drain(self, key: tuple[object, ...]) -> None:
        """Take the early segments the stream has reached, in sequence (one that starts before where
        the stream is now, sent again over bytes already taken, is trimmed as scan trims it; one
        wholly before it is blanked)."""
        held = self.held.get(key)
        if not isinstance(held, _Run) or not held.early:
            return  # (nothing early: nothing to take)
        run, flow = held, _flow(key)
        for seq, (entry, data) in run.early.drain(lambda: self.expect[flow]):  # as scan's tcpstream drains
            run.early_bytes -= len(data)
            if not run.early and not run.entries and self.held.get(key) is run:
                del self.held[key]
            skip = place(self.expect[flow], seq, len(data))[1]
            if skip >= len(data):
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                self._settle(entry, b"", -len(data))  # emptied, as a retransmission of held bytes
                continue
            if skip:
                self.standins.left_out["TCP payloads partly blanked (bytes sent before, in another segment)"] += 1
            self._take(key, self.expect[flow], data[skip:], entry, skip)

    def _settle(self, entry: Entry, payload: bytes, pad: int = 0) -> None:
        """A segment's new payload (``pad``: bytes of it that are no growth of the stream, see ``_take``):
        the current packet's is returned by ``tcp_body``, its growth counted now (segments finished
        after it, later in the stream, are shifted by it); a held one is finished."""
        if entry is self.current:
            self.body = payload
            flow, seq, length = self.segment
            grown = len(payload) - length - pad
            if grown:
                shift = self.tcp_shift.get(flow)
                if shift is None:
                    shift = self.tcp_shift[flow] = Shifts(seq)
                shift.add((seq + length) & 0xFFFFFFFF, grown)
        else:
            self._finish(entry, (payload, pad))

    def _blank(self, run: _Run, why: str) -> None:
        """Blank the message under way (its segments' payloads zeroed, counted with ``why``)."""
        entries, run.data, run.entries, run.progress = run.entries, bytearray(), [], None
        for entry, length, prefix, pad in entries:
            self._settle(entry, bytes(prefix + length), pad)
        self.standins.left_out[f"TCP payloads blanked ({why})"] += len(entries)

    def _released(self, conn: frozenset[tuple[bytes, int]], data: bytes, ws: bool, flow: Flow) -> bytes:
        if not ws and upgrades(data):
            self.websocket.add(conn)
        return self.tcp_payload(data, ws, flow)

    # -- IP fragments -------------------------------------------------------------------------------

    def ipv4_fragment(self, p: bytes) -> bytes:
        if self.collecting:
            return p
        ihl, flags = (p[0] & 0x0F) * 4, int.from_bytes(p[6:8], "big")
        key = ("frag", p[12:16], p[16:20], int.from_bytes(p[4:6], "big"), p[9])
        return self._fragment(key, p, ihl, (flags & 0x1FFF) * 8, bool(flags & 0x2000), p[9])

    def ipv6_fragment(self, p: bytes, at: int) -> bytes:
        if self.collecting:
            return p
        if len(p) < at + 8:
            raise DropPacket("IPv6 fragment header cut short")
        field = int.from_bytes(p[at + 2 : at + 4], "big")
        key = ("frag6", p[8:24], p[24:40], p[at + 4 : at + 8])
        return self._fragment(key, p, at + 8, field & 0xFFF8, bool(field & 1), p[at])

    def _fragment(self, key: tuple[object, ...], p: bytes, start: int, offset: int, more: bool, proto: int) -> bytes:
        """One fragment (its payload from ``start``): rewritten from its datagram's plan, or held
        until the datagram is complete, which is then planned and its held fragments finished."""
        if (key, offset) in self.plan:
            return self._planned(key, p, start, self.plan[(key, offset)])
        if self.current is None:  # a fragment inside a reassembled datagram: not reassembled again
            raise DropPacket("IP fragment inside a tunnel")
        group = self.held.setdefault(key, _Datagram())
        assert isinstance(group, _Datagram)
        datagram = group.add(offset, p[start:], more)
        group.entries.append(self.current)
        if offset == 0:
            group.proto = proto  # the first fragment names the transport (RFC 8200 §4.5: its Next Header)
        if datagram is None or group.proto is None:
            raise HoldPacket
        del self.held[key]
        self._plan(key, group, datagram)
        try:
            for entry in group.entries[:-1]:
                self._finish(entry, None)
            return self._planned(key, p, start, self.plan[(key, offset)])
        finally:
            for at, _, _ in group.pieces:
                self.plan.pop((key, at), None)

    def _plan(self, key: tuple[object, ...], group: _Datagram, datagram: bytes) -> None:
        """Rewrite the datagram once; each fragment's new payload (None: dropped) by offset."""
        saved, self.current = self.current, None
        try:
            src, dst = key[1], key[2]
            assert isinstance(src, bytes) and isinstance(dst, bytes) and group.proto is not None
            new = self.transport(group.proto, src, dst, datagram)
        finally:
            self.current = saved
        for offset, data, _ in group.pieces:
            if len(new) == len(datagram):
                self.plan[(key, offset)] = new[offset : offset + len(data)]
            else:
                self.plan[(key, offset)] = new if offset == 0 else None

    def _planned(self, key: tuple[object, ...], p: bytes, start: int, body: bytes | None) -> bytes:
        """The fragment with its new payload: the whole datagram (unfragmented now: IPv4 with the
        DF bit kept; IPv6 an atomic fragment, RFC 6946) when its length changed."""
        if body is None:
            raise DropPacket
        head = bytearray(p[:start])
        whole = len(body) != len(p) - start
        if key[0] == "frag":
            if whole:
                head[6:8] = (int.from_bytes(p[6:8], "big") & 0x4000).to_bytes(2, "big")
            return self.ipv4_header(bytes(head), body, False) + body
        if whole:
            head[start - 6 : start - 4] = b"\x00\x00"  # offset 0, M clear
        head[8:24], head[24:40] = self.addr(p[8:24]), self.addr(p[24:40])
        head[40 : start - 8] = self.ipv6_extensions(p, start - 8)
        head[4:6] = (len(head) - 40 + len(body)).to_bytes(2, "big")
        return bytes(head) + body

    # -- giving up ----------------------------------------------------------------------------------

    def give_up(self, key: tuple[object, ...], why: str) -> None:
        """Give up a held TCP message (its payloads blanked; early segments past the hole are then
        taken from the first of them on, as scan reads on after a gap) or IP datagram (its fragments
        dropped), counted with ``why``."""
        group = self.held[key]
        if isinstance(group, _Run):
            self._blank(group, "a segment of the message missing" if group.early else why)
            if not group.early:
                del self.held[key]
                return
            flow = _flow(key)
            self.expect[flow] = group.early.resume_at(self.expect[flow])
            self._drain(key)
            return
        del self.held[key]
        for entry in group.entries:
            entry.finish(None)
        self.standins.left_out[f"IP fragments dropped ({why})"] += len(group.entries)

    def give_up_oldest(self, why: str) -> None:
        """Give up the group holding the oldest waiting packet. The held groups are copied anew (in
        the same order) after ``isqrt(len)`` of these: a dict keeps the places of the keys taken out
        until then, and each ``next(iter(...))`` walks over them (given up one by one at the end of a
        capture, 14,000 datagrams or streams were a quadratic walk of 600 million instructions)."""
        self.give_up(next(iter(self.held)), why)
        self.given_up += 1
        if self.given_up > max(64, math.isqrt(len(self.held))):
            self.held, self.given_up = dict(self.held), 0


def _flow(key: tuple[object, ...]) -> Flow:
    """The direction a held TCP run's key names."""
    src, dst, sport, dport = key[1:]
    assert isinstance(src, bytes) and isinstance(dst, bytes) and isinstance(sport, int) and isinstance(dport, int)
    return src, dst, sport, dport


def _offset(piece: tuple[int, bytes, bool]) -> int:
    return piece[0]


def _looks_text(data: bytes) -> bool:
    """Mostly printable ASCII (SIP, HTTP, JSON), however short: the few bytes that end a line may be
    what scan needs to find the next message (a capture that starts mid-stream with `` host\r\n``)."""
    if not data:
        return False
    sample = data[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return printable >= 0.95 * len(sample)


def redact_capture(data: bytes, standins: StandIns, scrub: bool = False) -> bytes:
    """The whole capture, redacted (see the module doc): ``redact_stream`` over bytes in memory."""
    out = io.BytesIO()
    redact_stream(lambda: io.BytesIO(data), out.write, standins, scrub)
    return out.getvalue()


def redact_stream(
    open_input: Opener,
    write: Callable[[bytes], object],
    standins: StandIns,
    scrub: bool = False,
    media_reserved: bool = False,
) -> int:
    """Read the capture ``open_input()`` gives twice and ``write`` it redacted; the most bytes of
    frames that waited behind a held packet at once (bounded by ``window.MAX_BYTES``).
    ``media_reserved``: the caller reserved every frame's header addresses already (from
    ``selfcheck.capture_identifiers``), so pass one skips media frames."""
    from icecheck.inputs.pcapfile import PacketReader

    collector = _Collector([str(n) for n in standins.keep])
    first = CaptureRewriter(collector, scrub, collecting=True)
    with open_input() as stream:
        for _number, _time, linktype, frame, _length in PacketReader(
            stream, _quiet, skip_media=media_reserved
        ).packets():
            first.kept(linktype, frame)
    for addr in collector._reserved:  # hand the reservations over
        standins.reserve(addr)
    for secret in collector.secret_values():
        standins.secret(secret)
    rw = CaptureRewriter(standins, scrub)
    window = Window(write)

    def damaged(_packet: int | None, _message: str, level: DiagnosticLevel) -> None:
        if level is DiagnosticLevel.ERROR:
            standins.left_out["damaged stretches of the capture skipped (as icecheck scan reads it)"] += 1

    links: list[int] = []
    with open_input() as stream:
        for order, kind, body in PacketReader(stream, damaged).records():
            record = _record(order, kind, body, links)
            if record is None:
                continue
            if isinstance(record, bytes):
                window.raw(record)
                continue
            rw.current = record
            with contextlib.suppress(HoldPacket):  # held: finished later, in its place
                record.finish(rw.kept(record.linktype, record.frame))
            rw.current = None
            window.put(record)
            while window.full() and rw.held:
                rw.give_up_oldest("not complete within the window")
                window.flush()
    while rw.held:
        rw.give_up_oldest("incomplete at the end of the capture")
    window.flush()
    return window.peak


def _record(order: str, kind: int, body: bytes, links: list[int]) -> bytes | Entry | None:
    """What one record becomes (``PacketReader.records`` kinds: -1 pcap header, 0 pcap record,
    else a pcapng block type)."""
    if kind == -1:
        links[:] = [struct.unpack_from(order + "I", body, 20)[0] & 0x0FFFFFFF]
        return body
    if kind == 0:
        header, frame = body[:16], body[16:]

        def wrap(new: bytes) -> bytes:
            secs, frac, incl, orig = struct.unpack(order + "IIII", header)
            orig = min(max(orig + len(new) - incl, len(new)), 0xFFFFFFFF)  # the field's range
            return struct.pack(order + "IIII", secs, frac, len(new), orig) + new

        return Entry(links[0], frame, wrap)
    return rewrite_block(order, kind, body, links)


def _quiet(_packet: int | None, _message: str, _level: DiagnosticLevel) -> None:
    """Pass one says nothing: pass two counts the damage it skips."""
