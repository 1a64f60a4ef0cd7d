"""Which addresses are worth a lookup (pure, light: imported on every audit, before any I/O)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from icecheck.model import AddressClass

CARRIERS = frozenset({AddressClass.SIX_TO_FOUR, AddressClass.TEREDO, AddressClass.IPV4_MAPPED})


def public_addresses(addresses: Iterable[str]) -> list[str]:
    """Distinct public addresses in first-seen order, canonical text (``2001:db8::1`` form).

    A 6to4, Teredo or IPv4-mapped address contributes the public IPv4 it carries.
    """
    from icecheck.classify import classify

    seen: dict[str, None] = {}
    for address in addresses:
        facts = classify(address)
        if facts.address_class is AddressClass.PUBLIC:
            seen.setdefault(str(ipaddress.ip_address(address.strip().strip("[]").split("%")[0])), None)
        elif facts.address_class in CARRIERS and _public(facts.embedded_ipv4):
            seen.setdefault(str(facts.embedded_ipv4), None)
    return list(seen)


def _public(address: str | None) -> bool:
    from icecheck.classify import classify

    return address is not None and classify(address).address_class is AddressClass.PUBLIC
