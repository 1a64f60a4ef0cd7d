"""Resolving STUN/TURN host names, only through a resolver chosen explicitly, within a time limit.

A ``Resolver`` is an async function ``host -> addresses``. ``system_resolver`` asks the operating
system (its configured DNS servers see the name); ``nameserver_resolver`` asks only the given
servers with dnspython, never /etc/resolv.conf. ``resolve_host`` turns an IP literal or a name
into one address within a time limit, or raises ``StunError``: ``timeout`` when the resolver
did not answer in time, ``unresolvable`` when it said no. A failed lookup is data.

The system resolver's ``getaddrinfo`` cannot be cancelled: it runs in a daemon thread
(``blocking.in_daemon_thread``) that is abandoned at the time limit, so a DNS server that never
answers holds neither the run nor the process's exit beyond ``--timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

from icecheck.blocking import in_daemon_thread
from icecheck.live.stun import StunError
from icecheck.live.urls import is_ip

__all__ = ["Resolver", "nameserver_resolver", "resolve_host", "system_resolver"]

Resolver = Callable[[str], Awaitable[Sequence[str]]]


async def resolve_host(host: str, resolver: Resolver | None, ipv6: bool, timeout: float) -> str:
    """An IP literal as is; a name only through ``resolver``, within ``timeout`` s (IPv4 first).

    Raises ``StunError``: ``timeout`` when no answer came in time, else ``unresolvable``, saying why.
    """
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).compressed
    if resolver is None:
        raise StunError("unresolvable", f"{host} is a host name and no resolver was given")
    try:
        found = await asyncio.wait_for(resolver(host), max(0.0, timeout))
    except TimeoutError as exc:  # the time limit, or the resolver's own (``nameserver_resolver``)
        why = str(exc) or f"no answer from the resolver for {host} within {max(0.0, timeout):.3g} s"
        raise StunError("timeout", why) from None
    except Exception as exc:  # a resolver is pluggable: whatever it raises is an unresolvable name
        raise StunError("unresolvable", f"{host}: {exc or type(exc).__name__}") from exc
    usable = sorted((ipaddress.ip_address(a) for a in found if is_ip(a)), key=lambda ip: ip.version)
    usable = [ip for ip in usable if ip.version == 4 or ipv6]
    if not usable:
        raise StunError("unresolvable", f"{host} has no usable address")
    return usable[0].compressed


async def system_resolver(host: str) -> list[str]:
    """Resolve through the operating system (getaddrinfo): its configured DNS servers get the query.

    The call runs in a daemon thread, which a caller's ``asyncio.wait_for`` abandons at its timeout.
    """
    call = functools.partial(socket.getaddrinfo, host, None, type=socket.SOCK_DGRAM)
    infos = await in_daemon_thread(call, "icecheck-getaddrinfo")
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def nameserver_resolver(nameservers: Sequence[str], port: int = 53, lifetime: float = 2.0) -> Resolver:
    """A resolver asking only ``nameservers`` (A and AAAA at once) with dnspython; never /etc/resolv.conf.

    Raises ``TimeoutError`` when the servers gave no address and did not answer within
    ``lifetime`` s, ``LookupError`` when they answered without one.
    """
    import dns.asyncresolver
    import dns.exception

    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = list(nameservers), port, lifetime
    servers = ", ".join(nameservers)

    async def one(host: str, rdtype: str) -> list[str] | dns.exception.DNSException:
        try:
            return [r.to_text() for r in await resolver.resolve(host, rdtype)]
        except dns.exception.DNSException as exc:
            return exc

    async def resolve(host: str) -> list[str]:
        found = await asyncio.gather(one(host, "A"), one(host, "AAAA"))
        out = [a for answer in found if isinstance(answer, list) for a in answer]
        if not out and any(isinstance(f, dns.exception.Timeout) for f in found):
            raise TimeoutError(f"no answer from {servers} for {host} within {lifetime:g} s")
        if not out:
            raise LookupError(f"{host}: no A or AAAA record from {servers}")
        return out

    return resolve
