"""Enrichment: what registries (RDAP) and reverse DNS say about the public addresses.

``enrich(addresses, config)`` looks up every distinct *public* address (``classify`` decides:
private, CGNAT, documentation, mDNS and other non-public addresses never leave the machine),
RDAP and PTR side by side, with bounded concurrency, answering from the on-disk cache first.
It returns one ``NetworkInfo`` per public address, in input order, and one ``Attempt`` per
lookup (kind ``rdap``, ``asn`` when the Team Cymru step failed, ``ptr``, ``resolve``): failures
are data (ok, cached, offline, timeout, refused, nxdomain, rate-limited, no-network, error),
never exceptions. With ``EnrichConfig.resolve_hostnames`` plain host names are resolved first;
mDNS ``.local`` names never are.

This package module stays light (the CLI's cold start is measured, and the pure ``isp`` and
``netmap`` modules import ``enrich.ptr_hints``): the machinery lives in ``session``, ``rdap``,
``rdns`` and ``cache`` and is imported when ``enrich`` first runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from icecheck.enrich.config import EnrichConfig

if TYPE_CHECKING:
    from icecheck.model import Attempt, NetworkInfo

__all__ = ["EnrichConfig", "enrich"]


async def enrich(
    addresses: Sequence[str], config: EnrichConfig, progress: Callable[[int, int], None] | None = None
) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
    """Network facts for the public ``addresses``; ``progress(done, total)`` after each address."""
    from icecheck.enrich.session import run

    return await run(addresses, config, progress)
