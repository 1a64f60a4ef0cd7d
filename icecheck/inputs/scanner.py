"""``icecheck scan`` inputs: walk paths, recognise each file, run its reader. Never raises.

``scan_paths`` yields one ``ScanOutput`` per file: directories are walked (sorted, hidden
entries skipped, symlinked directories not followed); a file's format comes from its content
(``detect``) unless forced. An unrecognised or unreadable file yields an UNREADABLE document
with a diagnostic naming it, and the walk goes on. A reader that fails unexpectedly still
yields a document (with the error as a diagnostic) rather than a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from icecheck.inputs import jsonfile
from icecheck.inputs.capture import CaptureScan
from icecheck.inputs.detect import CAPTURES, Format, sniff
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sdpfile import read_sdp_stream
from icecheck.inputs.sink import Sink, WireFact
from icecheck.inputs.siplog import read_sip_log
from icecheck.inputs.source import Source, Tick, gzip_error, read_head
from icecheck.model import Diagnostic, InputDocument, InputKind, InputStatus, Origin

_KIND = {  # the document kind of each format read
    Format.PCAP: InputKind.PCAP,
    Format.PCAPNG: InputKind.PCAP,
    Format.HAR: InputKind.HAR,
    Format.WEBRTC_INTERNALS: InputKind.WEBRTC_INTERNALS,
    Format.RTCSTATSDUMP: InputKind.RTCSTATSDUMP,
    Format.TRICKLE: InputKind.TRICKLE,
    Format.JSON: InputKind.JSON,
    Format.SIP: InputKind.SIP,
    Format.SDP: InputKind.SDP,
    Format.UNKNOWN: InputKind.UNKNOWN,
}


@dataclass(frozen=True, slots=True)
class ScanOutput:
    """One file's result: the document for ``audit``, wire facts, and a one-line summary."""

    document: InputDocument
    wire: tuple[WireFact, ...] = ()
    summary: str | None = None


def walk(paths: Iterable[str]) -> Iterator[str]:
    """Files named, and the files under directories named (sorted, hidden ones skipped)."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield os.path.join(root, name)


def scan_paths(paths: Iterable[str], forced: Format | None = None, tick: Tick | None = None) -> Iterator[ScanOutput]:
    for path in walk(paths):
        yield scan_file(path, forced, tick)


def scan_file(path: str, forced: Format | None = None, tick: Tick | None = None) -> ScanOutput:
    """Read one file. Every failure is data."""
    try:
        head, _ = read_head(path)
    except OSError as exc:
        return _unreadable(path, exc.strerror or str(exc))
    fmt = forced or sniff(head)
    if fmt is Format.UNKNOWN:
        what = "empty file" if not head else "unrecognised content (not a capture, SIP, SDP, HAR or signalling JSON)"
        return _unreadable(path, f"{what}; skipped")
    sink = Sink(path)
    try:
        with Source(path, tick) as source:
            return _read(fmt, source, sink)
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        message = gzip_error(exc) or f"reading stopped: {type(exc).__name__}: {exc}"
        return ScanOutput(sink.document(_KIND[fmt], fatal=message), tuple(sink.wire.values()))


def _read(fmt: Format, source: Source, sink: Sink) -> ScanOutput:
    if fmt in CAPTURES:
        scan = CaptureScan(sink, source.tick)
        scan.run(source.stream)
        c = scan.counts
        summary = (
            f"{sink.path}: {scan.packets} packets, {c['stun']} STUN, {c['sip-udp']} SIP over UDP, "
            f"{c['reassembled']} reassembled datagrams"
        )
        return ScanOutput(
            sink.document(InputKind.PCAP, empty="no signalling or STUN found in the capture"),
            tuple(sink.wire.values()),
            summary,
        )
    if fmt is Format.SDP:
        return ScanOutput(read_sdp_stream(source.stream, sink.path))
    if fmt is Format.SIP:
        found = read_sip_log(source.stream, Dispatcher(sink))
        return ScanOutput(sink.document(InputKind.SIP, empty=None if found else "no SIP message found"))
    if fmt in (Format.TRICKLE, Format.RTCSTATSDUMP):
        jsonfile.read_json_lines(source, sink, fmt is Format.RTCSTATSDUMP)
        return ScanOutput(sink.document(_KIND[fmt]), tuple(sink.wire.values()))
    kind = jsonfile.read_json_document(source, sink, fmt)
    return ScanOutput(sink.document(_KIND[kind]), tuple(sink.wire.values()))


def _unreadable(path: str, message: str) -> ScanOutput:
    doc = InputDocument(
        path, InputKind.UNKNOWN, InputStatus.UNREADABLE, diagnostics=(Diagnostic(Origin(path), message),)
    )
    return ScanOutput(doc)
