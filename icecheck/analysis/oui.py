"""MAC address → vendor name, from the bundled IEEE table plus a few explicit virtual-NIC prefixes.

Contract: ``mac_vendor(mac)`` never raises and does no network I/O. It returns, in this order:

1. the name from ``VIRTUAL_PREFIXES`` when the MAC starts with one of them (hypervisors and
   container engines, including locally administered prefixes that IEEE never assigned, such as
   QEMU/KVM's ``52:54:00``);
2. ``GROUP`` when the I/G bit (0x01 of the first octet) is set, and ``LOCALLY_ADMINISTERED`` when
   the U/L bit (0x02) is set (IEEE 802 §8.2; randomised Wi-Fi MACs and most virtual NICs): no vendor
   can be named for those;
3. the vendor of the longest matching IEEE block (MA-S/IAB 36 bits, MA-M 28 bits, MA-L 24 bits)
   from ``data/oui.tsv.gz`` (see ``data/OUI-SOURCE.md``);
4. ``None`` for an unknown block, a string that is not a MAC, or a missing/damaged table.

Accepted MAC forms: six octets separated by ``:`` or ``-`` (``52:54:00:12:34:56``), Cisco dotted
``5254.0012.3456``, or twelve bare hex digits; any case. The table is read lazily on the first
lookup that needs it, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
import re

GROUP = "group address (multicast)"
LOCALLY_ADMINISTERED = "locally administered (randomised or virtual)"

# Prefixes (lower-case hex, no separators) whose vendor the IEEE table does not name usefully.
# Longest prefix wins. Keep to prefixes a hypervisor or container engine really uses by default.
VIRTUAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("525400", "QEMU/KVM"),  # locally administered; QEMU's and libvirt's default
    ("0242", "Docker"),  # locally administered; libnetwork's default: 02:42 + the container's IPv4
    ("0a0027", "VirtualBox host-only adapter"),  # locally administered; vboxnet host side
    ("080027", "VirtualBox"),  # IEEE: PCS Systemtechnik GmbH, VirtualBox guests' default
    ("00155d", "Microsoft Hyper-V"),  # IEEE: Microsoft; Hyper-V's default dynamic MAC pool
)

_SEPARATED = re.compile(r"[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}")
_DOTTED = re.compile(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}")
_BARE = re.compile(r"[0-9a-f]{12}")
_PREFIX_LENGTHS = (9, 7, 6)  # hex digits of MA-S/IAB, MA-M, MA-L blocks, longest first


def normalize_mac(mac: str) -> str | None:
    """Return ``mac`` as 12 lower-case hex digits, or ``None`` if it is not a 48-bit MAC."""
    text = mac.strip().lower()
    if _SEPARATED.fullmatch(text) or _DOTTED.fullmatch(text) or _BARE.fullmatch(text):
        return re.sub(r"[:.-]", "", text)
    return None


def format_mac(hex12: str) -> str:
    """Format 12 hex digits as ``aa:bb:cc:dd:ee:ff``."""
    return ":".join(hex12[i : i + 2] for i in range(0, 12, 2))


def mac_vendor(mac: str) -> str | None:
    """Return the vendor (or the kind of address) for ``mac``; see the module docstring."""
    digits = normalize_mac(mac)
    if digits is None:
        return None
    virtual = _virtual_vendor(digits)
    if virtual is not None:
        return virtual
    first = int(digits[:2], 16)
    if first & 0x01:
        return GROUP
    if first & 0x02:
        return LOCALLY_ADMINISTERED
    return _ieee_vendor(digits.upper())


def _virtual_vendor(digits: str) -> str | None:
    """The ``VIRTUAL_PREFIXES`` name of the longest prefix of ``digits``, if any."""
    matches = [(len(p), name) for p, name in VIRTUAL_PREFIXES if digits.startswith(p)]
    return max(matches)[1] if matches else None


def _ieee_vendor(digits: str) -> str | None:
    """The IEEE table's vendor for the longest block prefix of upper-case ``digits``."""
    table = _ieee_table()
    for length in _PREFIX_LENGTHS:
        name = table.get(digits[:length])
        if name is not None:
            return name
    return None


@functools.cache
def _ieee_table() -> dict[str, str]:
    """Load ``data/oui.tsv.gz`` once: upper-case prefix hex → short vendor name."""
    import gzip  # deferred: keeps ``import icecheck.analysis.oui`` cheap for the CLI's cold start
    from importlib import resources

    try:
        text = gzip.decompress((resources.files("icecheck") / "data" / "oui.tsv.gz").read_bytes())
        lines = text.decode("utf-8").splitlines()
    except (OSError, EOFError, ValueError):  # a missing or damaged table: vendors stay unknown
        return {}
    table: dict[str, str] = {}
    for line in lines:
        prefix, _, name = line.partition("\t")
        if name:
            table[prefix] = name
    return table
