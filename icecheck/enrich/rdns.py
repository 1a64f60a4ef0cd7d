"""Reverse DNS (PTR) for public addresses, with dnspython's asyncio resolver.

With ``EnrichConfig.resolver`` set, the resolver is built with ``configure=False`` and that
one nameserver: nothing is read from ``/etc/resolv.conf`` and no other server is asked. Without
it the system resolver is used — what a real user wants, and what tests never do. What the
name reveals is parsed by ``ptr_hints`` (re-exported here).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from icecheck.enrich.config import EnrichConfig, parse_resolver
from icecheck.enrich.errors import Failure, classify_exception
from icecheck.enrich.ptr_hints import KINDS, ptr_hints
from icecheck.model import Attempt, AttemptStatus

__all__ = ["KINDS", "PtrClient", "ptr_hints"]


class PtrClient:
    """PTR lookups (and host-name resolution when asked); one per run, resolver built on first use."""

    def __init__(self, config: EnrichConfig) -> None:
        self._config = config
        self._resolver: Any = None

    async def lookup(self, address: str) -> tuple[str | None, Attempt]:
        """The PTR name of ``address`` (``None`` when there is none) and the attempt's outcome."""
        start = time.monotonic()
        try:
            answer = await asyncio.wait_for(self._get_resolver().resolve_address(address), self._config.lookup_timeout)
            name = str(answer[0].target.to_text(omit_final_dot=True)) if len(answer) else None
        except TimeoutError:
            failure = Failure(AttemptStatus.TIMEOUT, f"no answer within {self._config.lookup_timeout:g} s", kind="ptr")
            return None, _attempt(address, failure.status, failure.detail, start)
        except Exception as exc:
            failure = classify_exception(exc, kind="ptr")
            return None, _attempt(address, failure.status, failure.detail, start)
        if name is None:
            return None, _attempt(address, AttemptStatus.NXDOMAIN, "no PTR record", start)
        return name, _attempt(address, AttemptStatus.OK, name, start)

    async def resolve_name(self, name: str) -> tuple[list[str], Attempt]:
        """A and AAAA of a candidate's host name (``--resolve-hostnames``; never ``.local``)."""
        start = time.monotonic()
        outcomes = await asyncio.gather(self._addresses(name, "A"), self._addresses(name, "AAAA"))
        found = [a for addresses, _ in outcomes for a in addresses]
        if found:
            return found, Attempt("resolve", name, AttemptStatus.OK, "resolved to " + ", ".join(found), _since(start))
        failures = [f for _, f in outcomes if f is not None]
        failure = next((f for f in failures if f.status is not AttemptStatus.NXDOMAIN), failures[0])
        return [], Attempt("resolve", name, failure.status, failure.detail, _since(start))

    async def _addresses(self, name: str, rdtype: str) -> tuple[list[str], Failure | None]:
        try:
            answer = await asyncio.wait_for(self._get_resolver().resolve(name, rdtype), self._config.lookup_timeout)
        except TimeoutError:
            return [], Failure(
                AttemptStatus.TIMEOUT, f"no answer within {self._config.lookup_timeout:g} s", kind="resolve"
            )
        except Exception as exc:
            return [], classify_exception(exc, kind="resolve")
        return [str(r.address) for r in answer], None

    def _get_resolver(self) -> Any:
        if self._resolver is None:
            self._resolver = make_resolver(self._config)
        return self._resolver


def make_resolver(config: EnrichConfig) -> Any:
    """An asyncio resolver: the configured ``IP[:PORT]`` only, else the system's settings."""
    import dns.asyncresolver

    resolver = dns.asyncresolver.Resolver(configure=config.resolver is None)
    if config.resolver is not None:
        host, port = parse_resolver(config.resolver)
        resolver.nameservers, resolver.port = [host], port
    resolver.timeout = resolver.lifetime = config.timeout
    return resolver


def _attempt(address: str, status: AttemptStatus, detail: str, start: float) -> Attempt:
    return Attempt("ptr", address, status, detail, _since(start))


def _since(start: float) -> float:
    return round(time.monotonic() - start, 4)
