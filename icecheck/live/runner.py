"""Running a live audit: command-line choices → servers and resolver → gathering and NAT discovery.

``choose`` validates what the user typed (``ValueError`` with one line → usage error, exit 2)
and never touches the network. ``run`` gathers and, when asked, discovers the NAT at the same
time, both bounded by the timeout. ``Progress`` shows a spinner naming the servers on stderr,
only when stderr is a terminal. Host names are resolved through ``--resolver`` when given, else
the system resolver, and only when a URL holds a name.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import field

from icecheck.gather import PUBLIC_STUN_URLS, GatherConfig, gather
from icecheck.live.natwords import INCONCLUSIVE
from icecheck.live.resolve import Resolver, nameserver_resolver, resolve_host, system_resolver
from icecheck.live.stun import StunError
from icecheck.live.urls import IceUrl, TurnServer, hostport, is_ip, parse_host_port, parse_ice_url
from icecheck.model import Attempt, InputDocument, NatBehaviour
from icecheck.records import record

__all__ = ["Choice", "Progress", "choose", "discover", "nat_attempt", "run"]

_NAT_STATUSES = ("unresolvable", "no-network", "refused", "timeout", "error")


@record
class Choice:
    """The servers to ask and how to resolve their names; the TURN password stays out of repr."""

    stun: tuple[IceUrl, ...] = ()
    turn: tuple[TurnServer, ...] = ()
    resolver: Resolver | None = field(default=None, repr=False, compare=False)
    resolver_name: str = ""  # "system" or the --resolver address, for the progress line

    @property
    def targets(self) -> list[str]:
        """What will be asked, as attempts name it."""
        return [f"stun:{hostport(u.host, u.port)}" for u in self.stun] + [t.url for t in self.turn]

    @property
    def nat_targets(self) -> list[str]:
        """The STUN servers NAT discovery asks: the first, and the second for mapping."""
        return [f"stun:{hostport(u.host, u.port)}" for u in self.stun[:2]]


def choose(
    stun: Sequence[str] = (),
    turn: Sequence[str] = (),
    user: str = "",
    password: str = "",
    public_stun: bool = False,
    resolver: str | None = None,
) -> Choice:
    """Parse the URLs and the resolver; ValueError saying what is wrong. Sends nothing."""
    stuns = [_parsed("--stun", u) for u in [*stun, *(PUBLIC_STUN_URLS if public_stun else ())]]
    if bad := [u for u in stuns if u.scheme != "stun"]:
        raise ValueError(f"--stun takes stun: URLs, not turn:{bad[0].host} (use --turn)")
    turns = [_turn(u, user, password) for u in turn]
    if turns and not (user and password):
        raise ValueError("--turn needs --turn-user and a password (--turn-password or ICECHECK_TURN_PASSWORD)")
    names = [h for h in [*(u.host for u in stuns), *(t.host for t in turns)] if not is_ip(h)]
    if resolver is not None:
        host, port = parse_host_port(resolver, 53)
        if not is_ip(host):
            raise ValueError(f"--resolver takes an IP address, not {host!r}")
        return Choice(tuple(stuns), tuple(turns), nameserver_resolver([host], port), hostport(host, port))
    return Choice(tuple(stuns), tuple(turns), system_resolver if names else None, "system" if names else "")


def _turn(url: str, user: str, password: str) -> TurnServer:
    try:
        return TurnServer.from_url(url, user, password)
    except ValueError as exc:
        raise ValueError(f"--turn: {exc}") from None


def _parsed(option: str, url: str) -> IceUrl:
    """``parse_ice_url``, its error naming the option the URL came from."""
    try:
        return parse_ice_url(url)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


async def run(
    choice: Choice, ipv6: bool, timeout: float, offline: bool, nat: bool, progress: Progress | None = None
) -> tuple[InputDocument, NatBehaviour | None, tuple[Attempt, ...]]:
    """Gather (and discover the NAT, when ``nat``) at once, within ``timeout`` seconds.

    Returns the gathering, the NAT result and the NAT discovery as an attempt (when asked for).
    """
    config = GatherConfig(
        stun_servers=[u.address for u in choice.stun], turn_servers=choice.turn, ipv6=ipv6, timeout=timeout,
        offline=offline, resolver=choice.resolver, progress=progress.attempt if progress else None,
    )  # fmt: skip
    if not nat:
        return await gather(config), None, ()
    doc, (behaviour, attempt) = await asyncio.gather(gather(config), discover(choice, timeout, ipv6, progress))
    return doc, behaviour, (attempt,)


async def discover(
    choice: Choice, timeout: float, ipv6: bool = True, progress: Progress | None = None
) -> tuple[NatBehaviour, Attempt]:
    """RFC 5780 discovery towards the first STUN server (the second, if any, for mapping).

    The attempt (kind ``nat``) is ``ok`` when any server answered, else the failure's status.
    """
    from icecheck.live.nat import discover_nat

    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        servers = [(await resolve_host(u.host, choice.resolver, ipv6, start + timeout - loop.time()), u.port)
                   for u in choice.stun[:2]]  # fmt: skip
    except StunError as exc:
        why = f"{exc.status}: {exc.detail}"
        found = NatBehaviour(INCONCLUSIVE, INCONCLUSIVE, reason=why, mapping_reason=why, filtering_reason=why)
    else:
        alt = servers[1] if len(servers) > 1 else None
        found = await discover_nat(servers[0], alt, max(0.01, start + timeout - loop.time()))
    if progress is not None:
        progress.nat_done()
    return found, nat_attempt(choice.nat_targets, found, loop.time() - start)


def nat_attempt(targets: Sequence[str], nat: NatBehaviour, elapsed: float) -> Attempt:
    """NAT discovery as an ``Attempt``: ok once a server answered, else the status its reason names."""
    target = ", ".join(targets)
    if nat.mapped_addresses:
        return Attempt("nat", target, "ok", f"mapping {nat.mapping}, filtering {nat.filtering}", elapsed)
    reason = nat.mapping_reason or nat.reason
    status = next((s for s in _NAT_STATUSES if f"{s}:" in reason), "error")
    return Attempt("nat", target, status, reason, elapsed)


class Progress:
    """A spinner on stderr naming the servers still being asked; silent unless stderr is a terminal."""

    def __init__(self, targets: Sequence[str], nat: Sequence[str] = (), resolver: str = "") -> None:
        self.pending, self.total, self.nat = list(targets), len(targets), list(nat)
        self.resolver = resolver
        self._status: object | None = None

    def text(self) -> str:
        """The current line, e.g. ``asking stun:203.0.113.10:3478 (1 of 2 done); testing the NAT with …``."""
        parts = []
        if self.pending:
            parts.append(f"asking {', '.join(self.pending)} ({self.total - len(self.pending)} of {self.total} done)")
        if self.nat:
            parts.append(f"testing the NAT with {', '.join(self.nat)}")
        if self.resolver and parts:
            parts.append(f"host names through the {self.resolver} resolver")
        return "; ".join(parts) or "finishing"

    def attempt(self, attempt: Attempt) -> None:
        """An attempt ended (``GatherConfig.progress``)."""
        if attempt.target in self.pending:
            self.pending.remove(attempt.target)
        self._update()

    def nat_done(self) -> None:
        """NAT discovery ended."""
        self.nat = []
        self._update()

    def _update(self) -> None:
        if self._status is not None:
            self._status.update(self.text())  # type: ignore[attr-defined]

    @contextmanager
    def shown(self, enabled: bool | None = None) -> Iterator[Progress]:
        """Show the spinner while the block runs, when ``enabled`` (default: stderr is a terminal)."""
        if not (self.pending or self.nat) or not (sys.stderr.isatty() if enabled is None else enabled):
            yield self
            return
        from rich.console import Console

        with Console(stderr=True).status(self.text()) as status:
            self._status = status
            try:
                yield self
            finally:
                self._status = None
