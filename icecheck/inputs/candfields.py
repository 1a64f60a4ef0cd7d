"""Candidates written as named fields rather than as a candidate line (pure).

Applications and libraries log candidates as objects: W3C ``RTCIceCandidate`` attributes
(webrtc-pc §4.8.1: ``address``, ``port``, ``protocol``, ``type``, ``foundation``, ``priority``,
``component`` "rtp"/"rtcp", ``relatedAddress``, ``relatedPort``, ``tcpType``,
``usernameFragment``), ``RTCIceCandidateStats`` (webrtc-stats §7.18: ``candidateType``, the older
``ip``), aiortc's ``RTCIceCandidate`` (``ip``, ``type``), mediasoup's ``IceCandidate``
(``ip``/``address``, ``protocol``, ``port``, ``type``, ``tcpType``), and XMPP Jingle's
``<candidate/>`` element (XEP-0176 §5: ``ip``, ``port``, ``protocol``, ``type``, ``rel-addr``,
``rel-port``, ``generation``, ``network``). ``from_fields`` reads one such mapping.

It is strict about what makes a candidate, so that a server configuration or a media address
is not taken for one: an address (a non-empty string), a port (0-65535) and a candidate type
(host, srflx, prflx, relay). Nothing is invented: a field that is absent stays absent, except
the ones the model requires (component 1, transport "udp", foundation "?", priority 0 — the
last named in ``raw`` as not given, so that no one reads a preference into it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from icecheck.model import Candidate

TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_COMPONENTS = {"rtp": 1, "rtcp": 2}
MAX_TEXT = 256  # longer addresses or tokens are not candidate fields

# Field spellings, first match wins: W3C / stats / libraries, then Jingle (XEP-0176) attributes.
ADDRESS = ("address", "ip", "ipAddress", "ip_address")
PORT = ("port",)
TYPE = ("candidateType", "type", "typ", "candidate_type")
PROTOCOL = ("protocol", "transport")
PRIORITY = ("priority",)
FOUNDATION = ("foundation",)
COMPONENT = ("component", "componentId")
RELATED_ADDRESS = ("relatedAddress", "related_address", "rel-addr", "raddr")
RELATED_PORT = ("relatedPort", "related_port", "rel-port", "rport")
TCPTYPE = ("tcpType", "tcptype", "tcp_type")
UFRAG = ("usernameFragment", "ufrag")
GENERATION = ("generation",)
NETWORK = ("network", "networkId", "network-id")


def from_fields(obj: Mapping[str, Any], raw: str) -> Candidate | None:
    """The candidate described by ``obj``, or None when it does not describe one (see module doc)."""
    address = _text(obj, ADDRESS)
    port = _number(obj, PORT, 0xFFFF)
    ctype = (_text(obj, TYPE) or "").lower()
    if not address or port is None or ctype not in TYPES:
        return None
    foundation = _text(obj, FOUNDATION)
    priority = _number(obj, PRIORITY, 0xFFFFFFFF)
    return Candidate(
        foundation=foundation if foundation is not None else "?",
        component=_component(obj),
        transport=(_text(obj, PROTOCOL) or "udp"),
        priority=priority or 0,
        address=address.strip("[]"),
        port=port,
        type=ctype,
        related_address=_text(obj, RELATED_ADDRESS) or None,
        related_port=_number(obj, RELATED_PORT, 0xFFFF),
        tcptype=_text(obj, TCPTYPE),
        generation=_number(obj, GENERATION, 0xFFFFFFFF),
        ufrag=_text(obj, UFRAG),
        network_id=_number(obj, NETWORK, 0xFFFF),
        raw=raw if priority is not None else f"{raw} (priority not given)",
    )


def has_address_fields(obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` names an address and a port (a cheap test before ``from_fields``)."""
    return any(k in obj for k in ADDRESS) and any(k in obj for k in PORT)


def empty_address(obj: Mapping[str, Any]) -> bool:
    """A candidate object whose address field is there but empty (webrtc-internals hides mDNS hosts so)."""
    return any(obj.get(k) == "" for k in ADDRESS) and _number(obj, PORT, 0xFFFF) is not None


def _text(obj: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and len(value) <= MAX_TEXT:
            return value
    return None


def _number(obj: Mapping[str, Any], names: tuple[str, ...], limit: int) -> int | None:
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value.isdecimal() and len(value) <= 10:
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit:
            return value
    return None


def _component(obj: Mapping[str, Any]) -> int:
    for name in COMPONENT:
        value = obj.get(name)
        if isinstance(value, str) and value.lower() in _COMPONENTS:
            return _COMPONENTS[value.lower()]
    return _number(obj, COMPONENT, 0xFFFF) or 1
