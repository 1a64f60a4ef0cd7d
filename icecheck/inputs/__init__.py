"""Parsing: everything icecheck reads, turned into candidate and address records with their origin.

``candidate`` is the RFC 8839 candidate grammar and ``sdp`` the SDP reader; ``sdpfile`` streams SDP
files; ``scanner`` walks the paths of ``icecheck scan``, ``detect`` recognises each file by its content
and the readers turn it into records in a ``sink``: captures (``pcapfile``, ``capture``, ``netdecode``,
``fragments``, ``tunnel``, ``tcpstream`` and ``tcpheld``, ``sctp``, ``appstream``, ``websocket``, ``http``, ``stun``,
``payload``, ``wire``),
SIP (``sipmsg``, ``siplog``), JSON (``jsonfile``, ``jsonsig``, ``har``, ``webrtc``; large documents in
parts: ``jsonstream``, ``jsonlarge``), candidates written
as fields (``candfields``) or Jingle XML (``jingle``), and text logs (``textlog``, ``textsig``). ``grouping``
groups what was read by call and by party; ``synth`` builds packets and captures for tests.
Readers never raise on bad input: damage is a ``Diagnostic`` naming the file and line or packet.
"""

__all__ = [
    "appstream",
    "candfields",
    "candidate",
    "capture",
    "detect",
    "fragments",
    "grouping",
    "har",
    "http",
    "jingle",
    "jsonfile",
    "jsonlarge",
    "jsonsig",
    "jsonstream",
    "netdecode",
    "payload",
    "pcapfile",
    "progress",
    "scanner",
    "sctp",
    "sdp",
    "sdpfile",
    "sink",
    "siplog",
    "sipmsg",
    "source",
    "stun",
    "synth",
    "tcpheld",
    "tcpstream",
    "textlog",
    "textsig",
    "tunnel",
    "webrtc",
    "websocket",
    "wire",
]
