"""NAT behaviour discovery (RFC 5780); what a result means, in plain words, is ``natwords.explain``.

Mapping (RFC 5780 §4.3) and filtering (§4.4) run at the same time on separate sockets, so one
test's traffic never opens the NAT for the other. They need a server that returns OTHER-ADDRESS
(§7.4, or RFC 3489 CHANGED-ADDRESS) and honours CHANGE-REQUEST (§7.2). Without one, mapping is
inferred from two ordinary servers (same mapping → endpoint-independent) and filtering is
``inconclusive``. Results: endpoint-independent, address-dependent, address-and-port-dependent,
no-nat, or inconclusive with the reason in ``NatBehaviour.mapping_reason`` / ``filtering_reason``.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from icecheck.live.natwords import AD, APD, EIM, INCONCLUSIVE, NO_NAT, explain
from icecheck.live.stun import (
    CHANGE_IP,
    CHANGE_PORT,
    Address,
    StunEndpoint,
    StunError,
    binding_request,
    mapped_address,
    norm,
)
from icecheck.live.urls import hostport
from icecheck.model import AttemptStatus, NatBehaviour

__all__ = ["AD", "APD", "EIM", "INCONCLUSIVE", "NO_NAT", "discover_nat", "explain"]

FILTER_WAIT = 1.0  # seconds to wait for an answer a filtering NAT may drop
_FILTER_RTO = 0.25  # retransmit within that window, so one lost packet is not read as filtering


@dataclass(frozen=True, slots=True)
class _Answer:
    """A STUN binding response: mapped address, OTHER-ADDRESS and where it came from."""

    mapped: Address
    other: Address | None  # OTHER-ADDRESS: the server's alternate IP and port
    source: Address  # where the answer came from


async def discover_nat(server: Address, alt_server: Address | None = None, timeout: float = 3.0) -> NatBehaviour:
    """Classify this host's NAT as seen towards ``server`` (IP literal and port) within ``timeout`` s.

    Network trouble never raises: it yields ``inconclusive`` with the reason.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    server, alt_server = norm(server), norm(alt_server) if alt_server else None
    try:
        local = _local_ip(server)
        mapping_ep, filtering_ep = await StunEndpoint.bind(local), await StunEndpoint.bind(local)
    except OSError as exc:
        why = f"no-network: cannot reach {server[0]}: {exc.strerror or exc}"
        return NatBehaviour(INCONCLUSIVE, INCONCLUSIVE, reason=why, mapping_reason=why, filtering_reason=why)
    try:
        (mapping, mreason, mapped), (filtering, freason) = await asyncio.gather(
            _mapping(mapping_ep, server, alt_server, deadline), _filtering(filtering_ep, server, deadline)
        )
    finally:
        mapping_ep.close()
        filtering_ep.close()
    shown = tuple(hostport(*a) for a in dict.fromkeys(mapped))
    reason = f"mapping: {mreason}; filtering: {freason}"
    return NatBehaviour(mapping, filtering, shown, reason, mapping_reason=mreason, filtering_reason=freason)


def _local_ip(server: Address) -> str:
    """The source address the kernel picks towards ``server`` (a UDP connect sends nothing)."""
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect(server)
        return str(sock.getsockname()[0])


async def _ask(
    ep: StunEndpoint, server: Address, deadline: float, change: int = 0, wait: float | None = None
) -> _Answer:
    """One Binding request; StunError on an error answer, or on no answer (timeout) in time."""
    left = max(0.0, deadline - asyncio.get_running_loop().time())
    try:
        request = ep.request(binding_request(change), server, rto=_FILTER_RTO if change else 0.5)
        response, source = await asyncio.wait_for(request, left if wait is None else min(wait, left))
    except TimeoutError:
        raise StunError(AttemptStatus.TIMEOUT, f"no answer from {server[0]}:{server[1]}") from None
    other = response.attributes.get("OTHER-ADDRESS") or response.attributes.get("CHANGED-ADDRESS")
    return _Answer(mapped_address(response), norm(other) if other else None, source)


async def _mapping(
    ep: StunEndpoint, server: Address, alt: Address | None, deadline: float
) -> tuple[str, str, list[Address]]:
    """RFC 5780 §4.3 tests I-III; without OTHER-ADDRESS, compare with ``alt``."""
    seen: list[Address] = []
    try:
        first = await _ask(ep, server, deadline)
        seen.append(first.mapped)
        if first.mapped == ep.local:
            return NO_NAT, "the server saw this host's own address and port (test I)", seen
        if first.other is not None:
            return (*await _rfc5780_mapping(ep, server, first, deadline, seen), seen)
        if alt is None:
            return INCONCLUSIVE, "the server returned no OTHER-ADDRESS and no second server was given", seen
        second = await _ask(ep, alt, deadline)
        seen.append(second.mapped)
    except StunError as exc:
        return INCONCLUSIVE, f"no usable answer ({exc.status}: {exc.detail})", seen
    if second.mapped == first.mapped:
        return EIM, "two servers saw the same public address and port", seen
    if alt[0] == server[0]:
        return APD, "the public port changed with the server's port alone", seen
    return AD, ("the public address or port changed with the destination (whether the port alone changes "
                "it needs a server that returns OTHER-ADDRESS)"), seen  # fmt: skip


async def _rfc5780_mapping(
    ep: StunEndpoint, server: Address, first: _Answer, deadline: float, seen: list[Address]
) -> tuple[str, str]:
    """Test II (alternate IP, primary port) and test III (alternate IP and port)."""
    assert first.other is not None
    second = await _ask(ep, (first.other[0], server[1]), deadline)
    seen.append(second.mapped)
    if second.mapped == first.mapped:
        return EIM, "the same public address and port towards the server's other address (test II)"
    third = await _ask(ep, first.other, deadline)
    seen.append(third.mapped)
    if third.mapped == second.mapped:
        return AD, "a new public port per destination address, not per port (tests II, III)"
    return APD, "a new public port per destination address and port (tests II, III)"


async def _filtering(ep: StunEndpoint, server: Address, deadline: float) -> tuple[str, str]:
    """RFC 5780 §4.4: tests II (answer from other IP and port) and III (other port) at once."""
    try:
        first = await _ask(ep, server, deadline)
    except StunError as exc:
        return INCONCLUSIVE, f"no usable answer ({exc.status}: {exc.detail})"
    if first.other is None:
        return INCONCLUSIVE, "the server returned no OTHER-ADDRESS, so it cannot answer from another address"
    wait = min(FILTER_WAIT, max(0.0, deadline - asyncio.get_running_loop().time()))
    test2, test3 = await asyncio.gather(
        _maybe(ep, server, deadline, CHANGE_IP | CHANGE_PORT, wait), _maybe(ep, server, deadline, CHANGE_PORT, wait)
    )
    for answer, want in ((test2, first.other), (test3, (server[0], first.other[1]))):
        if isinstance(answer, StunError):
            return INCONCLUSIVE, f"the server rejects CHANGE-REQUEST ({answer.detail})"
        if answer is not None and answer.source != want:
            got = f"{answer.source[0]}:{answer.source[1]}"
            return (
                INCONCLUSIVE,
                f"the server ignores CHANGE-REQUEST (asked to answer from {want[0]}:{want[1]}, it used {got})",
            )
    if test2 is not None:
        return EIM, "an answer from the server's other address and port came in (test II)"
    if test3 is not None:
        return AD, "only an answer from the same address, other port, came in (test III)"
    return APD, f"no answer from another address or port came in within {round(wait, 1):g} s (tests II, III)"


async def _maybe(
    ep: StunEndpoint, server: Address, deadline: float, change: int, wait: float
) -> _Answer | StunError | None:
    """An answer, None when none came (the NAT may have filtered it), or the server's error."""
    try:
        return await _ask(ep, server, deadline, change, wait)
    except StunError as exc:
        return None if exc.status is AttemptStatus.TIMEOUT else exc
