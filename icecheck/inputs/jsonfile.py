"""JSON inputs: HAR, webrtc-internals, RTCStatsDump, trickle JSON lines, signalling JSON.

A JSON document is decoded whole when it is small (``jsonstream.SMALL``, or ``jsonstream.BIG``
with few values), else read in parts (``jsonlarge``: memory bounded whatever its size); JSON lines
and RTCStatsDump are read one line at a time. The decoded value decides the reader
(``detect.classify_json``), so a misnamed or forced file still lands in the right place. A
document that is not JSON after all, or a line of JSON lines that is not, is searched as text
(``textlog``, ``Dispatcher.free_text``) before it is reported as invalid.
"""

from __future__ import annotations

import io
import json

from icecheck.inputs import jsonlarge, jsonstream, textlog
from icecheck.inputs.detect import Format
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink
from icecheck.inputs.source import Source
from icecheck.inputs.webrtc import PeerConnectionReader, event_time, is_log_event
from icecheck.model import DiagnosticLevel, Origin

MAX_LINE = 16 << 20


def read_json_document(source: Source, sink: Sink, hint: Format | None) -> Format:
    """Read one JSON document as HAR, webrtc-internals or signalling JSON; returns its kind.

    A document of at most ``jsonstream.SMALL`` bytes, or of at most ``jsonstream.BIG`` bytes with
    few values, is decoded whole (``jsonlarge.read_value``); a larger one is read in parts
    (``jsonlarge.read_large``, guided by ``hint``, the format its head showed)."""
    data = source.stream.read(jsonstream.BIG + 1)
    values = data.count(b",") + data.count(b"{") + data.count(b"[")
    if len(data) > jsonstream.BIG or (len(data) > jsonstream.SMALL and values > jsonstream.MAX_STRUCTURE):
        return jsonlarge.read_large(data, source.stream, Dispatcher(sink), hint)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        where = Origin(sink.path, line=getattr(exc, "lineno", None))
        if textlog.read_text_log(io.BytesIO(data), Dispatcher(sink)):  # a log that starts like JSON
            sink.problem(where, f"not one JSON document ({exc}); read as a text log", DiagnosticLevel.WARNING)
            return Format.TEXT
        sink.problem(where, f"invalid JSON: {exc}")
        return hint or Format.JSON
    return jsonlarge.read_value(value, Dispatcher(sink))


def read_json_lines(source: Source, sink: Sink, statsdump: bool) -> None:
    """Trickle JSON lines (any signalling per line) or RTCStatsDump event arrays."""
    disp = Dispatcher(sink)
    readers: dict[str, PeerConnectionReader] = {}
    found = 0
    for lineno, raw in enumerate(iter(lambda: source.stream.readline(MAX_LINE), b""), 1):
        line = raw.strip()
        if not line or (statsdump and (line == b"RTCStatsDump" or line.startswith(b'{"fileFormat"'))):
            continue
        where = Origin(sink.path, line=lineno)
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            text_found = disp.free_text(line.decode("utf-8", "replace"), where)  # a log line between
            if not text_found:
                sink.problem(where, f"invalid JSON: {exc}", DiagnosticLevel.WARNING)
            found += text_found
            continue
        if statsdump and isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str):
            if value[1] is None and is_log_event(value[0].lower()):  # console output of no PeerConnection
                found += disp.json_value(value[2], where._replace(detail=f"line {lineno} {value[0]}"))
                continue
            pc_id = str(value[1])
            reader = readers.setdefault(pc_id, PeerConnectionReader(disp, Origin(sink.path), pc_id))
            time = event_time(value[3]) if len(value) > 3 else None
            reader.event(value[0], value[2], f"line {lineno} {value[0]}", time)
            found += 1
        else:
            found += disp.json_value(value, where)
    if not found and not sink.found_anything:
        sink.problem(Origin(sink.path), "no line holds SDP or ICE candidates", DiagnosticLevel.WARNING)
