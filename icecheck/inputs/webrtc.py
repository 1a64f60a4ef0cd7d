"""Chrome webrtc-internals dumps and the RTCStatsDump form (docs/architecture.md §5, "Capture formats").

webrtc-internals JSON: ``PeerConnections`` → ``{"<pid>-<lid>": {updateLog, stats, ...}}``.
``updateLog`` events carry strings: SDP events (``createOfferOnSuccess``,
``setLocalDescription``, ``setRemoteDescription``...) read ``type: offer, sdp: v=0...``;
candidate events (``onicecandidate``/``icecandidate`` local, ``addIceCandidate`` remote)
read ``sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:...`` (one field per line in newer
Chromium; candidate text never holds a comma). ``stats`` series are keyed
``<statsId>-<attr>`` with JSON-encoded ``values``; local/remote candidate series reveal
``networkType``, ``networkAdapterType``, ``vpn`` and ``relayProtocol``.

RTCStatsDump: a ``RTCStatsDump`` line, ``{"fileFormat":N}``, then one JSON array per line,
``[event, pcId, value, timestamp]``; ``value`` is an object (``{type, sdp}``, an
``RTCIceCandidateInit``, a ``getstats`` report) or a webrtc-internals style string. rtcstats
dumps also carry the page's console output (``["logs", null, [line, {text, count}, …]]`` as
Jitsi sends it, ``console.*`` entries): candidates and SDP there are found wherever they are in
the text (``jsonsig``), with no side claimed for them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from dataclasses import replace
from typing import Any

from icecheck.inputs.candidate import CandidateSyntaxError, parse_candidate
from icecheck.inputs.numbers import decimal, finite
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink, WireFact
from icecheck.model import Candidate, InterfaceInfo, Origin, SectionContext

_CAND = re.compile(r"((?:a=)?candidate:[^\s,][^,\n]*)")
_MID = re.compile(r"sdpMid:\s*([^,\n]+)")
_MLINE = re.compile(r"sdpMLineIndex:\s*(\d+)")
_UFRAG = re.compile(r"usernameFragment:\s*([^,\n\s]+)")
_TYPE = re.compile(r"type:\s*(offer|answer|pranswer|rollback)")
_OPPOSITE = {"offerer": "answerer", "answerer": "offerer"}
_KINDS = {"wifi": "wifi", "ethernet": "ethernet", "cellular": "cellular", "vpn": "vpn", "loopback": "loopback"}
CANDIDATE_STATS = ("local-candidate", "remote-candidate")


_TwinKey = tuple[int, str, str, int | None]  # port, type, transport (lower case), priority (None: any)


class _Signalled:
    """The candidates the sink took in since this index was made, indexed by PeerConnection
    (``Origin.call``) as they come: their (address, port, type) for ``known``, and per
    ``_TwinKey`` the first one's key and the last mDNS one's (``twin``). A stats candidate is
    only ever matched with a candidate of its own PeerConnection (the call is in every key),
    and a PeerConnection's candidates all come after its reader is made, so an index made then
    misses none of them. While it is used the sink holds its items in memory
    (``Sink.hold_all``: none moved out, so its dict only grows, at its end), which the keys
    refer to. A webrtc-internals dump gives each PeerConnection whole, one after the other: each
    has its own index, dropped when it is read (``PeerConnectionReader.done``), after which the
    sink may move items to disk again; an RTCStatsDump interleaves its PeerConnections' events,
    so its readers share one index for the input (``Sink.signalled``). Each candidate is indexed
    once, so 500,000 stats candidates cost no more than reading them (a pass over every
    candidate held for each took hours)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._seen = len(sink.candidates)  # the candidates held already belong to other PeerConnections
        self._known: dict[str | None, set[tuple[str, int, str]]] = {}
        self._twins: dict[tuple[str | None, _TwinKey], tuple[Any, Any]] = {}

    def _update(self) -> None:
        held = self._sink.candidates
        if len(held) < self._seen:  # not the growing dict assumed: index it again
            self._seen, self._known, self._twins = 0, {}, {}
        fresh = list(itertools.islice(reversed(held.items()), len(held) - self._seen))
        self._seen = len(held)
        for key, rec in reversed(fresh):
            c, call = rec.candidate, rec.origin.call
            self._known.setdefault(call, set()).add((c.address, c.port, c.type))
            mdns = c.address.lower().endswith(".local")
            for priority in (None, c.priority):
                twin = (call, (c.port, c.type, c.transport.lower(), priority))
                first, last_mdns = self._twins.get(twin, (None, None))
                self._twins[twin] = (key if first is None else first, key if mdns else last_mdns)

    def known(self, call: str | None, cand: Candidate) -> bool:
        """Whether a candidate of this PeerConnection with this address, port and type is held."""
        self._update()
        return (cand.address, cand.port, cand.type) in self._known.get(call, ())

    def twin(self, call: str | None, cand: Candidate) -> Any:
        """The key of the held candidate ``PeerConnectionReader._twin`` describes, or None."""
        self._update()
        twin = (call, (cand.port, cand.type, cand.transport.lower(), cand.priority or None))
        first, last_mdns = self._twins.get(twin, (None, None))
        return last_mdns if last_mdns is not None else first


class PeerConnectionReader:
    """Reads one PeerConnection's events; remembers which side made the offer. A reader made for
    a PeerConnection read whole (a webrtc-internals dump's) is ended with ``done``."""

    def __init__(self, disp: Dispatcher, base: Origin, pc_id: str) -> None:
        self.disp = disp
        disp.sink.hold_all()  # stats are matched against the candidates held (``_twin``, ``known``)
        self.base = base._replace(call=f"PeerConnection {pc_id}")
        self.local_role: str | None = None
        if disp.sink.signalled is None:
            disp.sink.signalled = _Signalled(disp.sink)
        self._signalled: _Signalled = disp.sink.signalled

    def done(self) -> None:
        """The PeerConnection is read, all of it (a webrtc-internals dump gives each whole, one
        after the other): its index of candidates is dropped and the sink may move items to disk
        again (``Sink.release``), so memory follows the largest PeerConnection, not the dump."""
        if self.disp.sink.signalled is self._signalled:
            self.disp.sink.signalled = None
        self.disp.sink.release()

    def event(self, kind: str, value: Any, detail: str, time: float | None = None) -> None:
        """One updateLog/RTCStatsDump event."""
        where = self.base._replace(detail=detail, time=time)
        lower = kind.lower()
        if is_log_event(lower):  # console output the page logged: searched as text, whose side is unknown
            self.disp.json_value(value, where._replace(party=None))
            return
        remote = "remote" in lower or "addicecandidate" in lower
        if isinstance(value, dict):
            self._object(lower, value, where, remote)
        elif isinstance(value, str) and "error" not in lower:
            self._string(value, where, remote)

    def _side(self, remote: bool) -> str:
        if self.local_role is None:
            return "remote" if remote else "local"
        return _OPPOSITE[self.local_role] if remote else self.local_role

    def _string(self, value: str, where: Origin, remote: bool) -> None:
        sdp_at = value.find("sdp: ")
        if sdp_at >= 0:
            self._sdp(value[sdp_at + 5 :], _TYPE.search(value[:sdp_at]), where, remote)
            return
        if value.lstrip().startswith("{"):
            with contextlib.suppress(ValueError, RecursionError):  # (too deeply nested to decode)
                self._object("", json.loads(value), where, remote)
            return
        m = _CAND.search(value)
        if m is not None:
            self._candidate(m.group(1).strip(), value, where, remote)

    def _sdp(self, sdp: str, kind: re.Match[str] | None, where: Origin, remote: bool) -> None:
        role = {"offer": "offerer", "answer": "answerer", "pranswer": "answerer"}.get(kind.group(1)) if kind else None
        if role is not None and not remote and self.local_role is None:
            self.local_role = role
        self.disp.sink.sdp(sdp, where._replace(party=role or self._side(remote)))

    def _candidate(self, text: str, value: str, where: Origin, remote: bool) -> None:
        try:
            cand = parse_candidate(text)
        except CandidateSyntaxError as exc:
            self.disp.sink.problem(where, f"malformed candidate: {exc}")
            return
        mid, mline, ufrag = _MID.search(value), _MLINE.search(value), _UFRAG.search(value)
        context = SectionContext(
            media_index=decimal(mline.group(1)) if mline else None,
            mid=mid.group(1).strip() if mid else None,
            ice_ufrag=ufrag.group(1) if ufrag else None,
        )
        self.disp.sink.candidate(cand, where._replace(party=self._side(remote)), context)

    def _object(self, kind: str, value: dict[str, Any], where: Origin, remote: bool) -> None:
        if kind == "getstats" or "stats" in kind:
            for stats_id, stats in value.items():
                if isinstance(stats, dict) and stats.get("type") in CANDIDATE_STATS:
                    self.candidate_stats(stats_id, stats, where)
            return
        sdp_type = value.get("type")
        if isinstance(value.get("sdp"), str):
            match = _TYPE.search(f"type: {sdp_type}") if isinstance(sdp_type, str) else None
            self._sdp(value["sdp"], match, where._replace(detail=f"{where.detail}, $.sdp"), remote)
        elif isinstance(value.get("candidate"), str) and value["candidate"]:
            fields = ", ".join(f"{k}: {v}" for k, v in value.items() if k != "candidate")
            self._candidate(value["candidate"], fields, where, remote)

    def candidate_stats(self, stats_id: str, attrs: dict[str, Any], where: Origin) -> None:
        """An RTCIceCandidateStats object: its network facts, and the candidate when new.

        Chrome leaves ``address`` empty in the stats of a host candidate it conceals behind an
        mDNS name: such a candidate is its signalled twin (same port, type, transport and
        priority), which takes the stats' network facts; without a twin it is a candidate whose
        address the dump does not show, told in a note and not audited as an address."""
        remote = attrs.get("type") == "remote-candidate" or bool(attrs.get("isRemote"))
        where = where._replace(party=self._side(remote), detail=f"{where.detail}, stats {stats_id}")
        cand = _stats_candidate(stats_id, attrs)
        if cand is None:
            return
        kind = "vpn" if attrs.get("vpn") is True else _KINDS.get(str(attrs.get("networkType")), "unknown")
        iface = InterfaceInfo(str(attrs.get("networkAdapterType") or attrs.get("networkType") or "?"), kind)
        if not cand.address:
            twin = self._twin(cand)
            name = (
                self.disp.sink.candidates[twin].candidate.address
                if twin is not None
                else f"a {cand.type} candidate ({cand.transport} port {cand.port}, address not shown)"
            )
            self._facts(attrs, name, where)
            if twin is not None and not remote and kind != "unknown":
                self._give_interface(twin, iface)
            return
        self._facts(attrs, cand.address, where)
        if not self._signalled.known(self.base.call, cand):
            self.disp.sink.candidate(cand, where, SectionContext(), iface if not remote else None)

    def _facts(self, attrs: dict[str, Any], name: str, where: Origin) -> None:
        facts = [
            f"{k}={attrs[k]}"
            for k in ("networkType", "networkAdapterType", "vpn", "relayProtocol", "url")
            if attrs.get(k) not in (None, "")
        ]
        if facts:
            self.disp.sink.fact(WireFact("network-type", f"{name} " + " ".join(facts), where))

    def _twin(self, cand: Candidate) -> Any:
        """The key in the sink of the signalled candidate of this PeerConnection that a stats object
        without an address describes: same port, type and transport, same priority when the stats
        give one; the first such, or the last with an mDNS name."""
        return self._signalled.twin(self.base.call, cand)

    def _give_interface(self, twin: Any, iface: InterfaceInfo) -> None:
        """The twin learns the interface the stats name, unless it knows one already."""
        candidates = self.disp.sink.candidates
        if candidates[twin].interface is None:
            candidates[twin] = replace(candidates[twin], interface=iface)


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
    reader.done()


def update_event(reader: PeerConnectionReader, pc_id: str, i: int, event: Any) -> None:
    """Event ``i`` of a PeerConnection's updateLog."""
    if isinstance(event, dict) and isinstance(event.get("type"), str):
        detail = f"{pc_id} updateLog[{i}] {event['type']}"
        reader.event(event["type"], event.get("value"), detail, event_time(event.get("time")))


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
    except (TypeError, ValueError, RecursionError):
        return
    if stats_id and isinstance(values, list) and values:
        obj = out.setdefault(stats_id, {"type": series["statsType"]})
        obj[attr] = values[-1]


def is_log_event(kind: str) -> bool:
    """An rtcstats entry carrying console output (``logs`` batches of Jitsi's log collector,
    ``console.log``/``log`` entries), not a PeerConnection API call or event."""
    return kind in ("logs", "log") or kind.startswith(("console", "log."))


def _stats_candidate(stats_id: str, a: dict[str, Any]) -> Candidate | None:
    address = a.get("address") or a.get("ip")
    port, ctype = a.get("port"), a.get("candidateType")
    if not isinstance(address, str) or not isinstance(port, int) or not isinstance(ctype, str):
        return None
    priority = a.get("priority")
    raddr, rport = a.get("relatedAddress"), a.get("relatedPort")
    return Candidate(
        foundation=str(a.get("foundation") or "0"),
        component=1,
        transport=str(a.get("protocol") or "udp"),
        priority=priority if isinstance(priority, int) else 0,
        address=address,
        port=port,
        type=ctype.lower(),
        related_address=raddr if isinstance(raddr, str) and raddr else None,
        related_port=rport if isinstance(rport, int) else None,
        tcptype=a.get("tcpType") if isinstance(a.get("tcpType"), str) else None,
        ufrag=a.get("usernameFragment") if isinstance(a.get("usernameFragment"), str) else None,
        raw=f"(candidate stats {stats_id})",
    )


def event_time(value: Any) -> float | None:
    """Epoch seconds from a number of seconds or milliseconds."""
    seconds = finite(value)  # (not NaN, an infinity or 10**400: "reading stopped: OverflowError")
    if seconds is None:
        return None
    return seconds / 1000.0 if seconds > 1e11 else seconds
