"""``stun:`` and ``turn:`` URLs (RFC 7064 §3.1, RFC 7065 §3.1) and the TURN server a URL names.

Pure: parsing never resolves a name or sends a packet. Errors are ``ValueError`` with one line
saying what is wrong, fit for a usage error; they never repeat credentials put in a URL.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from icecheck.inputs.numbers import decimal

__all__ = ["DEFAULT_PORT", "IceUrl", "TurnServer", "hostport", "is_ip", "parse_host_port", "parse_ice_url"]

DEFAULT_PORT = 3478  # RFC 7064 §3.2 / RFC 7065 §3.2 (stun:, turn: without TLS)
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


@dataclass(frozen=True, slots=True)
class IceUrl:
    """A parsed ``stun:`` or ``turn:`` URL."""

    scheme: str  # stun or turn
    host: str  # IP literal (without brackets) or host name
    port: int = DEFAULT_PORT
    transport: str = "udp"  # turn only: client-to-server transport

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port


def parse_ice_url(url: str) -> IceUrl:
    """Parse ``stun:host[:port]`` or ``turn:host[:port][?transport=udp|tcp]`` (IPv6 in brackets).

    Raises ValueError saying what is wrong; stuns:/turns: (TLS) are refused as unsupported.
    """
    scheme, colon, rest = url.strip().partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in ("stun", "turn", "stuns", "turns"):
        raise ValueError(f"{_shown(url)!r} is not a stun: or turn: URL (e.g. stun:192.0.2.1:3478)")
    if scheme in ("stuns", "turns"):
        raise ValueError(f"{_shown(url)!r}: {scheme}: (TLS) is not supported, use {scheme[:-1]}:")
    where, _, query = rest.partition("?")
    if "@" in where:
        raise ValueError(f"{_shown(url)!r}: credentials do not belong in the URL; pass them separately")
    if rest.startswith("//"):
        raise ValueError(f"{url!r}: write {scheme}:{rest[2:]} ({scheme}: URLs have no '//', RFC 7064 §3.1)")
    host, port = parse_host_port(where, DEFAULT_PORT, url)
    return IceUrl(scheme, host, port, _transport(scheme, query, url))


def _shown(url: str) -> str:
    """``url`` with any ``user:password@`` part replaced, so an error message never repeats a secret."""
    url = url.strip()
    if "@" not in url:
        return url
    scheme, colon, rest = url.partition(":")
    if "@" in scheme or not colon:  # no scheme before the credentials
        return f"***@{url.rpartition('@')[2]}"
    return f"{scheme}:{'//' if rest.startswith('//') else ''}***@{rest.rpartition('@')[2]}"


def parse_host_port(text: str, default_port: int, url: str | None = None) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` → (host, port); ValueError naming ``url``.

    Outside a URL (``url`` None) a bare IPv6 literal is accepted too.
    """
    bare_ipv6, url = url is None, text if url is None else url
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not is_ip(host) or ":" not in host or (rest and not rest.startswith(":")):
            raise ValueError(f"{url!r}: bad bracketed IPv6 address (write [2001:db8::1]:3478)")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:
        if bare_ipv6 and is_ip(text):
            return ipaddress.ip_address(text).compressed, default_port
        raise ValueError(f"{url!r}: put an IPv6 address in brackets, e.g. [2001:db8::1]:3478")
    else:
        host, colon, port_text_ = text.partition(":")
        port_text = port_text_ if colon else None
        if not (is_ip(host) or (_HOSTNAME.fullmatch(host) and not host.rstrip(".").rsplit(".", 1)[-1].isdigit())):
            raise ValueError(f"{url!r}: {host!r} is neither an IP address nor a host name")
    if port_text is None:
        return host, default_port
    port = decimal(port_text) if port_text.isascii() else None  # (not int(): 5,000 digits)
    if port is None or not 0 < port < 65536:
        raise ValueError(f"{url!r}: port must be a number from 1 to 65535, not {port_text!r}")
    return host, port


def _transport(scheme: str, query: str, url: str) -> str:
    if not query:
        return "udp"
    key, _, value = query.partition("=")
    if scheme != "turn":
        raise ValueError(f"{url!r}: stun: URLs take no query (?transport= is for turn:)")
    if key != "transport" or value.lower() not in ("udp", "tcp"):
        raise ValueError(f"{url!r}: the only query is ?transport=udp or ?transport=tcp")
    return value.lower()


def hostport(host: str, port: int) -> str:
    """``host:port``, with IPv6 literals in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_ip(text: str) -> bool:
    """True for an IPv4 or IPv6 literal (without brackets)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class TurnServer:
    """A TURN server and its long-term credentials; the password never appears in a repr or URL."""

    host: str
    port: int = DEFAULT_PORT
    transport: str = "udp"  # client-to-server transport: udp or tcp
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def from_url(cls, url: str, username: str = "", password: str = "") -> TurnServer:
        """From a ``turn:host[:port][?transport=udp|tcp]`` URL; ValueError if it is not one."""
        parsed = parse_ice_url(url)
        if parsed.scheme != "turn":
            raise ValueError(f"{_shown(url)!r}: expected a turn: URL")
        return cls(parsed.host, parsed.port, parsed.transport, username, password)

    @property
    def url(self) -> str:
        return f"turn:{hostport(self.host, self.port)}?transport={self.transport}"
