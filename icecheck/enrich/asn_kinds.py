"""What kind of network an AS is: residential ISP, mobile carrier, hosting/cloud, VPN, CDN...

First a small curated table (``icecheck/data/asn_kinds.csv``, one cited source per row, easy to
extend), then heuristics on the AS, network and organisation names (``HOSTING``, ``CLOUD``,
``VPN``, ``MOBILE``, ``TELECOM``...), else ``unknown``. The kind decides how an address is read:
a hosting or VPN address beside a residential one is a VPN leak; Google is hosting, not an ISP.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

KINDS = ("residential", "mobile", "hosting", "vpn", "cdn", "education")
UNKNOWN = "unknown"

# Checked in order: the first kind whose pattern matches any name wins. VPN and CDN come
# first because those operators often also say "cloud" or "network".
_NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"\b(?:{pattern})\b"))
    for kind, pattern in (
        ("vpn", r"VPN|PROXY|PRIVATE INTERNET ACCESS|MULLVAD|NORDVPN|EXPRESSVPN|SURFSHARK"),
        ("cdn", r"CDN|CONTENT DELIVERY"),
        ("mobile", r"MOBILE|MOBILITY|MOBIL|WIRELESS|CELLULAR|CELLCO|LTE|GSM|UMTS"),
        (
            "hosting",
            r"HOSTING|WEBHOSTING|HOSTER|CLOUD|DATA ?CENT(?:ER|RE)S?|DATACENTER|VPS|SERVERS?|"
            r"COLO(?:CATION)?|DEDICATED|COMPUTE",
        ),
        (
            "education",
            r"UNIVERSITY|UNIVERSIDAD|UNIVERSITE|UNIVERSITAT|UNIVERSITAET|UNIVERSITA|COLLEGE|"
            r"SCHOOL|ACADEMIC|RESEARCH|EDUCATION|EDU|NREN",
        ),
        (
            "residential",
            r"TELECOM|TELEKOM|TELECOMMUNICATIONS?|BROADBAND|CABLE|DSL|FIBER|FIBRE|ISP|"
            r"TELEFONICA|TELECOMUNICACIONES|INTERNET SERVICE PROVIDER",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class AsnKind:
    """One curated row."""

    asn: int
    kind: str
    name: str
    source: str


@functools.cache
def table() -> Mapping[int, AsnKind]:
    """The curated rows by ASN (read once from the package data)."""
    text = resources.files("icecheck").joinpath("data", "asn_kinds.csv").read_text(encoding="utf-8")
    return {row.asn: row for row in parse_table(text)}


def parse_table(text: str) -> list[AsnKind]:
    """CSV with ``#`` comment lines and a header ``asn,kind,name,source``."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    return [AsnKind(int(r["asn"]), r["kind"].strip(), r["name"].strip(), r["source"].strip()) for r in reader]


def kind_from_names(*names: str | None) -> str | None:
    """The first kind whose words appear in any of ``names`` (case-insensitive), or ``None``."""
    text = " ".join(_normalise(n) for n in names if n)
    for kind, pattern in _NAME_RULES:
        if pattern.search(text):
            return kind
    return None


def network_kind(asn: int | None, *names: str | None) -> str:
    """Table first, then name heuristics, else ``unknown``."""
    row = table().get(asn) if asn is not None else None
    if row is not None:
        return row.kind
    return kind_from_names(*names) or UNKNOWN


def _normalise(name: str) -> str:
    """Upper-case words: ``Digital-Ocean_LLC`` → ``DIGITAL OCEAN LLC``; accents dropped."""
    plain = name.upper().translate(str.maketrans("ÀÁÂÄÉÈÊËÍÎÏÓÔÖÚÛÜÇÑ", "AAAAEEEEIIIOOOUUUCN"))
    return re.sub(r"[^A-Z0-9]+", " ", plain)
