"""The enrichment run behind ``icecheck.enrich.enrich`` (imported on first use).

``run(addresses, config)`` looks up every distinct *public* address (``classify`` decides:
private, CGNAT, documentation, mDNS and other non-public addresses never leave the machine),
RDAP and PTR side by side, with bounded concurrency, answering from the on-disk cache first.
It returns one ``NetworkInfo`` per public address, in input order, and one ``Attempt`` per
lookup: failures are data (ok, cached, offline, timeout, refused, nxdomain, rate-limited,
no-network, error), never exceptions.

With ``EnrichConfig.total_timeout`` the run ends by then: a lookup still under way is cancelled
and reported ``timeout`` (what it had finished, RDAP or PTR, is kept). ipwhois is synchronous,
so RDAP lookups run in daemon threads (``blocking.in_daemon_thread``): a cancelled one is
abandoned, and neither the run nor the process's exit waits for it. With neither RDAP nor PTR
enabled (``--no-lookups``) nothing is looked up and the cache is not opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from icecheck.blocking import in_daemon_thread
from icecheck.enrich.asn_kinds import network_kind
from icecheck.enrich.cache import Cache, age_text
from icecheck.enrich.config import EnrichConfig, cache_file
from icecheck.enrich.ptr_hints import ptr_hints
from icecheck.enrich.rdap import RdapClient, RdapData
from icecheck.enrich.rdns import PtrClient
from icecheck.enrich.targets import public_addresses
from icecheck.model import AddressClass, Attempt, NetworkInfo

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


async def run(
    addresses: Sequence[str], config: EnrichConfig, progress: Progress | None = None
) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
    """Network facts for the public ``addresses``; ``progress(done, total)`` after each address."""
    if not (config.rdap or config.ptr):
        return (), ()
    loop = asyncio.get_running_loop()
    deadline = None if config.total_timeout is None else loop.time() + config.total_timeout
    names = await resolve_hostnames(addresses, config, deadline) if config.resolve_hostnames else ([], [])
    resolved, name_attempts = names
    targets = public_addresses([*addresses, *resolved])
    if not targets:
        return (), tuple(name_attempts)
    cache = None if config.no_cache else Cache(cache_file(config), config.ttl)
    try:
        session = _Session(config, cache)
        session.prefetch(targets)
        results = await _run_all(targets, session, progress, deadline)
    finally:
        if cache is not None:
            cache.close()
    attempts = (*name_attempts, *(a for _, found in results for a in found))
    return tuple(info for info, _ in results), attempts


# Transition addresses whose embedded IPv4 is the user's own public address (a 6to4 router's,
# a Teredo client's NAT); NAT64's embedded IPv4 is the remote server's and is not followed.
async def resolve_hostnames(
    addresses: Sequence[str], config: EnrichConfig, deadline: float | None = None
) -> tuple[list[str], list[Attempt]]:
    """Resolve the plain host names among ``addresses`` (never mDNS ``.local``; nothing offline),
    by ``deadline`` (event-loop time) when given: a name still unresolved then is a ``timeout``."""
    from icecheck.classify import classify

    names = list(dict.fromkeys(a.strip() for a in addresses if classify(a).address_class is AddressClass.HOSTNAME))
    if config.offline:
        return [], [Attempt("resolve", n, "offline", "offline mode resolves no name", 0.0) for n in names]
    client, slots = PtrClient(config), asyncio.Semaphore(config.concurrency)

    async def one(name: str) -> tuple[list[str], Attempt]:
        async with slots:
            return await client.resolve_name(name)

    outcomes = await _until(deadline, {n: one(n) for n in names})
    late = [_late("resolve", n, config) for n in names if n not in outcomes]
    return [a for found, _ in outcomes.values() for a in found], [a for _, a in outcomes.values()] + late


async def _run_all(
    targets: list[str], session: _Session, progress: Progress | None, deadline: float | None = None
) -> list[tuple[NetworkInfo, list[Attempt]]]:
    """Answer cached addresses at once, look the rest up concurrently until ``deadline`` (event-loop
    time, or none); results in target order."""
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
    await _until(deadline, {a: look_up(a) for a in targets if a not in results})
    for address in targets:
        if address not in results:
            finish(address, session.late(address))
    return [results[a] for a in targets]


async def _until(deadline: float | None, jobs: dict[str, Coroutine[Any, Any, R]]) -> dict[str, R]:
    """Run ``jobs`` at once until all are done or ``deadline`` (event-loop time; None: no limit).

    Returns the results of the finished ones; the others are cancelled, and left out.
    """
    tasks = {key: asyncio.ensure_future(job) for key, job in jobs.items()}
    if not tasks:
        return {}
    left = None if deadline is None else max(0.0, deadline - asyncio.get_running_loop().time())
    await asyncio.wait(tasks.values(), timeout=left)
    late = [task for task in tasks.values() if not task.done()]
    for task in late:
        task.cancel()
    if late:  # they unwind at once: a blocked thread is abandoned, not waited for
        await asyncio.wait(late)
    return {key: task.result() for key, task in tasks.items() if not task.cancelled()}


class _Session:
    """One ``enrich`` run: clients, cache, limits."""

    def __init__(self, config: EnrichConfig, cache: Cache | None) -> None:
        self.config, self.cache = config, cache
        self.rdap, self.ptr = RdapClient(config), PtrClient(config)
        self.rdap_slots = asyncio.Semaphore(config.concurrency)
        self.ptr_slots = asyncio.Semaphore(config.concurrency)
        self.hits: dict[tuple[str, str], tuple[dict[str, Any], Attempt]] = {}
        self.rdap_done: dict[str, tuple[RdapData | None, list[Attempt]]] = {}  # kept if the other half is late
        self.ptr_done: dict[str, tuple[str | None, list[Attempt]]] = {}
        self.kinds = [k for k, on in (("rdap", config.rdap), ("ptr", config.ptr)) if on]

    def prefetch(self, targets: list[str]) -> None:
        """Read every usable cache entry in one query per kind (``refresh`` reads none)."""
        if self.cache is None or (self.config.refresh and not self.config.offline):
            return
        for kind in self.kinds:
            for address, entry in self.cache.get_many(kind, targets, self.config.offline).items():
                what = "no record" if kind == "ptr" and not entry.value.get("ptr") else "answer"
                detail = f"{what} from cache, {age_text(entry.age)} old" + (" (stale)" if entry.stale else "")
                self.hits[kind, address] = entry.value, Attempt(kind, address, "cached", detail, 0.0)

    def from_cache(self, address: str) -> tuple[NetworkInfo, list[Attempt]] | None:
        """The whole answer when every enabled lookup is cached (no task, no await)."""
        if not all((kind, address) in self.hits for kind in self.kinds):
            return None
        rdap, ptr = self.hits.get(("rdap", address)), self.hits.get(("ptr", address))
        data = RdapData.from_json(rdap[0]) if rdap else None
        attempts = [hit[1] for hit in (rdap, ptr) if hit is not None]
        return build_info(address, data, ptr[0].get("ptr") if ptr else None), attempts

    async def one(self, address: str) -> tuple[NetworkInfo, list[Attempt]]:
        await asyncio.gather(self._rdap(address), self._ptr(address))
        return self.late(address)

    def late(self, address: str) -> tuple[NetworkInfo, list[Attempt]]:
        """What is known of ``address``: its finished lookups, and a ``timeout`` for each unfinished one."""
        (data, a1), (ptr, a2) = (
            self.rdap_done.get(address) or (None, [_late("rdap", address, self.config)] if self.config.rdap else []),
            self.ptr_done.get(address) or (None, [_late("ptr", address, self.config)] if self.config.ptr else []),
        )
        return build_info(address, data, ptr), [*a1, *a2]

    async def _rdap(self, address: str) -> None:
        """Into ``rdap_done``: the registry data of ``address`` (cache, else network) and its attempts."""
        if not self.config.rdap:
            self.rdap_done[address] = None, []
            return
        hit = self._cached("rdap", address)
        if hit is not None:
            self.rdap_done[address] = RdapData.from_json(hit[0]), [hit[1]]
            return
        if self.config.offline:
            self.rdap_done[address] = None, [_offline("rdap", address)]
            return
        async with self.rdap_slots:
            data, attempt = await self.rdap.lookup(address, self._in_thread)
        if data is not None and self.cache is not None:
            self.cache.put("rdap", address, data.to_json())
        self.rdap_done[address] = data, [attempt]

    async def _ptr(self, address: str) -> None:
        """Into ``ptr_done``: the PTR name of ``address`` (cache, else network) and its attempts."""
        if not self.config.ptr:
            self.ptr_done[address] = None, []
            return
        hit = self._cached("ptr", address)
        if hit is not None:
            self.ptr_done[address] = hit[0].get("ptr"), [hit[1]]
            return
        if self.config.offline:
            self.ptr_done[address] = None, [_offline("ptr", address)]
            return
        async with self.ptr_slots:
            name, attempt = await self.ptr.lookup(address)
        if attempt.status in ("ok", "nxdomain") and self.cache is not None:  # definitive answers only
            self.cache.put("ptr", address, {"ptr": name})
        self.ptr_done[address] = name, [attempt]

    def _cached(self, kind: str, address: str) -> tuple[dict[str, Any], Attempt] | None:
        return self.hits.get((kind, address))

    def _in_thread(self, func: Callable[[], T]) -> asyncio.Future[T]:
        """A blocking ipwhois call in a daemon thread of its own; ``rdap_slots`` bounds how many run
        (asyncio's default executor has 6 threads on a 2-core machine, and would be joined at exit)."""
        return in_daemon_thread(func, "icecheck-rdap")


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
    return Attempt(kind, address, "offline", "not in cache; offline mode sends nothing", 0.0)


def _late(kind: str, target: str, config: EnrichConfig) -> Attempt:
    total = config.total_timeout or 0.0
    return Attempt(kind, target, "timeout", f"unfinished when the {total:g} s for all lookups ran out", total)
