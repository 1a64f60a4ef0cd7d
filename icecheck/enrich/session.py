"""The enrichment run behind ``icecheck.enrich.enrich`` (imported on first use).

``run(addresses, config)`` looks up every distinct *public* address (``classify`` decides:
private, CGNAT, documentation, mDNS and other non-public addresses never leave the machine),
RDAP and PTR side by side, with bounded concurrency, answering from the on-disk cache first.
It returns one ``NetworkInfo`` per public address, in input order, and one ``Attempt`` per
lookup: failures are data (ok, cached, offline, timeout, refused, nxdomain, rate-limited,
no-network, error), never exceptions.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from icecheck.enrich.asn_kinds import network_kind
from icecheck.enrich.cache import Cache, age_text
from icecheck.enrich.config import EnrichConfig, cache_file
from icecheck.enrich.ptr_hints import ptr_hints
from icecheck.enrich.rdap import RdapClient, RdapData
from icecheck.enrich.rdns import PtrClient
from icecheck.enrich.targets import public_addresses
from icecheck.model import AddressClass, Attempt, AttemptStatus, NetworkInfo

T = TypeVar("T")
Progress = Callable[[int, int], None]


async def run(
    addresses: Sequence[str], config: EnrichConfig, progress: Progress | None = None
) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
    """Network facts for the public ``addresses``; ``progress(done, total)`` after each address."""
    resolved, name_attempts = await resolve_hostnames(addresses, config) if config.resolve_hostnames else ([], [])
    targets = public_addresses([*addresses, *resolved])
    if not targets:
        return (), tuple(name_attempts)
    cache = None if config.no_cache else Cache(cache_file(config), config.ttl)
    executor = None if config.offline else ThreadPoolExecutor(config.concurrency, "icecheck-rdap")
    try:
        session = _Session(config, cache, executor)
        session.prefetch(targets)
        results = await _run_all(targets, session, progress)
    finally:
        if cache is not None:
            cache.close()
        if executor is not None:  # a stalled lookup thread must not hold the caller up
            executor.shutdown(wait=False, cancel_futures=True)
    attempts = (*name_attempts, *(a for _, found in results for a in found))
    return tuple(info for info, _ in results), attempts


# Transition addresses whose embedded IPv4 is the user's own public address (a 6to4 router's,
# a Teredo client's NAT); NAT64's embedded IPv4 is the remote server's and is not followed.
async def resolve_hostnames(addresses: Sequence[str], config: EnrichConfig) -> tuple[list[str], list[Attempt]]:
    """Resolve the plain host names among ``addresses`` (never mDNS ``.local``; nothing offline)."""
    from icecheck.classify import classify

    names = list(dict.fromkeys(a.strip() for a in addresses if classify(a).address_class is AddressClass.HOSTNAME))
    if config.offline:
        return [], [Attempt("resolve", n, AttemptStatus.OFFLINE, "offline mode resolves no name", 0.0) for n in names]
    client, slots = PtrClient(config), asyncio.Semaphore(config.concurrency)

    async def one(name: str) -> tuple[list[str], Attempt]:
        async with slots:
            return await client.resolve_name(name)

    outcomes = await asyncio.gather(*(one(n) for n in names))
    return [a for found, _ in outcomes for a in found], [attempt for _, attempt in outcomes]


async def _run_all(
    targets: list[str], session: _Session, progress: Progress | None
) -> list[tuple[NetworkInfo, list[Attempt]]]:
    """Answer cached addresses at once, look the rest up concurrently; results in target order."""
    done, total = 0, len(targets)
    results: dict[str, tuple[NetworkInfo, list[Attempt]]] = {}

    def finish(address: str, result: tuple[NetworkInfo, list[Attempt]]) -> None:
        nonlocal done
        results[address], done = result, done + 1
        if progress is not None:
            progress(done, total)

    async def look_up(address: str) -> None:
        finish(address, await session.one(address))

    for address in targets:
        hit = session.from_cache(address)
        if hit is not None:
            finish(address, hit)
    await asyncio.gather(*(look_up(a) for a in targets if a not in results))
    return [results[a] for a in targets]


class _Session:
    """One ``enrich`` run: clients, cache, limits."""

    def __init__(self, config: EnrichConfig, cache: Cache | None, executor: ThreadPoolExecutor | None) -> None:
        self.config, self.cache, self.executor = config, cache, executor
        self.rdap, self.ptr = RdapClient(config), PtrClient(config)
        self.rdap_slots = asyncio.Semaphore(config.concurrency)
        self.ptr_slots = asyncio.Semaphore(config.concurrency)
        self.hits: dict[tuple[str, str], tuple[dict[str, Any], Attempt]] = {}
        self.kinds = [k for k, on in (("rdap", config.rdap), ("ptr", config.ptr)) if on]

    def prefetch(self, targets: list[str]) -> None:
        """Read every usable cache entry in one query per kind (``refresh`` reads none)."""
        if self.cache is None or (self.config.refresh and not self.config.offline):
            return
        for kind in self.kinds:
            for address, entry in self.cache.get_many(kind, targets, self.config.offline).items():
                what = "no record" if kind == "ptr" and not entry.value.get("ptr") else "answer"
                detail = f"{what} from cache, {age_text(entry.age)} old" + (" (stale)" if entry.stale else "")
                self.hits[kind, address] = entry.value, Attempt(kind, address, AttemptStatus.CACHED, detail, 0.0)

    def from_cache(self, address: str) -> tuple[NetworkInfo, list[Attempt]] | None:
        """The whole answer when every enabled lookup is cached (no task, no await)."""
        if not all((kind, address) in self.hits for kind in self.kinds):
            return None
        rdap, ptr = self.hits.get(("rdap", address)), self.hits.get(("ptr", address))
        data = RdapData.from_json(rdap[0]) if rdap else None
        attempts = [hit[1] for hit in (rdap, ptr) if hit is not None]
        return build_info(address, data, ptr[0].get("ptr") if ptr else None), attempts

    async def one(self, address: str) -> tuple[NetworkInfo, list[Attempt]]:
        (data, a1), (ptr, a2) = await asyncio.gather(self._rdap(address), self._ptr(address))
        return build_info(address, data, ptr), [*a1, *a2]

    async def _rdap(self, address: str) -> tuple[RdapData | None, list[Attempt]]:
        if not self.config.rdap:
            return None, []
        hit = self._cached("rdap", address)
        if hit is not None:
            return RdapData.from_json(hit[0]), [hit[1]]
        if self.config.offline:
            return None, [_offline("rdap", address)]
        async with self.rdap_slots:
            data, attempt = await self.rdap.lookup(address, self._in_thread)
        if data is not None and self.cache is not None:
            self.cache.put("rdap", address, data.to_json())
        return data, [attempt]

    async def _ptr(self, address: str) -> tuple[str | None, list[Attempt]]:
        if not self.config.ptr:
            return None, []
        hit = self._cached("ptr", address)
        if hit is not None:
            return hit[0].get("ptr"), [hit[1]]
        if self.config.offline:
            return None, [_offline("ptr", address)]
        async with self.ptr_slots:
            name, attempt = await self.ptr.lookup(address)
        if (
            attempt.status in (AttemptStatus.OK, AttemptStatus.NXDOMAIN) and self.cache is not None
        ):  # definitive answers only
            self.cache.put("ptr", address, {"ptr": name})
        return name, [attempt]

    def _cached(self, kind: str, address: str) -> tuple[dict[str, Any], Attempt] | None:
        return self.hits.get((kind, address))

    def _in_thread(self, func: Callable[[], T]) -> asyncio.Future[T]:
        """``asyncio.to_thread`` on this run's own bounded executor (the default one has 6 threads
        on a 2-core machine, which would cap concurrency below the configured limit)."""
        context = contextvars.copy_context()
        return asyncio.get_running_loop().run_in_executor(self.executor, context.run, func)


def build_info(address: str, data: RdapData | None, ptr: str | None) -> NetworkInfo:
    """Merge registry data, PTR name and their interpretations into one ``NetworkInfo``."""
    hints = ptr_hints(ptr, address) if ptr else ()
    if data is None:
        return NetworkInfo(address=address, ptr=ptr, ptr_hints=hints)
    kind = network_kind(data.asn, data.as_name, data.network_name, data.organisation)
    return NetworkInfo(
        address=address,
        asn=data.asn,
        as_name=data.as_name,
        network_name=data.network_name,
        cidr=data.cidr,
        organisation=data.organisation,
        country=data.country,
        registry=data.registry,
        network_kind=kind,
        ptr=ptr,
        ptr_hints=hints,
    )


def _offline(kind: str, address: str) -> Attempt:
    return Attempt(kind, address, AttemptStatus.OFFLINE, "not in cache; offline mode sends nothing", 0.0)
