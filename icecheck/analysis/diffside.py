"""One side of ``icecheck diff`` put into a ``diff.Collector``: a JSON report read in parts, or an audit.

``add_report_file`` reads a file as a JSON report with ``inputs.jsonstream`` (memory bounded by
one item of a list, never by the document), putting its items into the collector as it goes. A
list is decoded in runs of elements (``JsonReader.runs``: up to ``jsonstream.RUN`` characters of
elements at a time by ``json``'s own scanner, not token by token), the lists a diff does not compare
(``parties``, ``attempts``, ...) too, only to be checked and passed over.
The file is a report when the whole of it decodes as ``json.loads`` decodes bytes and its value is
an object with ``schema_version``, ``findings`` and ``exposures`` (``diff.is_report``); otherwise
what was put is taken back and the caller audits the file as an input. An object's key given
twice counts once, with its last value, as ``json.loads`` has it; the addresses compared are a
report's ``candidates`` then its ``addresses``, whatever their order in the file (a report whose
``candidates`` follow its ``addresses``, or where either repeats, is read again for them). A
report whose lists are not lists of objects is bad input (``BadReport``: one line, exit 2).
Where ``jsonstream`` differs from ``json.loads`` this does too, on items longer than
``jsonstream.SMALL`` characters only: their keys are cut to ``MAX_KEY`` characters, and their
large containers nest at most ``MAX_NEST`` deep (deeper, the file is not read as a report).

``add_result`` puts an ``AuditResult``'s items: the exposures and findings as its JSON report has
them (each made, and put, one at a time), each candidate by type and address, each other address
by role and address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

from icecheck.analysis.diff import BadReport, Collector, Item
from icecheck.inputs.jsonstream import LARGE, JsonReader, JsonStreamError, decoded_chunks

if TYPE_CHECKING:
    from icecheck.model import AuditResult

_LISTS = ("candidates", "addresses", "exposures", "findings", "inputs")  # what a report's diff reads
_SECTION = {"candidates": "addresses", "addresses": "addresses", "exposures": "exposures", "findings": "findings"}


def add_result(collector: Collector, side: int, side_name: str, result: AuditResult) -> None:
    """Every item and input of ``result`` (see the module docstring)."""
    from icecheck.render.json_report import _exposure, _findings, materialise

    for doc in result.inputs:
        collector.add_input(side, side_name, doc.path, str(doc.status))
    for e in result.exposures:
        collector.add(side, "exposures", materialise(_exposure(e)))
    for f in _findings(result):
        collector.add(side, "findings", materialise(f))
    for c in result.candidates:
        cand = c.record.candidate
        collector.add_address(side, cand.type, cand.address)
    for a in result.addresses:
        collector.add_address(side, str(a.record.role), a.record.address)


def add_report_file(collector: Collector, side: int, side_name: str, stream: BinaryIO) -> bool:
    """Put the report in ``stream`` (seekable, at its start) into ``collector``: False, with nothing
    put, when it is not a JSON report. Raises ``BadReport`` (and ``OSError``)."""
    try:
        found = _first_reading(collector, side, side_name, stream)
    except JsonStreamError:
        found = None
    if found is None:
        for section in (*_SECTION.values(), "inputs"):
            collector.clear(side, section)
        return False
    if found:
        return True
    collector.clear(side, "addresses")  # candidates and addresses out of order, or repeated: read again for them
    for name in ("candidates", "addresses"):
        _reread(collector, side, side_name, stream, name)
    return True


def _reader(stream: BinaryIO) -> JsonReader:
    return JsonReader(decoded_chunks(b"", stream))


def _first_reading(collector: Collector, side: int, side_name: str, stream: BinaryIO) -> bool | None:
    """None when ``stream`` is not a report; True when its items were all put; False when its
    ``candidates`` and ``addresses`` need another reading (put in this order, once each)."""
    reader = _reader(stream)
    if reader.peek() != "{":
        return None
    seen: dict[str, int] = {}
    problems: dict[str, str | None] = {}  # each list's problem, of its last occurrence (the one json.loads keeps)
    in_order = True
    for key in reader.members():
        seen[key] = seen.get(key, 0) + 1
        if key not in _LISTS:
            _skip(reader)
            continue
        if key in ("candidates", "addresses") and (
            seen[key] > 1 or (key == "candidates" and "addresses" in seen) or not in_order
        ):
            in_order = False  # read again, for the addresses
            _skip(reader)
            continue
        if key not in ("candidates", "addresses"):  # a list given again replaces the earlier one
            collector.clear(side, "inputs" if key == "inputs" else _SECTION[key])
        problems[key] = _read_list(reader, collector, side, side_name, key)
    reader.end()
    if not ("schema_version" in seen and "findings" in seen and "exposures" in seen):
        return None
    _raise_first(problems)
    return in_order


def _reread(collector: Collector, side: int, side_name: str, stream: BinaryIO, name: str) -> None:
    """Put the last ``name`` list of the report (already read whole once) again."""
    stream.seek(0)
    keys = []
    reader = _reader(stream)
    for key in reader.members():
        keys.append(key)
        _skip(reader)
    if name not in keys:
        return
    last = len(keys) - 1 - keys[::-1].index(name)
    stream.seek(0)
    reader = _reader(stream)
    for index, key in enumerate(reader.members()):
        if index == last:
            _raise_first({key: _read_list(reader, collector, side, side_name, key)})
        else:
            _skip(reader)


def _raise_first(problems: dict[str, str | None]) -> None:
    for problem in problems.values():
        if problem is not None:
            raise BadReport(problem)


def _read_list(reader: JsonReader, collector: Collector, side: int, side_name: str, key: str) -> str | None:
    """Put each item of the list at the cursor; what is wrong with it (it is not a list of
    objects), or None."""
    if reader.peek() != "[":  # read item by item, small or large (``value()`` would first try it whole)
        reader.skip()
        return f"{key} is not a list"
    index = 0
    where = "type" if key == "candidates" else "role"
    is_address, is_item = key in ("candidates", "addresses"), key in ("exposures", "findings")
    add, add_address = collector.add, collector.add_address
    runs = reader.runs()
    for run in runs:
        for item in run:
            index += 1
            if item is LARGE:
                item = _whole(reader)
            if type(item) is not dict:
                for _ in runs:  # the rest of the list is read, not put
                    pass
                return f"{key} item {index} is not an object"
            if is_item:
                add(side, key, item)
                continue
            if is_address:  # the usual case: two strings, the key says it all
                kind, address = item.get(where), item.get("address")
                if type(kind) is str and type(address) is str:
                    add_address(side, kind, address)
                    continue
            _put(collector, side, side_name, key, item)
    return None


def _skip(reader: JsonReader) -> None:
    """Move past the value at the cursor (a long list of objects faster than ``reader.skip()``)."""
    if reader.peek() != "[":
        reader.skip()
        return
    for _ in reader.runs():  # an element left unread (``LARGE``) is skipped
        pass


def _put(collector: Collector, side: int, side_name: str, key: str, item: Item) -> None:
    if key == "inputs":
        collector.add_input(side, side_name, str(item.get("path")), str(item.get("status")))
    elif key == "candidates":
        collector.add(side, "addresses", {"where": item.get("type"), "address": item.get("address")})
    elif key == "addresses":
        collector.add(side, "addresses", {"where": item.get("role"), "address": item.get("address")})
    else:
        collector.add(side, key, item)


def _whole(reader: JsonReader) -> Any:
    """The value at the cursor decoded whole, however large (one item of a report's list)."""
    value = reader.value()
    if value is not LARGE:
        return value
    head = reader.peek()
    if head == "{":
        out: dict[str, Any] = {}
        for key in reader.members():
            out[key] = _whole(reader)
        return out
    if head == "[":
        items: list[Any] = []
        for _ in reader.items():
            items.append(_whole(reader))
        return items
    return "".join(reader.string_pieces())
