"""Redaction for public bug reports: addresses, MACs, mDNS names (and optionally ICE secrets)
replaced by consistent documentation stand-ins, each format kept valid.

``files.redact_file(source, target, StandIns(keep=...), scrub)`` is the entry point: captures are
streamed (``pcap.py``), everything else goes through ``formats.redact_document``; the output is
checked (``selfcheck.py``) before it is kept. ``icecheck redact`` is its command line.
"""

__all__ = [
    "archive",
    "files",
    "formats",
    "packet",
    "pcap",
    "pcapng",
    "sctp",
    "selfcheck",
    "sip",
    "standins",
    "stunattr",
    "tcpmsg",
    "text",
    "websocket",
    "window",
]
