"""``icecheck scan`` inputs: walk paths, recognise each file, run its reader. Never raises.

``scan_paths`` yields one ``ScanOutput`` per file: directories are walked (sorted, hidden
entries skipped, symlinked directories not followed); a file's format comes from its content
(``detect``) unless forced. An unrecognised or unreadable file yields an UNREADABLE document
with a diagnostic naming it, and the walk goes on. A reader that fails unexpectedly still
yields a document (with the error as a diagnostic) rather than a traceback.

``scan_inputs`` is what ``icecheck scan`` reads: the same, except that a file met while walking
a folder that was read to its end and holds no signalling is skipped (its path listed, no
document), and a folder in which no file held signalling yields one EMPTY document naming the
folder. A file named on the command line always yields its document, so a run can tell the
user which named input gave nothing. A file that could not be read (an I/O error, a reader that
stopped) is never skipped: it might have held signalling.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from icecheck.inputs.capture import CaptureScan
from icecheck.inputs.detect import CAPTURES, Format, sniff
from icecheck.inputs.lanes import Lane
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink, WireFact
from icecheck.inputs.source import Data, Source, Tick, gzip_error, read_head, spool
from icecheck.model import Diagnostic, InputDocument, InputKind, InputStatus, Origin

Reader = Callable[[Sequence[str]], Iterator[tuple["ScanOutput", bool]]]  # files → (output, no signalling)


class ClusterError(Exception):
    """A reader's cluster cannot be used (``cluster``: not installed, unreachable): one line for
    the user. Defined here, so that ``icecheck scan`` catches it without importing the cluster's
    and the pool's modules."""


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
    Format.TEXT: InputKind.TEXT,
    Format.UNKNOWN: InputKind.UNKNOWN,
}
STDIN = "<stdin>"  # the name standard input goes by in reports
HEAD = 65536  # bytes (decompressed) a file's format is recognised by


@dataclass(frozen=True, slots=True)
class ScanOutput:
    """One file's result: the document for ``audit``, wire facts, and a one-line summary."""

    document: InputDocument
    wire: tuple[WireFact, ...] = ()
    summary: str | None = None


def walk(paths: Iterable[str]) -> Iterator[str]:
    """Files named, and the files under directories named (sorted; hidden ones, FIFOs, sockets and
    devices skipped; a dangling link kept, to be reported unreadable)."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                full = os.path.join(root, name)  # no FIFO, socket or device: reading one may never end
                if not name.startswith(".") and (os.path.isfile(full) or not os.path.exists(full)):
                    yield full


def _pipe(path: str) -> bool:
    """Whether ``path`` names a pipe (``<(command)`` in a shell): read once, as standard input is."""
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class ScanRun:
    """What ``scan_inputs`` read: one output per input, and the folder files skipped (no signalling)."""

    outputs: tuple[ScanOutput, ...]
    skipped: tuple[str, ...]


def scan_paths(paths: Iterable[str], forced: Format | None = None, tick: Tick | None = None) -> Iterator[ScanOutput]:
    for path in walk(paths):
        yield scan_file(path, forced, tick)


def scan_inputs(
    paths: Iterable[str],
    forced: Format | None = None,
    tick: Tick | None = None,
    stdin: bytes | BinaryIO | None = None,
    read: Reader | None = None,
) -> ScanRun:
    """Read the paths named on the command line; folder files without signalling skipped (module doc).
    ``-`` is standard input (``stdin``: its bytes, or the stream, copied to a temporary file and
    read from there), named ``<stdin>``. ``read`` reads the
    list of files in parallel (``inputs.parallel``): each file's output and whether it held no
    signalling, in order, as ``read_file`` gives them."""
    named = [(path, list(walk((path,))) if path != "-" and os.path.isdir(path) else None) for path in paths]
    pipes = {path for path, names in named if names is None and path != "-" and _pipe(path)}
    files = [
        name
        for path, names in named
        for name in (names if names is not None else (path,))
        if name != "-" and name not in pipes
    ]
    results = read(files) if read is not None else (read_file(name, forced, tick) for name in files)
    outputs: list[ScanOutput] = []
    skipped: list[str] = []
    for path, names in named:
        if path == "-":
            outputs.append(_read_once(STDIN, stdin if stdin is not None else b"", forced, tick))
            continue
        if path in pipes:
            outputs.append(_read_pipe(path, forced, tick))
            continue
        if names is None:
            outputs.append(next(results)[0])
            continue
        kept, passed = len(outputs), len(skipped)
        for name in names:
            out, no_signalling = next(results)
            if no_signalling:
                skipped.append(name)
            else:
                outputs.append(out)
        if len(outputs) == kept:
            n = len(skipped) - passed
            what = f"no file in this folder holds signalling ({n} skipped)" if n else "no file in this folder"
            doc = InputDocument(
                path, InputKind.FOLDER, InputStatus.EMPTY, diagnostics=(Diagnostic(Origin(path), what),)
            )
            outputs.append(ScanOutput(doc))
    return ScanRun(tuple(outputs), tuple(skipped))


def _read_pipe(path: str, forced: Format | None, tick: Tick | None) -> ScanOutput:
    """A pipe's output: what it gives, read once (a second open would find it drained)."""
    try:
        with open(path, "rb") as pipe:
            return _read_once(path, pipe, forced, tick)
    except OSError as exc:
        return unreadable(path, exc.strerror or str(exc))


def _read_once(name: str, given: bytes | BinaryIO, forced: Format | None, tick: Tick | None) -> ScanOutput:
    """An input that can be read once (``given``: its bytes, or its stream, which is first copied to
    a temporary file, removed after: memory stays flat), read under ``name``."""
    if isinstance(given, bytes):
        return scan_file(name, forced, tick, given)
    copied = spool(given)
    try:
        return scan_file(name, forced, tick, copied)
    finally:
        os.unlink(copied.file)


def scan_file(
    path: str, forced: Format | None = None, tick: Tick | None = None, data: Data | None = None
) -> ScanOutput:
    """Read one file (or ``data`` under the name ``path``). Every failure is data."""
    return read_file(path, forced, tick, data)[0]


def read_file(
    path: str, forced: Format | None = None, tick: Tick | None = None, data: Data | None = None
) -> tuple[ScanOutput, bool]:
    """The file's output, and whether the file was read and holds no signalling: its content is
    not recognised, or it was read to its end and gave nothing to audit (a text format that turned
    out not to be signalling, a capture without any). A file that could not be read (an I/O
    error, a reader that stopped, a capture whose records are broken) is not such a file."""
    try:
        head, _ = read_head(path, HEAD, data=data)
    except OSError as exc:
        return unreadable(path, exc.strerror or str(exc)), False
    fmt = forced or sniff(head, more=len(head) >= HEAD)
    if fmt is Format.UNKNOWN:
        what = "empty file" if not head else "unrecognised content (not a capture, SIP, SDP, HAR or signalling JSON)"
        return unreadable(path, what), True
    if fmt in CAPTURES:
        return capture_result(read_capture(path, tick, data=data))
    sink = Sink(path)
    try:
        with Source(path, tick, data) as source:
            out = _read(fmt, source, sink)
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        message = gzip_error(exc) or f"reading stopped: {type(exc).__name__}: {exc}"
        return ScanOutput(sink.document(_KIND[fmt], fatal=message), tuple(sink.wire.values())), False
    return no_signalling(out, fmt)


def no_signalling(out: ScanOutput, fmt: Format) -> tuple[ScanOutput, bool]:
    """``out``, and whether its file was read to its end and gave nothing to audit (see ``read_file``)."""
    status = out.document.status
    nothing = status is InputStatus.EMPTY or (status is InputStatus.UNREADABLE and fmt not in CAPTURES)
    return out, nothing and not out.wire


def capture_result(read: CapturePart) -> tuple[ScanOutput, bool]:
    """A capture's output (read whole, or its parts merged) and whether it held no signalling; one
    whose reading stopped early might have held some."""
    out = capture_output(read)
    return (out, False) if read.fatal is not None else no_signalling(out, Format.PCAP)


@dataclass
class CapturePart:
    """What one process read of a capture: its sink (all of the capture's items, or with
    ``--jobs`` the part it dispatched, ``lanes``), the summary line, and why reading stopped
    early (``fatal``) at which place in the global order (``failed_at``)."""

    sink: Sink
    summary: str | None = None
    fatal: str | None = None
    failed_at: int = -1


def read_capture(
    path: str, tick: Tick | None = None, part: int = 0, parts: int = 1, data: Data | None = None
) -> CapturePart:
    """Read a pcap/pcapng (or its gzip; or ``data`` under the name ``path``) as part ``part`` of
    ``parts``. Every failure is data."""
    sink = Sink(path)
    lane = Lane(sink, part, parts)
    try:
        with Source(path, tick, data) as source:
            scan = CaptureScan(sink, source.tick, lane)
            scan.run(source.stream)
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        return CapturePart(sink, None, gzip_error(exc) or f"reading stopped: {type(exc).__name__}: {exc}", lane.ordinal)
    return CapturePart(sink, scan.summary())


def capture_output(read: CapturePart) -> ScanOutput:
    """The ``ScanOutput`` of a capture read whole (or of its parts, merged)."""
    sink = read.sink
    if read.fatal is not None:
        return ScanOutput(sink.document(InputKind.PCAP, fatal=read.fatal), tuple(sink.wire.values()))
    empty = "no signalling or STUN found in the capture"
    return ScanOutput(sink.document(InputKind.PCAP, empty=empty), tuple(sink.wire.values()), read.summary)


def _read(fmt: Format, source: Source, sink: Sink) -> ScanOutput:
    # The readers of files that are not captures, imported when one is read: a capture's scan
    # starts without them (about 12 ms of imports: the JSON, HAR and webrtc-internals readers).
    from icecheck.inputs import jsonfile
    from icecheck.inputs.sdpfile import read_sdp_stream
    from icecheck.inputs.siplog import read_sip_log
    from icecheck.inputs.textlog import read_text_log

    if fmt is Format.SDP:
        return _noted(ScanOutput(read_sdp_stream(source.stream, sink.path)))
    if fmt is Format.SIP:
        found = read_sip_log(source.stream, Dispatcher(sink))
        return ScanOutput(sink.document(InputKind.SIP, empty=None if found else "no SIP message found"))
    if fmt is Format.TEXT:
        found = read_text_log(source.stream, Dispatcher(sink))
        empty = None if found else "no candidate, SDP, JSON signalling or Jingle found in the text"
        return _noted(ScanOutput(sink.document(InputKind.TEXT, empty=empty), tuple(sink.wire.values())))
    if fmt in (Format.TRICKLE, Format.RTCSTATSDUMP):
        jsonfile.read_json_lines(source, sink, fmt is Format.RTCSTATSDUMP)
        return _noted(ScanOutput(sink.document(_KIND[fmt]), tuple(sink.wire.values())))
    kind = jsonfile.read_json_document(source, sink, fmt)
    return _noted(ScanOutput(sink.document(_KIND[kind]), tuple(sink.wire.values())))


def _noted(out: ScanOutput) -> ScanOutput:
    """A note for an input whose only signalling is end-of-candidates: a valid audit of nothing."""
    doc = out.document
    if doc.candidates or not doc.end_of_candidates or doc.status is not InputStatus.OK:
        return out
    note = (
        f"{doc.path}: {doc.end_of_candidates} end-of-candidates indication(s) and no candidate: "
        "the application gathered none (e.g. a relay-only policy with no TURN server reachable)."
    )
    return ScanOutput(doc, out.wire, note if out.summary is None else f"{out.summary}; {note}")


def unreadable(path: str, message: str) -> ScanOutput:
    """The output of a file that could not be read at all."""
    doc = InputDocument(
        path, InputKind.UNKNOWN, InputStatus.UNREADABLE, diagnostics=(Diagnostic(Origin(path), message),)
    )
    return ScanOutput(doc)
