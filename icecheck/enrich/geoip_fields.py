"""Which kind of GeoIP database a ``database_type`` names, and the facts one record of it states.

Pure, no I/O. ``database_kind(database_type)`` recognises MaxMind's GeoIP2/GeoLite2 databases
(City, Country, ASN, ISP, Connection-Type, Anonymous-IP, Anonymous-Plus, Residential-Proxy,
Enterprise, their ``-Shield`` variants), DB-IP's (``DBIP-City-Lite``, ``DBIP-ASN-Lite (compat=
GeoLite2-ASN)``, ``DBIP-Location-ISP (compat=Enterprise)``, ...) and IPinfo's (``ipinfo <name>.mmdb``);
anything else is ``None``. ``extract(kind, record)`` returns ``{fact name: value}`` for the facts in
``FACTS`` that the record states, and never raises, whatever the record holds: a value of the wrong
type or out of range is left out, text loses control characters and is cut to ``MAX_TEXT``
characters, and only the first subdivision is read (a record may hold thousands).
"""

from __future__ import annotations

import re
from enum import StrEnum

from icecheck.model import GEO_FACTS

FactValue = str | int | bool

MAX_TEXT = 200  # longest text kept from a record; real names are far shorter
MAX_RADIUS_KM = 20_038  # half the Earth's circumference: no accuracy radius is larger
FLAG_FACTS = (
    "is_anonymous", "is_anonymous_vpn", "is_hosting_provider", "is_tor_exit_node", "is_public_proxy",
    "is_residential_proxy",
)  # fmt: skip
FACTS = GEO_FACTS  # the fields of model.GeoFacts that hold facts, in order
# Facts that only make sense together: a place is taken whole from one database, and so is an AS
# number with its name (another database may place or number the same address differently).
FACT_GROUPS = (("city", "region", "country_code", "country_name", "accuracy_radius_km"), ("asn", "as_organisation"))


class DatabaseKind(StrEnum):
    """The layout a database's records follow (MaxMind's names; DB-IP reuses MaxMind's layouts)."""

    LOCATION = "location"  # City and Country
    ASN = "asn"
    ISP = "isp"
    CONNECTION_TYPE = "connection-type"
    ANONYMOUS_IP = "anonymous-ip"
    ANONYMOUS_PLUS = "anonymous-plus"
    RESIDENTIAL_PROXY = "residential-proxy"
    ENTERPRISE = "enterprise"
    IPINFO = "ipinfo"


_EXACT = {
    "GeoLite2-ASN": DatabaseKind.ASN,
    "DBIP-ASN-Lite": DatabaseKind.ASN,
    "DBIP-ASN-Lite (compat=GeoLite2-ASN)": DatabaseKind.ASN,
    "GeoIP2-ISP": DatabaseKind.ISP,
    "GeoIP2-Precision-ISP": DatabaseKind.ISP,
    "GeoIP2-Connection-Type": DatabaseKind.CONNECTION_TYPE,
    "GeoIP2-Anonymous-IP": DatabaseKind.ANONYMOUS_IP,
    "GeoIP-Anonymous-Plus": DatabaseKind.ANONYMOUS_PLUS,
    "GeoIP-Residential-Proxy": DatabaseKind.RESIDENTIAL_PROXY,
    "GeoIP2-Enterprise": DatabaseKind.ENTERPRISE,
    "GeoIP2-Precision-Enterprise": DatabaseKind.ENTERPRISE,
    "GeoIP-Enterprise-Redacted-US": DatabaseKind.ENTERPRISE,
    "DBIP-ISP (compat=Enterprise)": DatabaseKind.ENTERPRISE,
    "DBIP-Location-ISP (compat=Enterprise)": DatabaseKind.ENTERPRISE,
}
# City and Country come in many editions (GeoIP2-City-Europe, GeoIP2-Precision-City, DBIP-Country, ...).
_LOCATION_PREFIXES = (
    "GeoIP2-City", "GeoLite2-City", "GeoIP2-Country", "GeoLite2-Country", "GeoIP2-Precision-City",
    "GeoIP-City-Redacted-US", "DBIP-City", "DBIP-Country", "DBIP-Location",
)  # fmt: skip


def database_kind(database_type: str) -> DatabaseKind | None:
    """The kind a metadata ``database_type`` names, or ``None`` for one this module cannot read."""
    name = database_type.removesuffix("-Shield")  # Shield editions keep their base layout
    if name in _EXACT:
        return _EXACT[name]
    if name.startswith(_LOCATION_PREFIXES):
        return DatabaseKind.LOCATION
    if database_type.lower().startswith("ipinfo "):
        return DatabaseKind.IPINFO
    return None


def extract(kind: DatabaseKind, record: object) -> dict[str, FactValue]:
    """The facts ``record`` states; ``{}`` for a record that is not a map."""
    if not isinstance(record, dict):  # both readers decode maps to dicts
        return {}
    if kind is DatabaseKind.IPINFO:
        return _ipinfo(record)
    facts = _maxmind(record)
    if kind is DatabaseKind.RESIDENTIAL_PROXY:  # every network this database lists is one
        facts["is_residential_proxy"] = True
    return facts


# MaxMind's key for each fact stated at the top of a record or under ``traits``.
_KEYED = {
    "autonomous_system_number": "asn", "autonomous_system_organization": "as_organisation", "isp": "isp",
    "organization": "organisation", "domain": "domain", "connection_type": "connection_type",
    "user_type": "user_type", "provider_name": "anonymizer_provider", **{flag: flag for flag in FLAG_FACTS},
}  # fmt: skip


def _maxmind(record: dict[object, object]) -> dict[str, FactValue]:
    """MaxMind's layout: location maps at the top, network facts at the top or under ``traits``."""
    traits = _map(record.get("traits"))
    subdivisions = record.get("subdivisions")
    first = subdivisions[0] if isinstance(subdivisions, list) and subdivisions else None
    found: dict[str, FactValue | None] = {
        "city": _name(record.get("city")),
        "region": _name(first),
        "country_code": _text(_map(record.get("country")).get("iso_code")),
        "country_name": _name(record.get("country")),
        "accuracy_radius_km": _radius(_map(record.get("location")).get("accuracy_radius")),
    }
    for source in (traits, record):  # the top level wins over traits
        for key in _KEYED.keys() & source.keys():
            value = _typed(_KEYED[key], source[key])
            if value is not None:  # a wrong-typed value does not hide a good one under traits
                found[_KEYED[key]] = value
    return {k: v for k, v in found.items() if v is not None}


def _ipinfo(record: dict[object, object]) -> dict[str, FactValue]:
    """IPinfo's flat layouts: lite (``country_code`` + ``country`` name), country-ASN and location
    (``country`` a code, ``country_name``), ASN (``asn`` as ``"AS1221"``) and privacy (``vpn``,
    ``proxy``, ``tor``, ``relay``, ``hosting`` as ``"true"``/``"false"``/``""``)."""
    country = _text(record.get("country"))
    code = _text(record.get("country_code"))
    if code is None and country is not None and re.fullmatch(r"[A-Z]{2}", country):
        code, country = country, _text(record.get("country_name"))
    flags = {k: _flag(record.get(k)) for k in ("vpn", "proxy", "tor", "relay", "hosting")}
    anonymous = [flags[k] for k in ("vpn", "proxy", "tor", "relay") if flags[k] is not None]
    found: dict[str, FactValue | None] = {
        "city": _text(record.get("city")),
        "region": _text(record.get("region")),
        "country_code": code,
        "country_name": country,
        "asn": _asn(record.get("asn")),
        "as_organisation": _text(record.get("as_name", record.get("name"))),
        "domain": _text(record.get("as_domain", record.get("domain"))),
        "is_anonymous_vpn": flags["vpn"],
        "is_public_proxy": flags["proxy"],
        "is_tor_exit_node": flags["tor"],
        "is_hosting_provider": flags["hosting"],
        "is_anonymous": any(anonymous) if anonymous else None,
        "anonymizer_provider": _text(record.get("service")),
    }
    return {k: v for k, v in found.items() if v is not None}


def _typed(fact: str, value: object) -> FactValue | None:
    if fact in FLAG_FACTS:
        return value if isinstance(value, bool) else None
    if fact == "asn":  # MaxMind's layout has it as an integer; a string is the wrong type
        return _asn(value) if isinstance(value, int) else None
    return _text(value)


def _map(value: object) -> dict[object, object]:
    return value if isinstance(value, dict) else {}


def _name(value: object) -> str | None:
    """The English name of a GeoIP2 place map (``{"names": {"en": ...}}``)."""
    return _text(_map(_map(value).get("names")).get("en"))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _text(value: object) -> str | None:
    """Printable text, cut to ``MAX_TEXT``; ``None`` for a non-string or an empty one."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub("", value[: MAX_TEXT * 2]).strip()[:MAX_TEXT]
    return text or None


def _radius(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_RADIUS_KM else None


def _asn(value: object) -> int | None:
    """An AS number from an int or IPinfo's ``"AS1221"``; only 1..2^32-1 (RFC 6793)."""
    if isinstance(value, str) and re.fullmatch(r"(?i:AS)?[0-9]{1,10}", value):
        value = int(value.upper().removeprefix("AS"))
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 2**32 else None


def _flag(value: object) -> bool | None:
    """IPinfo writes flags as ``"true"``, ``"false"`` or ``""`` (not flagged); some files as booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true"
    return None
