"""ICE candidates in XMPP Jingle XML (XEP-0166, XEP-0176 "Jingle ICE-UDP Transport"), pure.

Jitsi Meet and other XMPP clients signal over XMPP (over WebSocket, RFC 7395, or BOSH). A
``<jingle>`` element holds ``<content name="audio">`` elements, each with a ``<transport
xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="…" pwd="…">`` holding ``<candidate
component="1" foundation="1" generation="0" id="…" ip="192.0.2.1" network="0" port="10000"
priority="2130706431" protocol="udp" type="host"/>`` elements (XEP-0176 §5), srflx and relay
ones with ``rel-addr``/``rel-port``; ``<remote-candidate component ip port/>`` names the peer's
chosen address (§7.3).

No XML parser is used: stanzas in logs are often cut or pretty-printed across lines, and an
entity-expanding parser is a risk on hostile input. A bounded regular expression finds the
start tags of interest in document order; ``JingleScanner`` keeps the enclosing content name
(the m-line's ``mid``, XEP-0167 §5) and transport ufrag across calls, so a log can be fed a
line at a time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from icecheck.inputs.candfields import from_fields
from icecheck.model import Candidate

MAX_TAG = 8192  # a start tag longer than this is not read
_TAG = re.compile(rf"<(/?)(?:[\w.-]+:)?(content|transport|candidate|remote-candidate)\b([^<>]{{0,{MAX_TAG}}})>")
_ATTR = re.compile(r"([\w.:-]+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\")")
MARKERS = ("<candidate", ":candidate ", "<remote-candidate")


@dataclass(frozen=True, slots=True)
class JingleItem:
    """A ``<candidate/>`` (``candidate`` set) or ``<remote-candidate/>`` (``remote`` set) found."""

    mid: str | None
    ufrag: str | None
    candidate: Candidate | None = None
    remote: tuple[str, int | None] | None = None  # (address, port)
    problem: str | None = None  # a <candidate/> that is not a usable candidate


def holds_jingle(text: str) -> bool:
    """Whether ``text`` may hold Jingle candidates (cheap)."""
    return any(m in text for m in MARKERS)


class JingleScanner:
    """Finds candidates in XML text fed in pieces, keeping the content and transport context."""

    def __init__(self) -> None:
        self.mid: str | None = None
        self.ufrag: str | None = None

    def feed(self, text: str) -> Iterator[JingleItem]:
        """Every candidate and remote-candidate start tag in ``text``, in order."""
        for m in _TAG.finditer(text):
            closing, name, body = m.group(1), m.group(2), m.group(3)
            if closing:
                if name == "content":
                    self.mid, self.ufrag = None, None
                continue
            attrs = _attributes(body)
            if name == "content":
                self.mid, self.ufrag = attrs.get("name"), None
            elif name == "transport":
                self.ufrag = attrs.get("ufrag", self.ufrag)
            elif name == "candidate":
                yield self._candidate(attrs, m.group(0))
            else:
                yield self._remote(attrs)

    def _candidate(self, attrs: dict[str, str], tag: str) -> JingleItem:
        cand = from_fields(attrs, tag)
        if cand is None:
            return JingleItem(self.mid, self.ufrag, problem="Jingle <candidate/> without ip, port and type")
        return JingleItem(self.mid, self.ufrag, candidate=cand)

    def _remote(self, attrs: dict[str, str]) -> JingleItem:
        ip, port = attrs.get("ip", ""), attrs.get("port", "")
        if not ip or len(ip) > 256:
            return JingleItem(self.mid, self.ufrag, problem="Jingle <remote-candidate/> without ip")
        return JingleItem(self.mid, self.ufrag, remote=(ip, int(port) if port.isdecimal() and len(port) < 6 else None))


def _attributes(body: str) -> dict[str, str]:
    """Attribute name → unescaped value (XML character and entity references, XML 1.0 §4.1)."""
    out: dict[str, str] = {}
    for m in _ATTR.finditer(body):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out.setdefault(m.group(1), html.unescape(value) if "&" in value else value)
    return out
