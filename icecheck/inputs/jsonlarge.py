"""JSON documents too large to decode whole, read in parts (``jsonstream``): HAR, webrtc-internals, any JSON.

``read_large`` reads what ``jsonfile.read_json_document`` would, with memory bounded by the
largest *small* value (``jsonstream.BIG``), not by the document. The document's kind comes from
its head (``detect.sniff`` or ``--input-format``), since its end is not known yet:

* HAR: only ``log.entries`` is read, one entry at a time (``har.read_entry``), as when read whole;
* webrtc-internals: only ``PeerConnections``, one PeerConnection at a time; a large one by its
  updateLog events one at a time, then its candidate stats (only each series' last value kept);
* anything else is walked as ``jsonsig`` walks a decoded value, one small value at a time.

Where a value is large, the reading differs from reading whole, and only there:

* an object's members see the context (``sdpMid``, ``sdpMLineIndex``, ``usernameFragment``) and
  ``type`` of the siblings before them, not after;
* a large string is read as a text log (``textlog``: candidate strings, SDP printed over lines,
  Jingle, JSON on a line), its items located by the JSON path and the line of the string;
* a HAR entry too large to decode whole is read member by member: its WebSocket messages one at a
  time (before its request and response bodies, labelled by the request only if it came first); a
  request or response too large to decode whole is walked as any JSON (a warning says so: its
  body is searched as text, base64 is not decoded, no HTTP labels);
* a document whose head looked like a HAR (a webrtc-internals dump) but that holds no
  ``log.entries`` (``PeerConnections``) is reported as an error: nothing else of it was read.

A value that ``value()`` decodes whole is read exactly as before (``read_value``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from icecheck.inputs import candfields, har, jsonsig, textlog, webrtc
from icecheck.inputs.detect import Format, classify_json
from icecheck.inputs.jsonstream import BIG, LARGE, MAX_STRUCTURE, SMALL, JsonReader, JsonStreamError, decoded_chunks
from icecheck.inputs.payload import Dispatcher
from icecheck.model import DiagnosticLevel, Origin

MAX_LINE = textlog.MAX_LINE  # characters of a line of a large string read at once
MAX_KEPT_TEXT = 4096  # longer strings are not kept as an object's context or fields
MAX_FOUND = 10_000  # candidate strings of one large object kept to tell its fields apart
MAX_STATS = 100_000  # candidate stats objects of one large PeerConnection
_OVERLAP = 8192  # a candidate string is shorter: a line cut keeps a candidate whole
_KEPT = frozenset(
    {"sdpMid", "sdpMLineIndex", "usernameFragment", "id", "label", "candidate", "type"}
    | {name for names in (candfields.ADDRESS, candfields.PORT, candfields.TYPE, candfields.PROTOCOL,
                          candfields.PRIORITY, candfields.FOUNDATION, candfields.COMPONENT,
                          candfields.RELATED_ADDRESS, candfields.RELATED_PORT, candfields.TCPTYPE,
                          candfields.UFRAG, candfields.GENERATION, candfields.NETWORK) for name in names}
)  # fmt: skip
_TOO_LARGE = f"more than {BIG >> 20} Mi characters, or more than {SMALL >> 20} Mi with over {MAX_STRUCTURE:,} values"


def read_value(value: Any, disp: Dispatcher) -> Format:
    """A decoded document: read as HAR, webrtc-internals or signalling JSON (``classify_json``)."""
    kind = classify_json(value)
    if kind is Format.HAR:
        har.read_har(value, disp)
    elif kind is Format.WEBRTC_INTERNALS:
        webrtc.read_webrtc_internals(value, disp)
    elif not disp.json_value(value, Origin(disp.sink.path)):
        disp.sink.problem(
            Origin(disp.sink.path), "JSON holds no SDP and no ICE candidates (not signalling)", DiagnosticLevel.WARNING
        )
    return kind


def read_large(head: bytes, stream: BinaryIO, disp: Dispatcher, hint: Format | None) -> Format:
    """Read the JSON document that starts with ``head`` and goes on in ``stream``; returns its kind.
    Malformed JSON is an error naming the line; what was read before it is kept."""
    doc = _Document(JsonReader(decoded_chunks(head, stream)), disp, hint)
    try:
        doc.read()
        doc.reader.end()
    except JsonStreamError as exc:
        disp.sink.problem(Origin(disp.sink.path, line=exc.line), f"invalid JSON: {exc.message}")
        return doc.kind or hint or Format.JSON
    return doc.kind or Format.JSON


class _Document:
    def __init__(self, reader: JsonReader, disp: Dispatcher, hint: Format | None) -> None:
        self.reader = reader
        self.disp = disp
        self.hint = hint
        self.kind: Format | None = None
        self.found = 0
        self.stats_cut = False
        self.base = Origin(disp.sink.path)

    def read(self) -> None:
        r = self.reader
        value = r.value()
        if value is not LARGE:
            self.kind = read_value(value, self.disp)
            return
        if r.peek() == "{" and self.hint in (Format.HAR, Format.WEBRTC_INTERNALS):
            for key in r.members():
                if key == "log" and self.hint is Format.HAR:
                    self._har_log()
                elif key == "PeerConnections" and self.hint is Format.WEBRTC_INTERNALS:
                    self._peer_connections()
            if self.kind is None:
                what = "log.entries array" if self.hint is Format.HAR else "PeerConnections object"
                self._problem(f"a large JSON document that starts like a {self.hint} holds no {what}: not read")
            return
        self.kind = Format.JSON
        self._large("$", 0, jsonsig.NO_CONTEXT)
        if not self.found and not self.disp.sink.found_anything:
            self._problem("JSON holds no SDP and no ICE candidates (not signalling)", DiagnosticLevel.WARNING)

    def _problem(self, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR, detail: str | None = None) -> None:
        self.disp.sink.problem(self.base._replace(detail=detail), message, level)

    # -- any JSON ------------------------------------------------------------------------------

    def _walk(self, path: str, depth: int, context: jsonsig.Context, value: Any) -> None:
        """``value`` (``LARGE``: the value at the cursor), walked as ``jsonsig.Walker.walk`` walks it."""
        if value is LARGE:
            self._large(path, depth, context)
        elif depth <= jsonsig.MAX_DEPTH:
            self.found += self.disp.items(jsonsig.Walker().walk(value, path, depth, context), self.base)

    def _large(self, path: str, depth: int, context: jsonsig.Context) -> None:
        r = self.reader
        if depth > jsonsig.MAX_DEPTH:
            r.skip()
        elif r.peek() == "{":
            self._object(path, depth)
        elif r.peek() == "[":
            for i, value in r.values():
                self._walk(f"{path}[{i}]", depth + 1, context, value)
        else:
            self._text(path)

    def _object(self, path: str, depth: int) -> None:
        """A large object, member by member (``jsonsig.Walker.member``); its candidate fields at its end."""
        r = self.reader
        shell: dict[str, Any] = {}  # the members that give context, type and candidate fields
        found: list[str] = []
        for key in r.members():
            where = f"{path}.{jsonsig.key_path(key)}"
            context = jsonsig.context_of(shell)
            value = r.value()
            if key in _KEPT:
                shell[key] = value if _kept(value) else None
            if value is LARGE:
                if depth + 1 <= jsonsig.MAX_DEPTH:
                    self._large(where, depth + 1, context)
                continue
            items = jsonsig.Walker().member(shell, key, value, where, depth, context, found)
            self.found += self.disp.items(items, self.base)
            del found[MAX_FOUND:]
        self.found += self.disp.items(jsonsig.fields_item(shell, path, jsonsig.context_of(shell), found), self.base)

    def _text(self, path: str) -> None:
        """A large string, read as a text log."""
        within = self.base._replace(detail=path)
        self.found += textlog.read_lines(_lines(self.reader.string_pieces()), self.disp, within)

    # -- HAR -----------------------------------------------------------------------------------

    def _har_log(self) -> None:
        r = self.reader
        log = r.value()
        if log is not LARGE:
            if isinstance(log, dict) and isinstance(log.get("entries"), list):
                self.kind = Format.HAR
                har.read_har({"log": log}, self.disp)
            return
        if r.peek() != "{":
            return
        for key in r.members():
            if key != "entries":
                continue
            entries = r.value()
            if entries is not LARGE:
                if isinstance(entries, list):
                    self.kind = Format.HAR
                    for i, entry in enumerate(entries):
                        har.read_entry(i, entry, self.disp)
                continue
            if r.peek() != "[":
                continue
            self.kind = Format.HAR
            for i, entry in r.values():
                if entry is not LARGE:
                    har.read_entry(i, entry, self.disp)
                    continue
                self._har_entry(i)

    def _har_entry(self, i: int) -> None:
        """A large HAR entry: its WebSocket messages one at a time (labelled by the request before
        them), then its request and response as ``har.read_entry`` reads them; a large request or
        response is searched as any JSON."""
        r = self.reader
        entry: dict[str, Any] = {}
        for key in r.members():
            value = r.value()
            if value is not LARGE:
                if key in ("request", "response", "_webSocketMessages"):
                    entry[key] = value
            elif key == "_webSocketMessages" and r.peek() == "[":
                label, url = har.entry_label(i, entry)
                for j, message in r.values():
                    if message is LARGE:
                        what = f"WebSocket message of {_TOO_LARGE}: searched as any JSON"
                        path = f"{label}, WebSocket message {j + 1}"
                        self._problem(what, DiagnosticLevel.WARNING, path)
                        self._large(path, 4, jsonsig.NO_CONTEXT)
                    else:
                        har.websocket_message(j + 1, message, self.disp, label, f"ws {url} (entry {i})")
            elif key in ("request", "response"):
                path = f"$.log.entries[{i}].{key}"
                self._problem(f"HAR {key} of {_TOO_LARGE}: searched as any JSON", DiagnosticLevel.WARNING, path)
                self._large(path, 3, jsonsig.NO_CONTEXT)
        har.read_entry(i, entry, self.disp)

    # -- webrtc-internals ----------------------------------------------------------------------

    def _peer_connections(self) -> None:
        r = self.reader
        pcs = r.value()
        if pcs is not LARGE:
            if isinstance(pcs, dict):
                self.kind = Format.WEBRTC_INTERNALS
                webrtc.read_webrtc_internals({"PeerConnections": pcs}, self.disp)
            return
        if r.peek() != "{":
            return
        self.kind = Format.WEBRTC_INTERNALS
        for pc_id in r.members():
            pc = r.value()
            if pc is not LARGE:
                if isinstance(pc, dict):
                    webrtc.read_peer_connection(pc_id, pc, self.disp)
            elif r.peek() == "{":
                self._peer_connection(pc_id)

    def _peer_connection(self, pc_id: str) -> None:
        """A large PeerConnection: its updateLog events as they come, its candidate stats at its end."""
        r = self.reader
        reader = webrtc.PeerConnectionReader(self.disp, self.base, pc_id)
        objects: dict[str, dict[str, Any]] = {}
        for key in r.members():
            if key not in ("updateLog", "stats"):
                continue
            value = r.value()
            if value is not LARGE:
                if key == "updateLog" and isinstance(value, list):
                    for i, event in enumerate(value):
                        webrtc.update_event(reader, pc_id, i, event)
                elif key == "stats" and isinstance(value, dict):
                    for name, series in value.items():
                        self._series(objects, name, series, pc_id)
            elif key == "updateLog" and r.peek() == "[":
                for i, event in r.values():
                    if event is LARGE:
                        self._problem(f"updateLog event of {_TOO_LARGE}: not read", detail=f"{pc_id} updateLog[{i}]")
                    else:
                        webrtc.update_event(reader, pc_id, i, event)
            elif key == "stats" and r.peek() == "{":
                for name in r.members():
                    series = r.value()
                    if series is LARGE:
                        self._problem(f"stats series of {_TOO_LARGE}: not read", detail=f"{pc_id} stats {name}")
                    else:
                        self._series(objects, name, series, pc_id)
        webrtc.candidate_stats(reader, pc_id, objects)
        reader.done()

    def _series(self, objects: dict[str, dict[str, Any]], name: str, series: Any, pc_id: str) -> None:
        if len(objects) < MAX_STATS or name.rpartition("-")[0] in objects:
            webrtc.add_series(objects, name, series)
        elif not self.stats_cut:
            self.stats_cut = True
            message = f"more than {MAX_STATS:,} candidate stats objects: the rest not read"
            self._problem(message, detail=f"{pc_id} stats")


def _kept(value: Any) -> bool:
    """A member value worth keeping for its object's context and fields: a short scalar."""
    if isinstance(value, str):
        return len(value) <= MAX_KEPT_TEXT
    return value is not LARGE and not isinstance(value, (dict, list))


def _lines(pieces: Iterator[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) per line of a string given in pieces; a line longer than ``MAX_LINE``
    comes in parts with one number, cut before a candidate string rather than through it."""
    lineno, carry = 1, ""
    for piece in pieces:
        text = carry + piece if carry else piece
        start = 0
        while True:
            newline = text.find("\n", start)
            if newline < 0:
                break
            yield lineno, text[start:newline].rstrip("\r")
            lineno += 1
            start = newline + 1
        carry = text[start:]
        while len(carry) > MAX_LINE:
            cut = _cut(carry)
            yield lineno, carry[:cut]
            carry = carry[cut:]
    if carry:
        yield lineno, carry.rstrip("\r")


def _cut(text: str) -> int:
    """Where to cut a line that is too long: before the last candidate string that starts near
    ``MAX_LINE``, else at ``MAX_LINE``."""
    at = text.rfind("candidate:", MAX_LINE - _OVERLAP, MAX_LINE + len("candidate:") - 1)
    if at < 0:
        return MAX_LINE
    at -= 2 if text.startswith("a=", at - 2) else 0
    return at if at > 0 else MAX_LINE
