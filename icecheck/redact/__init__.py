"""Redaction for public bug reports: addresses, MACs, mDNS names (and optionally ICE secrets)
replaced by consistent documentation stand-ins, each format kept valid.

``redact_document(data, StandIns(keep=...), scrub=...)`` is the entry point (``formats.py``);
``icecheck redact`` is its command line.
"""

__all__ = ["formats", "packet", "pcap", "pcapng", "sip", "standins", "stunattr", "text", "websocket"]
