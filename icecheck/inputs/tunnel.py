"""Encapsulations that carry whole packets: GRE, ERSPAN, IP-in-IP (pure).

Deployments mirror traffic to an analyser with ERSPAN over GRE (port mirroring across routers) or
tunnel it between sites, so a capture may hold the signalling one or more layers down:

* GRE (RFC 2784; key and sequence number RFC 2890): flags C, K, S add 4 bytes each (C with the
  reserved offset); version 0 only; the protocol type says what follows: IPv4 0x0800, IPv6
  0x86DD, Transparent Ethernet Bridging 0x6558 (an Ethernet frame), ERSPAN.
* ERSPAN (draft-foschiano-erspan-03): type I (0x88BE without a sequence number) carries the
  Ethernet frame directly; type II (0x88BE with S) puts an 8-byte header (version 1) before it;
  type III (0x22EB) a 12-byte header (version 2), an 8-byte platform subheader when its O bit
  is set, and a frame type FT (0 Ethernet, 2 IP).
* IP-in-IP: IPv4 protocol 4 (RFC 2003) and IPv6 protocol 41 (RFC 4213 §3.5; RFC 2473) carry an IP
  packet directly.

``inner`` returns the inner IP packet (for Ethernet payloads, what the frame's EtherType carries,
VLAN tags included) with a label for origins, None for a packet that carries no IP (ARP, a GRE
keepalive, another protocol), or a reason string for a damaged header.
"""

from __future__ import annotations

from icecheck.inputs.netdecode import link_payload

GRE, IPV4_IN_IP, IPV6_IN_IP = 47, 4, 41
PROTOCOLS = frozenset({GRE, IPV4_IN_IP, IPV6_IN_IP})
MAX_DEPTH = 4  # tunnels inside tunnels followed at most this deep
_ERSPAN_I_II, _ERSPAN_III, _TEB = 0x88BE, 0x22EB, 0x6558


def inner(proto: int, payload: bytes) -> tuple[bytes, str] | str | None:
    """(inner IP packet, label) for a GRE or IP-in-IP payload; None or a reason (see the module doc)."""
    if proto == IPV4_IN_IP:
        return (payload, "IPv4 in IP") if payload[:1] and payload[0] >> 4 == 4 else "IP-in-IP: no IPv4 inside"
    if proto == IPV6_IN_IP:
        return (payload, "IPv6 in IP") if payload[:1] and payload[0] >> 4 == 6 else "IP-in-IP: no IPv6 inside"
    return _gre(payload)


def _gre(p: bytes) -> tuple[bytes, str] | str | None:
    if len(p) < 4:
        return "GRE header cut short"
    flags, version, ptype = p[0], p[1] & 0x07, (p[2] << 8) | p[3]
    if version != 0 or flags & 0x40:  # version 1 is PPTP's; R (source routing, RFC 1701) is obsolete
        return None
    size = 4 + 4 * (bool(flags & 0x80) + bool(flags & 0x20) + bool(flags & 0x10))
    if len(p) < size:
        return "GRE header cut short"
    body = p[size:]
    if ptype in (0x0800, 0x86DD):
        return body, "GRE"
    if ptype == _TEB:
        return _ethernet(body, "GRE (Ethernet)")
    if ptype == _ERSPAN_I_II:
        if not flags & 0x10:
            return _ethernet(body, "ERSPAN type I")
        if len(body) < 8 or body[0] >> 4 != 1:
            return "ERSPAN type II header cut short or of another version"
        return _ethernet(body[8:], f"ERSPAN type II session {_session(body)}")
    if ptype == _ERSPAN_III:
        return _erspan3(body)
    return None


def _erspan3(b: bytes) -> tuple[bytes, str] | str | None:
    if len(b) < 12 or b[0] >> 4 != 2:
        return "ERSPAN type III header cut short or of another version"
    size = 12 + (8 if b[11] & 0x01 else 0)  # O: a platform-specific subheader follows
    frame_type = (b[10] >> 2) & 0x1F
    if len(b) < size:
        return "ERSPAN type III header cut short"
    label = f"ERSPAN type III session {_session(b)}"
    if frame_type == 2:
        return b[size:], label
    return _ethernet(b[size:], label) if frame_type == 0 else None


def _session(b: bytes) -> int:
    return ((b[2] & 0x03) << 8) | b[3]


def _ethernet(frame: bytes, label: str) -> tuple[bytes, str] | None:
    packet = link_payload(1, frame)
    return (packet, label) if packet else None
