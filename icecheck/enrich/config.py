"""Enrichment settings: what may be looked up, where, and how patiently.

``EnrichConfig`` is how ``enrich`` makes each lookup; ``LookupSettings`` is the lookup step of
an audit run (``--offline``, ``--resolver``, ``--max-lookups``, ``--geoip-db``…): that config,
how many public addresses to look up at most, and the GeoIP databases to read.

Everything that points a lookup somewhere is configuration (never monkeypatching): the DNS
resolver for PTR and Team Cymru ASN TXT queries, the HTTPS proxy and CA file for RDAP, the
cache location. Unset values fall back to the standard environment variables a user already
has (``https_proxy``/``HTTPS_PROXY``, ``SSL_CERT_FILE``, ``XDG_CACHE_HOME``).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from icecheck.enrich.geoip_discover import DatabasePath
from icecheck.records import record

DEFAULT_TTL = 7 * 24 * 3600.0  # registry data changes rarely; a week keeps repeat audits offline-fast


@record
class EnrichConfig:
    """How ``enrich`` behaves. Defaults suit a user on a normal network.

    ``offline`` answers from the cache only and sends no packet; ``no_cache`` neither reads nor
    writes the cache; ``refresh`` skips reading it but stores fresh answers. ``resolver`` is
    ``IP``, ``IP:PORT`` or ``[IPv6]:PORT``; when ``None`` the system resolver is used (users only:
    tests always name a loopback resolver). ``timeout`` bounds each network operation,
    ``lookup_timeout`` one address's whole RDAP or PTR lookup (retries excluded), and
    ``total_timeout``, when set, the whole run: what is unfinished then is reported ``timeout``
    and left behind (a blocked lookup thread is abandoned, never waited for). ``rdap`` and
    ``ptr`` off both means no lookup at all: not even the cache is read (``--no-lookups``).
    """

    offline: bool = False
    no_cache: bool = False
    refresh: bool = False
    cache_path: Path | None = None
    ttl: float = DEFAULT_TTL
    resolver: str | None = None
    https_proxy: str | None = None
    ca_file: str | None = None
    timeout: float = 5.0
    lookup_timeout: float = 15.0
    total_timeout: float | None = None
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    concurrency: int = 16
    rdap: bool = True
    ptr: bool = True
    resolve_hostnames: bool = False

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.retries < 0:
            raise ValueError("concurrency must be >= 1 and retries >= 0")
        total = 1.0 if self.total_timeout is None else self.total_timeout
        if min(self.timeout, self.lookup_timeout, total) <= 0 or min(self.ttl, self.backoff, self.max_backoff) < 0:
            raise ValueError("timeouts must be positive; ttl and backoff not negative")
        if self.resolver is not None:
            parse_resolver(self.resolver)  # fail early on a bad --resolver


@dataclass(frozen=True, slots=True)
class LookupSettings:
    """The lookup step of an audit run: ``config`` for each lookup, ``max_lookups``, how many
    public addresses are looked up at most (the first seen; a note says how many were not), and
    ``geoip``, the GeoIP databases to read in order of precedence (``--geoip-db``,
    ``ICECHECK_GEOIP_DB``, the standard folders: ``geoip_discover.discover_databases``). Reading
    them sends nothing, so they are read under ``offline`` too."""

    config: EnrichConfig
    max_lookups: int
    geoip: tuple[DatabasePath, ...] = ()


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/icecheck``, else ``~/.cache/icecheck`` (XDG Base Directory spec)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "icecheck"


def cache_file(config: EnrichConfig) -> Path:
    """The SQLite file the cache lives in."""
    return config.cache_path or default_cache_dir() / "enrich.sqlite3"


def parse_resolver(text: str) -> tuple[str, int]:
    """Split ``IP[:PORT]`` / ``[IPv6]:PORT`` / bare IPv6 into (ip, port); port defaults to 53.

    Raises ``ValueError`` for anything that is not an IP literal: a resolver given by name
    would itself need a resolver.
    """
    host, port = text.strip(), 53
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else 53
    elif host.count(":") == 1:
        host, _, port_text = host.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)
    if not 0 < port < 65536:
        raise ValueError(f"resolver port out of range: {port}")
    return host, port


def https_proxy(config: EnrichConfig) -> str | None:
    """The proxy for RDAP: explicit, else ``https_proxy``/``HTTPS_PROXY`` from the environment."""
    if config.https_proxy:
        return config.https_proxy
    import urllib.request  # lazy: the CLI's cold start is measured

    return urllib.request.getproxies().get("https")


def ca_file(config: EnrichConfig) -> str | None:
    """The CA bundle for RDAP TLS: explicit, else ``SSL_CERT_FILE``, else the system store."""
    return config.ca_file or os.environ.get("SSL_CERT_FILE") or None
