"""``icecheck scan`` inputs: walk paths, recognise each file, run its reader. Never raises.

``scan_paths`` yields one ``ScanOutput`` per file: directories are walked (sorted, hidden
entries skipped, symlinked directories not followed); a file's format comes from its content
(``detect``) unless forced. An unrecognised or unreadable file yields an UNREADABLE document
with a diagnostic naming it, and the walk goes on. A reader that fails unexpectedly still
yields a document (with the error as a diagnostic) rather than a traceback.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from icecheck.inputs import jsonfile
from icecheck.inputs.capture import CaptureScan
from icecheck.inputs.detect import CAPTURES, Format, sniff
from icecheck.inputs.lanes import Lane
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sdpfile import read_sdp_stream
from icecheck.inputs.sink import Sink, WireFact
from icecheck.inputs.siplog import read_sip_log
from icecheck.inputs.source import Source, Tick, gzip_error, read_head
from icecheck.model import Diagnostic, InputDocument, InputStatus, Origin
from icecheck.records import record

_KIND = {Format.PCAPNG: "pcap", Format.TRICKLE: "trickle", Format.RTCSTATSDUMP: "rtcstatsdump"}


@record
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


def scan_paths(
    paths: Iterable[str],
    forced: Format | None = None,
    tick: Tick | None = None,
    jobs: int = 1,
    dask: str | None = None,
    parts: int | None = None,
) -> Iterator[ScanOutput]:
    """Every file's output in walk order; ``jobs`` > 1 reads them in that many processes
    (``inputs.jobs``), ``dask`` on that Dask scheduler's workers (``inputs.cluster``: a large
    capture in ``parts`` parts, by default one per worker thread)."""
    files = list(walk(paths))
    if dask is not None:
        from icecheck.inputs.cluster import scan_on_dask

        yield from scan_on_dask(files, forced, dask, parts, tick=tick)
        return
    if jobs > 1:
        from icecheck.inputs import jobs as pool

        if pool.worth_it(files):
            yield from pool.scan_files(files, forced, jobs, tick=tick)
            return
    for path in files:
        yield scan_file(path, forced, tick)


def scan_file(path: str, forced: Format | None = None, tick: Tick | None = None) -> ScanOutput:
    """Read one file. Every failure is data."""
    try:
        head, _ = read_head(path)
    except OSError as exc:
        return unreadable(path, exc.strerror or str(exc))
    fmt = forced or sniff(head)
    if fmt is Format.UNKNOWN:
        what = "empty file" if not head else "unrecognised content (not a capture, SIP, SDP, HAR or signalling JSON)"
        return unreadable(path, f"{what}; skipped")
    if fmt in CAPTURES:
        return capture_output(read_capture(path, tick))
    sink = Sink(path)
    try:
        with Source(path, tick) as source:
            return _read(fmt, source, sink)
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        message = gzip_error(exc) or f"reading stopped: {type(exc).__name__}: {exc}"
        return ScanOutput(sink.document(_KIND.get(fmt, fmt.value), fatal=message), tuple(sink.wire.values()))


@dataclass
class CapturePart:
    """What one process read of a capture: its sink (all of the capture's items, or with
    ``--jobs`` the part it dispatched, ``lanes``), the summary line, and why reading stopped
    early (``fatal``) at which place in the global order (``failed_at``)."""

    sink: Sink
    summary: str | None = None
    fatal: str | None = None
    failed_at: int = -1


def read_capture(path: str, tick: Tick | None = None, part: int = 0, parts: int = 1) -> CapturePart:
    """Read a pcap/pcapng (or its gzip) as part ``part`` of ``parts``. Every failure is data."""
    sink = Sink(path)
    lane = Lane(sink, part, parts)
    try:
        with Source(path, tick) as source, collector_paused():
            scan = CaptureScan(sink, source.tick, lane)
            scan.run(source.stream)
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        return CapturePart(sink, None, gzip_error(exc) or f"reading stopped: {type(exc).__name__}: {exc}", lane.ordinal)
    c = scan.counts
    summary = (
        f"{sink.path}: {scan.packets} packets, {c['stun']} STUN, {c['sip-udp']} SIP over UDP, "
        f"{c['reassembled']} reassembled datagrams"
    )
    return CapturePart(sink, summary)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a capture's reader builds a great many small acyclic
    objects (records, origins, keys), which reference counting frees, and the collector walking
    the growing heap again and again took a sixth of the read of a media-heavy capture (and most of
    the unpickling of ``--jobs`` parts). The one cycle the reader makes, a TCP connection and its
    two directions, is broken when the connection closes. The collector runs again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def capture_output(read: CapturePart) -> ScanOutput:
    """The ``ScanOutput`` of a capture read whole (or of its parts, merged)."""
    sink = read.sink
    if read.fatal is not None:
        return ScanOutput(sink.document("pcap", fatal=read.fatal), tuple(sink.wire.values()))
    empty = "no signalling or STUN found in the capture"
    return ScanOutput(sink.document("pcap", empty=empty), tuple(sink.wire.values()), read.summary)


def _read(fmt: Format, source: Source, sink: Sink) -> ScanOutput:
    if fmt is Format.SDP:
        return ScanOutput(read_sdp_stream(source.stream, sink.path))
    if fmt is Format.SIP:
        found = read_sip_log(source.stream, Dispatcher(sink))
        return ScanOutput(sink.document("sip", empty=None if found else "no SIP message found"))
    if fmt in (Format.TRICKLE, Format.RTCSTATSDUMP):
        jsonfile.read_json_lines(source, sink, fmt is Format.RTCSTATSDUMP)
        return ScanOutput(sink.document(_KIND[fmt]), tuple(sink.wire.values()))
    kind = jsonfile.read_json_document(source, sink, fmt)
    return ScanOutput(sink.document(kind.value), tuple(sink.wire.values()))


def unreadable(path: str, message: str) -> ScanOutput:
    """The output of a file that could not be read at all."""
    doc = InputDocument(path, "unknown", InputStatus.UNREADABLE, diagnostics=(Diagnostic(Origin(path), message),))
    return ScanOutput(doc)
