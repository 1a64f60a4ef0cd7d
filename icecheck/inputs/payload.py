"""Application messages → items in a ``Sink``: SIP, JSON signalling, SDP bodies, STUN.

Every reader that finds a message (a UDP datagram, a reassembled TCP message, a WebSocket
message, a HAR entry, a line of a log) hands it to a ``Dispatcher`` with a ``Where``: the
origin to give the items (path, packet, time, detail such as the 5-tuple) plus the sender.
The dispatcher decides the grouping keys: ``call`` is the SIP Call-ID when there is one,
else the connection the caller named; ``party`` is offerer/answerer for SDP (RFC 3264 §4
roles, learned from who sent the offer in each call) and the sender's address otherwise.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from icecheck.inputs import jingle, jsonsig, sipmsg, stun
from icecheck.inputs.candidate import CandidateSyntaxError, parse_candidate
from icecheck.inputs.numbers import decimal
from icecheck.inputs.sink import Sink, WireFact
from icecheck.model import AddressRecord, AddressRole, DiagnosticLevel, Origin, SectionContext

MAX_CALLS = 10_000
_STUN_ROLES = {
    "XOR-MAPPED-ADDRESS": AddressRole.STUN_MAPPED,
    "MAPPED-ADDRESS": AddressRole.STUN_MAPPED,
    "XOR-RELAYED-ADDRESS": AddressRole.STUN_RELAYED,
    "XOR-PEER-ADDRESS": AddressRole.STUN_PEER,
    "MS-TURN MAPPED-ADDRESS": AddressRole.STUN_RELAYED,  # [MS-TURN] §2.2.2.1: the allocated relay address
    "MS-TURN MS-ALT-MAPPED-ADDRESS": AddressRole.STUN_RELAYED,
    "MS-TURN DESTINATION-ADDRESS": AddressRole.STUN_PEER,
    "MS-TURN REMOTE-ADDRESS": AddressRole.STUN_PEER,
}
_PEER_ATTRS = frozenset({"XOR-PEER-ADDRESS", "MS-TURN DESTINATION-ADDRESS", "MS-TURN REMOTE-ADDRESS"})
# messages whose DATA is relayed: True client → server (for the peer), False server → client (from it)
_RELAYING = {
    "Send indication": True,
    "MS-TURN Send request": True,
    "Data indication": False,
    "MS-TURN Data indication": False,
}
_BINDS = frozenset({"ChannelBind request", "MS-TURN Set Active Destination request"})  # they bind a peer
ACTIVE_DESTINATION = -1  # the channel key of an [MS-TURN] active destination (end-to-end data, §2.1.4)
_ROLE_BY_JSEP = {"offer": "offerer", "answer": "answerer", "pranswer": "answerer"}
_OTHER = {"offerer": "answerer", "answerer": "offerer"}

Where = Origin  # the base origin of a message: ``party`` holds the sender's address, if known


class Dispatcher:
    """Decodes messages into one sink, remembering offer/answer roles per call (bounded)."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._roles: OrderedDict[tuple[str | None, str | None], str] = OrderedDict()
        self._offers: OrderedDict[str, bool] = OrderedDict()
        self._sides: OrderedDict[tuple[str | None, str], str] = OrderedDict()  # (call, dialog tag) → role
        # TURN channels: (client, server, channel number) → the peer bound to it
        self._channels: OrderedDict[tuple[str | None, str | None, int], str] = OrderedDict()
        self._stun = stun.Decoder()  # a capture's STUN repeats: each distinct message decoded once

    # -- generic text --------------------------------------------------------------------------

    def text(self, data: bytes, where: Where, receiver: str | None = None) -> bool:
        """A message of unknown kind: SIP, JSON or SDP by its first bytes. False if none fits."""
        if sipmsg.is_sip_start(data):
            self.sip(data, where, receiver)
            return True
        head = data.lstrip()[:1]
        if head in (b"{", b"["):
            self.json_text(data, where)
        elif data.lstrip().startswith((b"v=0", b"a=candidate:", b"candidate:")):
            self.sink.sdp(data.decode("utf-8", "replace"), where)
        else:
            return self.free_text(data.decode("utf-8", "replace"), where) > 0
        return True

    def free_text(self, text: str, where: Where, scanner: jingle.JingleScanner | None = None) -> int:
        """Text of no known framing (XMPP/Jingle XML, a log line, an SDP fragment): whatever
        ``jsonsig.find_in_text`` finds in it. Returns how many items were found."""
        return self.items(jsonsig.find_in_text(text, scanner), where)

    # -- SIP -------------------------------------------------------------------------------------

    def sip(self, data: bytes, where: Where, receiver: str | None = None) -> None:
        """One SIP message: header addresses, then the SDP body with its offer/answer role.

        ``where.party`` is the sender's address and ``receiver`` the receiver's, when known. A
        header address goes to the party it describes (``sipmsg.header_addresses``): the side the
        message comes from, the other side, or a proxy. Sides are told apart by their dialog tags
        (From tag for a request's side, To tag for a response's, RFC 3261 §12), which hold
        through proxies and in logs without addresses; their offerer/answerer roles are learned
        from the SDP they send, and addresses stand in while no role is known."""
        msg = sipmsg.parse_sip(data)
        if isinstance(msg, str):
            self.sink.problem(where, msg)
            return
        self.sink.signalling_messages += 1
        sender = where.party
        call = msg.call_id or where.call
        base = Origin(
            where.path, where.line, where.packet, where.time, _join(where.detail, f"SIP {msg.summary}"), call, sender
        )
        body = sipmsg.sdp_body(msg)
        role = self._sip_role(msg, call) if body is not None else None
        own_tag, peer_tag = self._sip_tags(msg)
        if role is not None:
            self._remember(call, sender, role)
            self._remember_side(call, own_tag, role)
            self._remember_side(call, peer_tag, _OTHER[role])
        own = self._side(call, own_tag)
        other = self._side(call, peer_tag)
        parties = {
            sipmsg.SENDER: role or own or _OTHER.get(other or "") or self._roles.get((call, sender)) or sender,
            sipmsg.PEER: _OTHER.get(role or "")
            or other
            or _OTHER.get(own or "")
            or self._roles.get((call, receiver))
            or receiver,
        }
        address_at = self.sink.address_at
        for address, header, port, owner in sipmsg.header_addresses(msg):
            address_at(address, AddressRole.SIP_HEADER, port, base, header, parties.get(owner, owner))
        if body is not None:
            line = where.line
            if line is not None:  # a log: the body starts after the head and the blank line
                line += data.split(b"\r\n\r\n", 1)[0].count(b"\n") + 2
            self.sink.sdp(body, Origin(base.path, line, base.packet, base.time, base.detail, call, role))
        self._check_length(msg, base)

    @staticmethod
    def _sip_tags(msg: sipmsg.SipMessage) -> tuple[str | None, str | None]:
        """(the message's own side's tag, the peer side's): From/To for a request, To/From for a response."""
        from_tag, to_tag = sipmsg.header_tag(msg.header("from")), sipmsg.header_tag(msg.header("to"))
        return (from_tag, to_tag) if msg.method is not None else (to_tag, from_tag)

    def _side(self, call: str | None, tag: str | None) -> str | None:
        return self._sides.get((call, tag)) if tag is not None else None

    def _remember_side(self, call: str | None, tag: str | None, role: str) -> None:
        """A dialog side keeps the role of its first offer or answer (a later re-offer does not swap
        who is who in the report)."""
        if tag is not None and (call, tag) not in self._sides:
            self._sides[(call, tag)] = role
            self._trim(self._sides)

    def _sip_role(self, msg: sipmsg.SipMessage, call: str | None) -> str:
        """RFC 3264 §4 / RFC 6337 §2: an SDP in a request is an offer unless it answers an offer
        made in a response (ACK after a late offer); in a response it answers the request's."""
        key = call or ""
        if msg.method is not None:
            if msg.method == "ACK" and not self._offers.get(key, False):
                return "answerer"
            self._offers[key] = True
            self._trim(self._offers)
            return "offerer"
        if self._offers.get(key, False):
            return "answerer"
        return "offerer"

    def _check_length(self, msg: sipmsg.SipMessage, where: Where) -> None:
        declared = msg.header("content-length")
        if declared and (size := decimal(declared)) is not None and size > len(msg.body):
            self.sink.problem(
                where,
                f"SIP body incomplete: Content-Length {declared}, {len(msg.body)} bytes present",
                DiagnosticLevel.WARNING,
            )

    # -- JSON ------------------------------------------------------------------------------------

    def json_text(self, data: bytes | str, where: Where) -> None:
        """A JSON message: every SDP and candidate in it."""
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:
            self.sink.problem(where, f"invalid JSON: {exc}", DiagnosticLevel.WARNING)
            return
        self.json_value(value, where)

    def json_value(self, value: object, where: Where) -> int:
        """Feed what ``jsonsig`` finds in a decoded value; returns how many items were found."""
        return self.items(jsonsig.find_signalling(value), where)

    def items(self, items: Iterable[jsonsig.Item], where: Where) -> int:
        """Feed what ``jsonsig`` found, each item located under ``where``; returns how many."""
        count = 0
        for item in items:
            count += 1
            self.sink.signalling_messages += 1
            self.json_item(item, at(where, _join(where.detail, item.path), where.party))
        return count

    def json_item(self, item: jsonsig.Item, origin: Origin) -> None:
        """One thing ``jsonsig`` (or a text search) found, located at ``origin``."""
        if isinstance(item, jsonsig.SdpItem):
            self._json_sdp(item, origin)
        elif isinstance(item, jsonsig.CandidateItem):
            self._json_candidate(item, origin)
        elif isinstance(item, jsonsig.FieldsItem):
            context = SectionContext(media_index=item.mline, mid=item.mid, ice_ufrag=item.ufrag)
            party = self._roles.get((origin.call, origin.party)) or origin.party
            self.sink.candidate(item.candidate, at(origin, origin.detail, party), context)
        elif isinstance(item, jsonsig.AddressItem):
            self.sink.address(AddressRecord(item.address, AddressRole.REMOTE_CANDIDATES, origin, port=item.port))
        else:
            self.sink.problem(origin, item.message, DiagnosticLevel.WARNING)

    def _json_sdp(self, item: jsonsig.SdpItem, origin: Origin) -> None:
        role = _ROLE_BY_JSEP.get(item.type or "")
        if role is not None:
            self._remember(origin.call, origin.party, role)
        self.sink.sdp(item.sdp, origin._replace(party=role or origin.party), embedded=True)

    def _json_candidate(self, item: jsonsig.CandidateItem, origin: Origin) -> None:
        if not item.candidate:
            self.sink.end_of_candidates += 1
            return
        party = self._roles.get((origin.call, origin.party)) or origin.party
        try:
            cand = parse_candidate(item.candidate)
        except CandidateSyntaxError as exc:
            self.sink.problem(origin, f"malformed candidate: {exc}")
            return
        context = SectionContext(media_index=item.mline, mid=item.mid, ice_ufrag=item.ufrag)
        self.sink.candidate(cand, origin if party == origin.party else at(origin, origin.detail, party), context)

    # -- STUN ------------------------------------------------------------------------------------

    def stun(self, data: bytes, where: Where, receiver: str | None = None, relayed: bool = False) -> None:
        """A STUN/TURN message: mapped/relayed/peer addresses, SOFTWARE, GOOG-NETWORK-INFO.

        Addresses in a response describe its receiver (the client), so ``receiver`` becomes
        their party; attributes of requests and indications belong to the sender. The STUN a
        Send or Data indication relays (its DATA attribute) is read as well, between the client
        and the peer that XOR-PEER-ADDRESS names (RFC 8656 §11); so for an [MS-TURN] Send request
        (DESTINATION-ADDRESS) and Data indication (REMOTE-ADDRESS), §2.2.2.10-12. ``relayed``: this message was
        itself carried so; its parties are then exactly ``where.party`` and ``receiver``."""
        msg = self._stun.decode(data)
        party = receiver if (receiver is not None or relayed) and msg.kind.endswith("response") else where.party
        origin = at(where, _join(where.detail, f"STUN {msg.kind}"), party)
        for problem in msg.problems:
            self.sink.problem(origin, problem, DiagnosticLevel.WARNING)
        for attr in msg.addresses:
            role = _STUN_ROLES.get(attr.attribute)
            if role is not None:
                self.sink.address_at(attr.address, role, attr.port, origin, attr.attribute, party)
        if msg.software:
            self.sink.fact(WireFact("software", msg.software, origin))
        if msg.network_cost is not None:
            self.sink.fact(WireFact("network-cost", f"{msg.network_id}/{msg.network_cost}", origin))
        if relayed or not (msg.kind in _BINDS or (msg.data is not None and msg.kind in _RELAYING)):
            return  # (what follows binds a channel or reads relayed data: most messages do neither)
        peer = next((_endpoint(a.address, a.port) for a in msg.addresses if a.attribute in _PEER_ATTRS), None)
        if msg.kind == "ChannelBind request" and msg.channel is not None and peer is not None:
            self._channels[(where.party, receiver, msg.channel)] = peer  # client, server, channel → peer
            self._trim(self._channels)
        elif msg.kind == "MS-TURN Set Active Destination request" and peer is not None:
            self._channels[(where.party, receiver, ACTIVE_DESTINATION)] = peer
            self._trim(self._channels)
        if msg.data is not None and msg.kind in _RELAYING:
            inner = where._replace(detail=_join(origin.detail, "DATA"))
            if _RELAYING[msg.kind]:  # client → server, for the peer
                self._relayed(msg.data, inner._replace(party=where.party), peer)
            else:  # server → client, from the peer
                self._relayed(msg.data, inner._replace(party=peer), receiver)

    def channel_data(self, data: bytes, where: Where, receiver: str | None = None) -> bool:
        """A TURN ChannelData message (RFC 8656 §12.4); the STUN it carries is read like a Send or
        Data indication's, its peer known from the ChannelBind that bound the channel (either
        direction: client → server, or server → client). False if ``data`` is no ChannelData."""
        framed = stun.channel_data(data)
        if framed is None:
            return False
        channel, inner = framed
        self._bound(
            channel, inner, where._replace(detail=_join(where.detail, f"TURN ChannelData 0x{channel:04x}")), receiver
        )
        return True

    def ms_turn_data(self, data: bytes, where: Where, receiver: str | None = None) -> None:
        """End-to-end data of an [MS-TURN] TCP frame (§2.1.4, type 0x03): what the client exchanges
        with the active destination its Set Active Destination request named, read like ChannelData."""
        self._bound(ACTIVE_DESTINATION, data, where._replace(detail=_join(where.detail, "end-to-end data")), receiver)

    def _bound(self, channel: int, inner: bytes, inner_where: Where, receiver: str | None) -> None:
        """Relayed data on a channel bound to a peer (by ChannelBind, or the MS-TURN active destination)."""
        sender = inner_where.party
        to_peer = self._channels.get((sender, receiver, channel))
        from_peer = self._channels.get((receiver, sender, channel))
        if to_peer is not None:
            self._relayed(inner, inner_where, to_peer)
        elif from_peer is not None:
            self._relayed(inner, inner_where._replace(party=from_peer), receiver)
        else:  # bound before the capture started: the peer, and so the direction, are unknown
            self._relayed(inner, inner_where._replace(party=None), None)

    def _relayed(self, data: bytes, where: Where, receiver: str | None) -> None:
        """What TURN relays between a client and a peer: ICE connectivity checks are STUN."""
        if stun.looks_like_stun(data):
            self.stun(data, where, receiver, relayed=True)

    # -- roles -----------------------------------------------------------------------------------

    def _remember(self, call: str | None, sender: str | None, role: str) -> None:
        if sender is not None:
            self._roles[(call, sender)] = role
            self._trim(self._roles)

    @staticmethod
    def _trim(table: OrderedDict[Any, Any]) -> None:
        while len(table) > MAX_CALLS:
            table.popitem(last=False)


def at(o: Origin, detail: str | None, party: str | None) -> Origin:
    """``o._replace(detail=detail, party=party)``, built directly (cheaper): it runs for every
    address of every message (``tests/inputs/test_scan_fast_paths.py`` pins Origin's fields)."""
    return Origin(o.path, o.line, o.packet, o.time, detail, o.call, party)


def _endpoint(address: str, port: int) -> str:
    """``1.2.3.4:5060`` or ``[2001:db8::1]:5060``, as captures name endpoints."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _join(detail: str | None, more: str) -> str:
    return f"{detail}, {more}" if detail else more
