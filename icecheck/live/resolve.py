"""Resolving STUN/TURN host names, only through a resolver chosen explicitly.

A ``Resolver`` is an async function ``host -> addresses``. ``system_resolver`` asks the operating
system (its configured DNS servers see the name); ``nameserver_resolver`` asks only the given
servers with dnspython, never /etc/resolv.conf. ``resolve_host`` turns an IP literal or a name
into one address, or raises ``StunError("unresolvable", ...)``: a failed lookup is data.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

from icecheck.live.stun import StunError
from icecheck.live.urls import is_ip
from icecheck.model import AttemptStatus

__all__ = ["Resolver", "nameserver_resolver", "resolve_host", "system_resolver"]

Resolver = Callable[[str], Awaitable[Sequence[str]]]


async def resolve_host(host: str, resolver: Resolver | None, ipv6: bool, timeout: float) -> str:
    """An IP literal as is; a name only through ``resolver``, within ``timeout`` s (IPv4 first).

    Raises ``StunError`` with status ``unresolvable`` saying why.
    """
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).compressed
    if resolver is None:
        raise StunError(AttemptStatus.UNRESOLVABLE, f"{host} is a host name and no resolver was given")
    try:
        found = await asyncio.wait_for(resolver(host), max(0.0, timeout))
    except TimeoutError:
        raise StunError(AttemptStatus.UNRESOLVABLE, f"lookup of {host} timed out") from None
    except Exception as exc:  # a resolver is pluggable: whatever it raises is an unresolvable name
        raise StunError(AttemptStatus.UNRESOLVABLE, f"{host}: {exc or type(exc).__name__}") from exc
    usable = sorted((ipaddress.ip_address(a) for a in found if is_ip(a)), key=lambda ip: ip.version)
    usable = [ip for ip in usable if ip.version == 4 or ipv6]
    if not usable:
        raise StunError(AttemptStatus.UNRESOLVABLE, f"{host} has no usable address")
    return usable[0].compressed


async def system_resolver(host: str) -> list[str]:
    """Resolve through the operating system (getaddrinfo): its configured DNS servers get the query."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def nameserver_resolver(nameservers: Sequence[str], port: int = 53, lifetime: float = 2.0) -> Resolver:
    """A resolver asking only ``nameservers`` (A, then AAAA) with dnspython; never /etc/resolv.conf."""
    import dns.asyncresolver
    import dns.exception

    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = list(nameservers), port, lifetime

    async def resolve(host: str) -> list[str]:
        out = []
        for rdtype in ("A", "AAAA"):
            with contextlib.suppress(dns.exception.DNSException):
                out += [r.to_text() for r in await resolver.resolve(host, rdtype)]
        if not out:
            raise LookupError(f"{host}: no A or AAAA record from {', '.join(nameservers)}")
        return out

    return resolve
