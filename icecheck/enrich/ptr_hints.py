"""What a reverse DNS name gives away (pure; docs/architecture.md §5, SpamAssassin ``20_dynrdns.cf`` style).

ISPs name customer addresses by scheme: ``dsl-200-57-141-161-dyn.prod-infinitum.com.mx`` tells
access technology (DSL), assignment (dynamic pool), the address itself and the ISP's domain;
``pool-x.bstnma.fios.verizon.net`` adds a point of presence (Boston, MA). Each finding is a
``Hint`` with one of the stable kinds below; ``value`` is the machine form.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from icecheck.model import Hint

ACCESS = "ptr-access"  # value: dsl, cable, fibre, mobile, dial-up, wireless, satellite
ASSIGNMENT = "ptr-assignment"  # value: dynamic, static
EMBEDDED = "ptr-embedded-address"  # value: the address as written in the name
POP = "ptr-pop"  # value: the code as written; detail names the city
DOMAIN = "ptr-domain"  # value: the registered domain (the ISP's, usually)
KINDS = (ACCESS, ASSIGNMENT, EMBEDDED, POP, DOMAIN)

_ACCESS_TOKENS: Mapping[str, frozenset[str]] = {
    "dsl": frozenset({"dsl", "adsl", "vdsl", "xdsl", "sdsl", "hdsl", "dslam", "fttc", "bbdsl"}),
    "cable": frozenset({"cable", "docsis", "catv", "hfc", "cablemodem", "hsd", "coax"}),
    "fibre": frozenset({"fiber", "fibre", "ftth", "fttp", "fttb", "fttx", "ftto", "gpon", "epon", "fios"}),
    "mobile": frozenset({"mobile", "mob", "lte", "umts", "gprs", "hsdpa", "cellular", "cell", "wap", "3g", "4g", "5g"}),
    "dial-up": frozenset({"dialup", "dial", "dialin", "modem", "isdn", "pstn"}),
    "wireless": frozenset({"wireless", "wifi", "wlan", "wimax", "fwa"}),
    "satellite": frozenset({"satellite", "vsat", "starlink"}),
}
# Tokens that also start longer words (adsl2plus, cablemodem, fiberlink), matched at a word start.
_PREFIXED = re.compile(r"(?<![a-z])(adsl|vdsl|xdsl|cable|docsis|fiber|fibre)[a-z0-9]*")
_TOKEN_TECH = {token: tech for tech, tokens in _ACCESS_TOKENS.items() for token in tokens}
_DYNAMIC = frozenset({"dyn", "dynamic", "dynip", "pool", "dhcp", "ppp", "pppoe", "dip", "dialup", "dial"})
_STATIC = frozenset({"static", "staticip", "fix", "fixed", "sta", "stat"})

# Points of presence: IATA-style codes, Telcordia CLLI city prefixes (used by Verizon and
# others) and plain city names. Small on purpose: a false city is worse than none.
POPS: Mapping[str, str] = {
    "lon": "London",
    "ldn": "London",
    "man": "Manchester",
    "bhx": "Birmingham",
    "edi": "Edinburgh",
    "gla": "Glasgow",
    "dub": "Dublin",
    "ams": "Amsterdam",
    "fra": "Frankfurt",
    "par": "Paris",
    "ber": "Berlin",
    "muc": "Munich",
    "ham": "Hamburg",
    "mad": "Madrid",
    "bcn": "Barcelona",
    "mil": "Milan",
    "vie": "Vienna",
    "zrh": "Zurich",
    "sto": "Stockholm",
    "cph": "Copenhagen",
    "osl": "Oslo",
    "hel": "Helsinki",
    "waw": "Warsaw",
    "prg": "Prague",
    "bos": "Boston",
    "nyc": "New York",
    "lax": "Los Angeles",
    "sjc": "San Jose",
    "sfo": "San Francisco",
    "ord": "Chicago",
    "chi": "Chicago",
    "dfw": "Dallas",
    "atl": "Atlanta",
    "mia": "Miami",
    "iad": "Washington",
    "sea": "Seattle",
    "tor": "Toronto",
    "yyz": "Toronto",
    "mtl": "Montreal",
    "tyo": "Tokyo",
    "nrt": "Tokyo",
    "osa": "Osaka",
    "sel": "Seoul",
    "icn": "Seoul",
    "sin": "Singapore",
    "hkg": "Hong Kong",
    "syd": "Sydney",
    "mel": "Melbourne",
    "gru": "Sao Paulo",
    "mex": "Mexico City",
    "bstnma": "Boston, MA",
    "nycmny": "New York, NY",
    "washdc": "Washington, DC",
    "lsanca": "Los Angeles, CA",
    "chcgil": "Chicago, IL",
    "phlapa": "Philadelphia, PA",
    "dllstx": "Dallas, TX",
    "snfcca": "San Francisco, CA",
    "sttlwa": "Seattle, WA",
    "atlnga": "Atlanta, GA",
    "miamfl": "Miami, FL",
    "pitbpa": "Pittsburgh, PA",
    "london": "London",
    "manchester": "Manchester",
    "dublin": "Dublin",
    "paris": "Paris",
    "berlin": "Berlin",
    "frankfurt": "Frankfurt",
    "amsterdam": "Amsterdam",
    "madrid": "Madrid",
}
# Second-level labels under which a registered domain has three labels (co.uk, com.mx, ne.jp).
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ac", "ad", "ne", "or", "gov", "edu", "gob", "go", "gr"})


def ptr_hints(name: str, address: str) -> tuple[Hint, ...]:
    """Every hint ``name`` (the PTR of ``address``) yields, in a stable order."""
    name = name.lower().rstrip(".")
    alpha = set(re.split(r"[^a-z]+", name)) - {""}
    alnum = set(re.split(r"[^a-z0-9]+", name)) - {""}
    domain = registered_domain(name)
    host_part = name[: -len(domain)] if domain else name  # a POP is never the ISP's own domain
    pops = set(re.split(r"[^a-z]+", host_part)) - {""}
    hints = [*_access(name, alpha | alnum), *_assignment(alpha), *_embedded(name, address), *_pops(pops)]
    if domain:
        hints.append(Hint(DOMAIN, f"the name belongs to the domain {domain}, usually the ISP's", domain))
    return tuple(hints)


def _access(name: str, tokens: set[str]) -> Iterable[Hint]:
    found: dict[str, str] = {}
    for token in sorted(tokens):
        tech = _TOKEN_TECH.get(token)
        if tech is not None:
            found.setdefault(tech, token)
    for match in _PREFIXED.finditer(name):  # adsl2plus, cablemodem3, fiberlink...
        found.setdefault(_TOKEN_TECH[match.group(1)], match.group(0))
    for tech in _ACCESS_TOKENS:  # a stable order
        if tech in found:
            yield Hint(ACCESS, f"the name says {tech} access (token '{found[tech]}')", tech)


def _assignment(tokens: set[str]) -> Iterable[Hint]:
    dynamic = sorted(tokens & _DYNAMIC) or sorted(t for t in tokens if t.startswith(("dynamic", "dhcp")))
    static = sorted(tokens & _STATIC) or sorted(t for t in tokens if t.startswith("static"))
    if static:
        yield Hint(ASSIGNMENT, f"the name marks a static address (token '{static[0]}')", "static")
    elif dynamic:
        yield Hint(ASSIGNMENT, f"the name marks a dynamic pool address (token '{dynamic[0]}')", "dynamic")


def _embedded(name: str, address: str) -> Iterable[Hint]:
    for shape in address_shapes(address):
        if shape in name:
            yield Hint(EMBEDDED, f"the name embeds the address ({shape}), as ISP customer names do", shape)
            return


def _pops(tokens: set[str]) -> Iterable[Hint]:
    for code in sorted(tokens & POPS.keys()):
        yield Hint(POP, f"a point of presence or city: {POPS[code]} ('{code}')", code)


def address_shapes(address: str) -> list[str]:
    """The ways ISPs write an address into a name, most specific first."""
    octets = address.split(".")
    if len(octets) == 4 and all(o.isdigit() and len(o) <= 3 for o in octets):  # IPv4, no ipaddress cost
        reverse = octets[::-1]
        shapes = [sep.join(seq) for seq in (octets, reverse) for sep in "-._"]
        return [*shapes, "".join(o.zfill(3) for o in octets), "".join(f"{int(o):02x}" for o in octets)]
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return []
    groups = ip.exploded.split(":")
    return ["".join(groups), "-".join(groups), ip.compressed.replace(":", "-"), ip.compressed]


def registered_domain(name: str) -> str | None:
    """The last two labels, or three under a ccTLD second level (``boranet.co.kr``)."""
    labels = [label for label in name.lower().rstrip(".").split(".") if label]
    if len(labels) < 2:
        return None
    count = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-count:])
