"""Which addresses are worth a lookup (pure, light: imported on every audit, before any I/O)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from icecheck.model import AddressClass

CARRIERS = frozenset({AddressClass.SIX_TO_FOUR, AddressClass.TEREDO, AddressClass.IPV4_MAPPED})


def public_addresses(addresses: Iterable[str]) -> list[str]:
    """Distinct public addresses in first-seen order, canonical text (``2001:db8::1`` form).

    A 6to4, Teredo or IPv4-mapped address contributes the public IPv4 it carries.
    """
    return list(dict.fromkeys(_public_ones(addresses)))


def first_public_addresses(addresses: Iterable[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` of ``public_addresses(addresses)``, and how many there are in all.

    Only the first ``limit`` are held as a list; the others are counted in a ``TextSet``, which
    spills to disk past ``limits.IN_MEMORY`` (an input may hold a million public addresses)."""
    from icecheck.inputs.table import first_distinct

    return first_distinct(_public_ones(addresses), limit)


def _public_ones(addresses: Iterable[str]) -> Iterator[str]:
    """``public_addresses``' addresses, repeats and all."""
    from icecheck.classify import classify

    for address in addresses:
        facts = classify(address)
        if facts.address_class is AddressClass.PUBLIC:
            yield str(ipaddress.ip_address(address.strip().strip("[]").split("%")[0]))
        elif facts.address_class in CARRIERS and _public(facts.embedded_ipv4):
            yield str(facts.embedded_ipv4)


def _public(address: str | None) -> bool:
    from icecheck.classify import classify

    return address is not None and classify(address).address_class is AddressClass.PUBLIC
