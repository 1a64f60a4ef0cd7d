"""JSON inputs: HAR, webrtc-internals, RTCStatsDump, trickle JSON lines, signalling JSON.

Whole JSON documents are decoded in memory (capped at ``MAX_JSON`` bytes after gzip is
undone — these are saved by browsers, not captured at line rate); JSON lines and
RTCStatsDump are read one line at a time. The decoded value decides the reader
(``detect.classify_json``), so a misnamed or forced file still lands in the right place. A
document that is not JSON after all, or a line of JSON lines that is not, is searched as text
(``textlog``, ``Dispatcher.free_text``) before it is reported as invalid.
"""

from __future__ import annotations

import io
import json
from typing import Any

from icecheck.inputs import har, textlog
from icecheck.inputs.detect import Format, classify_json
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink
from icecheck.inputs.source import Source
from icecheck.inputs.webrtc import PeerConnectionReader, is_log_event
from icecheck.model import DiagnosticLevel, Origin

MAX_JSON = 512 << 20
MAX_LINE = 16 << 20


def read_json_document(source: Source, sink: Sink, forced: Format | None) -> Format:
    """Decode one JSON document and read it as HAR, webrtc-internals or signalling JSON."""
    data = source.stream.read(MAX_JSON + 1)
    if len(data) > MAX_JSON:
        sink.problem(Origin(sink.path), f"JSON document larger than {MAX_JSON >> 20} MiB; not read")
        return forced or Format.JSON
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        where = Origin(sink.path, line=getattr(exc, "lineno", None))
        if textlog.read_text_log(io.BytesIO(data), Dispatcher(sink)):  # a log that starts like JSON
            sink.problem(where, f"not one JSON document ({exc}); read as a text log", DiagnosticLevel.WARNING)
            return Format.TEXT
        sink.problem(where, f"invalid JSON: {exc}")
        return forced or Format.JSON
    kind = classify_json(value)
    disp = Dispatcher(sink)
    if kind is Format.HAR:
        har.read_har(value, disp)
    elif kind is Format.WEBRTC_INTERNALS:
        read_webrtc_internals(value, disp)
    elif not disp.json_value(value, Origin(sink.path)):
        sink.problem(
            Origin(sink.path), "JSON holds no SDP and no ICE candidates (not signalling)", DiagnosticLevel.WARNING
        )
    return kind


def read_webrtc_internals(dump: dict[str, Any], disp: Dispatcher) -> None:
    """Every PeerConnection's updateLog events, then its candidate stats series."""
    for pc_id, pc in dump["PeerConnections"].items():
        if isinstance(pc, dict):
            read_peer_connection(str(pc_id), pc, disp)


def read_peer_connection(pc_id: str, pc: dict[str, Any], disp: Dispatcher) -> None:
    """One PeerConnection of a webrtc-internals dump: its updateLog events, then its candidate stats."""
    reader = PeerConnectionReader(disp, Origin(disp.sink.path), pc_id)
    log = pc.get("updateLog")
    for i, event in enumerate(log if isinstance(log, list) else []):
        update_event(reader, pc_id, i, event)
    stats = pc.get("stats")
    if isinstance(stats, dict):
        objects: dict[str, dict[str, Any]] = {}
        for key, series in stats.items():
            add_series(objects, key, series)
        candidate_stats(reader, pc_id, objects)


def update_event(reader: PeerConnectionReader, pc_id: str, i: int, event: Any) -> None:
    """Event ``i`` of a PeerConnection's updateLog."""
    if isinstance(event, dict) and isinstance(event.get("type"), str):
        detail = f"{pc_id} updateLog[{i}] {event['type']}"
        reader.event(event["type"], event.get("value"), detail, _time(event.get("time")))


def candidate_stats(reader: PeerConnectionReader, pc_id: str, objects: dict[str, dict[str, Any]]) -> None:
    """The candidate stats objects ``add_series`` gathered, read after the updateLog."""
    for stats_id, attrs in objects.items():
        reader.candidate_stats(stats_id, attrs, reader.base._replace(detail=f"{pc_id} stats"))


def add_series(out: dict[str, dict[str, Any]], key: str, series: Any) -> None:
    """A ``<statsId>-<attr>`` series of a candidate's stats → ``out[statsId][attr]`` = its last
    value (and ``out[statsId]["type"]`` = its statsType); other series are left out."""
    if not isinstance(series, dict) or series.get("statsType") not in ("local-candidate", "remote-candidate"):
        return
    stats_id, _, attr = key.rpartition("-")
    try:
        values = json.loads(series.get("values", "[]"))
    except (TypeError, ValueError):
        return
    if stats_id and isinstance(values, list) and values:
        obj = out.setdefault(stats_id, {"type": series["statsType"]})
        obj[attr] = values[-1]


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
            reader.event(value[0], value[2], f"line {lineno} {value[0]}", _time(value[3]) if len(value) > 3 else None)
            found += 1
        else:
            found += disp.json_value(value, where)
    if not found and not sink.found_anything:
        sink.problem(Origin(sink.path), "no line holds SDP or ICE candidates", DiagnosticLevel.WARNING)


def _time(value: Any) -> float | None:
    """Epoch seconds from a number of seconds or milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000.0 if value > 1e11 else float(value)
    return None
