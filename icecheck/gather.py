"""Live gathering: the candidates this machine would expose, and every STUN/TURN attempt as data.

Host candidates: one UDP socket bound per local address (``interfaces.local_addresses``: no
loopback, no IPv6 link-local), as aioice and browsers do. Each STUN server gets a Binding request
(RFC 5389 §7.1) from every host socket of its address family, so a server-reflexive candidate
keeps its real base; each TURN server gets an Allocate with long-term credentials (RFC 8656 §7.1),
after which the allocation is deleted again. Unlike aioice's ``gather_candidates()`` (one STUN
server, failures dropped, a fixed 5 s wait), every server attempt becomes an ``Attempt`` with its
status and elapsed time, and ``GatherConfig.timeout`` bounds the whole gathering.

Server host names are resolved only through ``GatherConfig.resolver`` (``system_resolver`` or
``nameserver_resolver``, chosen explicitly); without one a name is reported ``unresolvable``.
URLs live in ``urls.py``, resolvers in ``resolve.py``; both are re-exported here.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aioice.candidate import candidate_foundation
from aioice.stun import Message

from icecheck.live.interfaces import describe_interfaces, host_addresses, interface_rank_key
from icecheck.live.resolve import Resolver, nameserver_resolver, resolve_host, system_resolver
from icecheck.live.stun import (
    Address,
    StunEndpoint,
    StunError,
    StunStream,
    allocate,
    binding_request,
    mapped_address,
    release,
)
from icecheck.live.urls import IceUrl, TurnServer, hostport, is_ip, parse_ice_url
from icecheck.model import (
    Attempt,
    AttemptStatus,
    Candidate,
    CandidateRecord,
    Diagnostic,
    DiagnosticLevel,
    InputDocument,
    InputKind,
    InputStatus,
    InterfaceInfo,
    Origin,
)

__all__ = ["PUBLIC_STUN_URLS", "GatherConfig", "IceUrl", "Resolver", "TurnServer", "gather",
           "nameserver_resolver", "parse_ice_url", "system_resolver"]  # fmt: skip

# Well-known public STUN servers for an explicit --public-stun: asking them sends packets to a
# third party (Google, Cloudflare) and needs a resolver. Never used by the tests.
PUBLIC_STUN_URLS = ("stun:stun.l.google.com:19302", "stun:stun1.l.google.com:19302", "stun:stun.cloudflare.com:3478")
_ULA = ipaddress.ip_network("fc00::/7")
_STATUS_ORDER = (
    AttemptStatus.REFUSED,
    AttemptStatus.NO_NETWORK,
    AttemptStatus.AUTH_FAILED,
    AttemptStatus.UNRESOLVABLE,
    AttemptStatus.ERROR,
    AttemptStatus.TIMEOUT,
)
_TYPE_PREF = {"host": 126, "srflx": 100, "udp": 2, "tcp": 1}  # RFC 8445 §5.1.2.2; relay by transport (libwebrtc)


@dataclass(frozen=True, slots=True)
class GatherConfig:
    """What to gather. ``timeout`` (seconds) bounds the whole gathering; ``offline`` sends nothing."""

    stun_servers: Sequence[tuple[str, int]] = ()
    turn_servers: Sequence[TurnServer] = ()
    ipv6: bool = True
    timeout: float = 3.0
    offline: bool = False
    resolver: Resolver | None = field(default=None, repr=False, compare=False)
    progress: Callable[[Attempt], None] | None = field(default=None, repr=False, compare=False)  # per attempt

    def __post_init__(self) -> None:
        object.__setattr__(self, "stun_servers", tuple((str(h), int(p)) for h, p in self.stun_servers))
        object.__setattr__(self, "turn_servers", tuple(self.turn_servers))
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, not {self.timeout}")
        if any(t.transport not in ("udp", "tcp") for t in self.turn_servers):
            raise ValueError("TURN transport must be udp or tcp")


@dataclass(slots=True)
class _Base:
    """A bound host socket: the base of host and server-reflexive candidates (RFC 8445 §5.1.1.1)."""

    endpoint: StunEndpoint
    interface: InterfaceInfo  # name only until _describe() fills in kind and default route
    rank: int = 0  # libwebrtc-style interface rank: 127 for the best interface, then downwards


async def gather(config: GatherConfig) -> InputDocument:
    """Gather host, server-reflexive and relay candidates; ``kind="gather"``, ``path="live"``.

    Never raises for network trouble: failures are ``Attempt`` values and ``Diagnostic`` warnings.
    Returns within ``config.timeout`` (plus socket setup) even when servers do not answer.
    Requests go out first; the interfaces are described while the answers travel.
    """
    deadline = asyncio.get_running_loop().time() + config.timeout
    sent = [] if config.offline else [asyncio.Event() for _ in config.turn_servers]
    turns = [
        asyncio.create_task(_turn(t, config, deadline, e)) for t, e in zip(config.turn_servers, sent, strict=False)
    ]
    bases: list[_Base] = []
    try:
        for event in sent:  # an allocation takes two round trips: start them before the local scan
            await event.wait()
        bases, diagnostics = await _bind(host_addresses(config.ipv6))
        stuns = [] if config.offline else [asyncio.create_task(_stun(s, bases, config, deadline))
                                           for s in config.stun_servers]  # fmt: skip
        for task in [*turns, *stuns]:
            task.add_done_callback(lambda t: _report(config, t))
        await asyncio.sleep(0)  # each STUN task sends its requests in its first step
        _describe(bases)
        stun_results, turn_results = await asyncio.gather(*stuns), await asyncio.gather(*turns)
    finally:
        for task in turns:
            task.cancel()  # a no-op once done; stops them if gathering itself failed
        for base in bases:
            base.endpoint.close()
    records = [_host(b) for b in bases]
    records += [_srflx(base, mapped, attempt.target) for attempt, found in stun_results for base, mapped in found]
    records += [relay for _, relay in turn_results if relay is not None]
    unique: dict[Candidate, CandidateRecord] = {}
    for item in records:  # the same mapping learned from two servers is one candidate
        unique.setdefault(item.candidate, item)
    attempts = [attempt for attempt, _ in [*stun_results, *turn_results]]
    return InputDocument(
        path="live", kind=InputKind.GATHER, status=_status(list(unique.values()), attempts),
        candidates=tuple(unique.values()), diagnostics=tuple(diagnostics + _notes(config, bases)),
        duplicates=len(records) - len(unique), attempts=tuple(attempts),
    )  # fmt: skip


async def _bind(pairs: list[tuple[str, str]]) -> tuple[list[_Base], list[Diagnostic]]:
    """One socket per ``(interface, address)``; an address that cannot be bound is a warning."""
    bases, diagnostics = [], []
    for name, address in pairs:
        try:
            bases.append(_Base(await StunEndpoint.bind(address), InterfaceInfo(name, "unknown")))
        except OSError as exc:
            diagnostics.append(_warning(f"cannot bind {address} on {name}: {exc.strerror}"))
    return bases, diagnostics


def _describe(bases: list[_Base]) -> None:
    """Fill in interface kinds and the default route; rank and order the bases, best first."""
    infos = describe_interfaces(dict.fromkeys(b.interface.name for b in bases))
    for base in bases:
        base.interface = infos[base.interface.name]
    bases.sort(key=lambda b: interface_rank_key(b.interface))
    names = list(dict.fromkeys(b.interface.name for b in bases))
    for base in bases:
        base.rank = max(0, 127 - names.index(base.interface.name))


async def _stun(
    server: tuple[str, int], bases: list[_Base], config: GatherConfig, deadline: float
) -> tuple[Attempt, list[tuple[_Base, Address]]]:
    """One STUN server: a Binding from each host socket of its family → (attempt, [(base, mapped)])."""
    loop, target = asyncio.get_running_loop(), f"stun:{hostport(*server)}"
    start = loop.time()
    try:
        ip = await resolve_host(server[0], config.resolver, config.ipv6, _left(deadline))
        version = ipaddress.ip_address(ip).version
        mine = [b for b in bases if (":" in b.endpoint.local[0]) == (version == 6)]
        if not mine:
            raise StunError(AttemptStatus.NO_NETWORK, f"no local IPv{version} address to send from")
        outcomes = await _ask_all(mine, (ip, server[1]), deadline, config.timeout)
    except StunError as exc:
        return Attempt("stun", target, exc.status, exc.detail, loop.time() - start), []
    status, detail = _summary(outcomes)
    mapped = [(b, m) for b, m in outcomes if not isinstance(m, StunError) and m != b.endpoint.local]
    return Attempt("stun", target, status, detail, loop.time() - start), mapped


async def _ask_all(
    bases: list[_Base], server: Address, deadline: float, timeout: float
) -> list[tuple[_Base, Address | StunError]]:
    """Ask ``server`` from every base at once, until all answered, one was refused, or the deadline."""
    asked = {b.endpoint.start(binding_request(), server): b for b in bases}  # sent right now
    pending = set(asked)
    while pending:
        done, pending = await asyncio.wait(pending, timeout=_left(deadline), return_when=asyncio.FIRST_COMPLETED)
        if not done or any(_failed(f, AttemptStatus.REFUSED) for f in done):
            break  # deadline, or the server's host refuses: the other bases would wait in vain
    for fut in pending:
        fut.cancel()
    late = StunError(AttemptStatus.TIMEOUT, f"no answer within the {timeout:g} s gathering timeout")
    return [(b, late if f.cancelled() else _outcome(f)) for f, b in asked.items()]


def _failed(fut: asyncio.Future[tuple[Message, Address]], status: AttemptStatus) -> bool:
    exc = None if fut.cancelled() else fut.exception()
    return isinstance(exc, StunError) and exc.status == status


def _outcome(fut: asyncio.Future[tuple[Message, Address]]) -> Address | StunError:
    exc = fut.exception()
    if exc is not None:
        return exc if isinstance(exc, StunError) else StunError(AttemptStatus.ERROR, repr(exc))
    try:
        return mapped_address(fut.result()[0])
    except StunError as err:
        return err


def _summary(outcomes: list[tuple[_Base, Address | StunError]]) -> tuple[AttemptStatus, str]:
    """Attempt status (ok if any base got an answer) and a detail naming every base's outcome."""
    parts, statuses = [], []
    for base, got in outcomes:
        src = hostport(*base.endpoint.local)
        if isinstance(got, StunError):
            statuses.append(got.status)
            parts.append(f"{src}: {got.status} ({got.detail})")
        else:
            same = " (same as the host address: no NAT)" if got == base.endpoint.local else ""
            parts.append(f"{src} mapped to {hostport(*got)}{same}")
    status = AttemptStatus.OK if len(statuses) < len(outcomes) else min(statuses, key=_STATUS_ORDER.index)
    return status, "; ".join(parts)


async def _turn(
    server: TurnServer, config: GatherConfig, deadline: float, sent: asyncio.Event
) -> tuple[Attempt, CandidateRecord | None]:
    """One TURN server: allocate, make the relay candidate, delete the allocation.

    ``sent`` is set once the task waits on the network: its first Allocate is out, or a name
    lookup or TCP connect is under way.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        if not is_ip(server.host) or server.transport == "tcp":
            sent.set()
        addr = (await resolve_host(server.host, config.resolver, config.ipv6, _left(deadline)), server.port)
        client = await asyncio.wait_for(_open(server.transport, addr), _left(deadline))
        try:
            job = asyncio.ensure_future(allocate(client, addr, server.username, server.password))
            sent.set()  # after scheduling the job: its first step (the send) runs before gather() resumes
            allocation, auth = await asyncio.wait_for(job, _left(deadline))
            release(client, addr, auth)
        finally:
            client.close()
    except StunError as exc:
        return Attempt("turn", server.url, exc.status, exc.detail, loop.time() - start), None
    except TimeoutError:
        detail = f"no answer within the {config.timeout:g} s gathering timeout"
        return Attempt("turn", server.url, AttemptStatus.TIMEOUT, detail, loop.time() - start), None
    finally:
        sent.set()
    detail = f"relayed {hostport(*allocation.relayed)}, mapped {hostport(*allocation.mapped)}"
    relay = _relay(allocation.relayed, allocation.mapped, server)
    return Attempt("turn", server.url, AttemptStatus.OK, detail, loop.time() - start), relay


async def _open(transport: str, addr: Address) -> StunEndpoint | StunStream:
    if transport == "tcp":
        return await StunStream.connect(addr)
    try:
        return await StunEndpoint.bind("::" if ipaddress.ip_address(addr[0]).version == 6 else "0.0.0.0")
    except OSError as exc:
        raise StunError(AttemptStatus.NO_NETWORK, exc.strerror or str(exc)) from exc


def _left(deadline: float) -> float:
    """Seconds left until ``deadline`` (event-loop time), never negative."""
    return max(0.0, deadline - asyncio.get_running_loop().time())


def _priority(type_pref: int, rank: int, address: str) -> int:
    """RFC 8445 §5.1.2.1 with libwebrtc's local preference: (interface rank << 8) | address preference."""
    if ":" not in address:
        pref = 30  # IPv4
    else:
        ip = ipaddress.IPv6Address(address)
        pref = 50 if ip in _ULA else {0x2002: 20, 0x2001: 10 if ip.packed[2:4] == b"\0\0" else 40}.get(
            int.from_bytes(ip.packed[:2]), 40)  # fmt: skip
    return (type_pref << 24) | (((rank << 8) | pref) << 8) | (256 - 1)


def _candidate(kind: str, addr: Address, priority: int, base: str, related: Address | None = None) -> Candidate:
    """A component-1 UDP candidate; foundation as aioice computes it (RFC 8445 §5.1.1.3)."""
    foundation = candidate_foundation(kind, "udp", base)
    rel_addr, rel_port = related if related is not None else (None, None)
    tail = f" raddr {rel_addr} rport {rel_port}" if related is not None else ""
    raw = f"candidate:{foundation} 1 udp {priority} {addr[0]} {addr[1]} typ {kind}{tail}"
    return Candidate(foundation, 1, "udp", priority, addr[0], addr[1], kind, rel_addr, rel_port, raw=raw)


def _host(base: _Base) -> CandidateRecord:
    local, iface = base.endpoint.local, base.interface
    cand = _candidate("host", local, _priority(_TYPE_PREF["host"], base.rank, local[0]), local[0])
    route = ", default route" if iface.default_route else ""
    return CandidateRecord(cand, Origin("live", detail=f"host address on {iface.name} ({iface.kind}{route})"),
                           interface=iface)  # fmt: skip


def _srflx(base: _Base, mapped: Address, target: str) -> CandidateRecord:
    local = base.endpoint.local
    cand = _candidate("srflx", mapped, _priority(_TYPE_PREF["srflx"], base.rank, local[0]), local[0], local)
    origin = Origin("live", detail=f"{target} asked from {hostport(*local)}")
    return CandidateRecord(cand, origin, interface=base.interface)


def _relay(relayed: Address, mapped: Address, server: TurnServer) -> CandidateRecord:
    cand = _candidate("relay", relayed, _priority(_TYPE_PREF[server.transport], 127, relayed[0]), mapped[0], mapped)
    return CandidateRecord(cand, Origin("live", detail=f"{server.url} allocation, mapped {hostport(*mapped)}"))


def _status(records: list[CandidateRecord], attempts: list[Attempt]) -> InputStatus:
    if not records:
        return InputStatus.EMPTY
    return InputStatus.PARTIAL if any(a.status is not AttemptStatus.OK for a in attempts) else InputStatus.OK


def _report(config: GatherConfig, task: asyncio.Task[tuple[Attempt, object]]) -> None:
    """Tell ``config.progress`` (a spinner, say) about an attempt as soon as it is over."""
    if config.progress is not None and not task.cancelled() and task.exception() is None:
        config.progress(task.result()[0])


def _notes(config: GatherConfig, bases: list[_Base]) -> list[Diagnostic]:
    notes = [] if bases else [_warning("no usable local address (only loopback or link-local addresses)")]
    if config.offline:
        notes.append(_warning("offline: no packet was sent, so only host candidates were gathered and the "
                              "public address was not learned"))  # fmt: skip
    elif not config.stun_servers and not config.turn_servers:
        notes.append(_warning("no STUN or TURN server was asked, so the public (server-reflexive) address "
                              "was not learned; give a STUN server to learn it"))  # fmt: skip
    return notes


def _warning(message: str) -> Diagnostic:
    return Diagnostic(Origin("live"), message, DiagnosticLevel.WARNING)
