"""Frozen data models that cross layers.

Data flows one way: input readers produce ``CandidateRecord`` and ``AddressRecord`` values
with an ``Origin``; ``classify`` turns addresses into ``AddressFacts``; ``infer`` derives
``Exposure`` values; ``rules``/``policy`` derive ``Finding`` values; renderers read an
``AuditResult``. Nothing here does I/O. Failures are data (``Diagnostic``), never aborts.
Records are ``@dataclass(frozen=True, slots=True)``, except three values made per item of a
capture, which are ``NamedTuple``s (``Candidate``, ``Origin``, ``Exposure``; changed with
``_replace``): a frozen dataclass's ``__init__`` costs several times more
(benchmarks/bench_sdp.py, candidate parsing; bench_scan.py).
Vocabularies are ``StrEnum``s, written to JSON as their values.
``Severity`` (severity.py) and ``ExitCode`` (exitcodes.py) live apart: the command-line options
need them, and ``icecheck --help`` loads no record class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from icecheck.severity import Severity


class Pickled:
    """A base of the records made per item: pickled as their constructor's arguments. A slotted
    dataclass's own ``__getstate__`` calls ``dataclasses.fields`` for each object, which cost more
    than half the time of moving a large input's items to disk (``inputs.spool``, ``inputs.spill``)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        names: tuple[str, ...] = self.__slots__
        return (type(self), tuple([getattr(self, name) for name in names]))


class CandidateType(StrEnum):
    """ICE candidate types (RFC 8445 §5.1.1). The grammar allows other tokens: see ``Candidate.type``."""

    HOST = "host"
    SRFLX = "srflx"
    PRFLX = "prflx"
    RELAY = "relay"


class AddressClass(StrEnum):
    """Exactly one class per address (see ``classify.py`` for the range tables)."""

    PUBLIC = "public"
    PRIVATE = "private"
    CGNAT = "cgnat"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"
    ULA = "ula"
    DOCUMENTATION = "documentation"
    UNSPECIFIED = "unspecified"
    MULTICAST = "multicast"
    RESERVED = "reserved"
    TEREDO = "teredo"
    SIX_TO_FOUR = "6to4"
    NAT64 = "nat64"
    IPV4_MAPPED = "ipv4-mapped"
    IPV4_TRANSLATION = "ipv4-translation"
    MDNS = "mdns"
    HOSTNAME = "hostname"
    INVALID = "invalid"


class Party(StrEnum):
    """Who learns a thing (docs/architecture.md §1)."""

    SIGNALLING = "signalling-server"
    REMOTE_PEER = "remote-peer"
    TURN_SERVER = "turn-server"
    ON_PATH = "on-path-observer"


class Origin(NamedTuple):
    """Where an item came from. ``line`` is 1-based; ``packet`` is 1-based for captures.

    A ``NamedTuple``, like ``Candidate``: readers build one per item and per message of a capture
    (change one with ``_replace``).
    """

    path: str
    line: int | None = None
    packet: int | None = None
    time: float | None = None
    detail: str | None = None  # e.g. "sdp 2, media 1 (audio)", "Call-ID abc INVITE", a 5-tuple
    call: str | None = None  # grouping key: SIP Call-ID, PeerConnection id, WebSocket connection
    party: str | None = None  # offerer/answerer, local/remote, or a sender address

    def location(self) -> str:
        """Short human form: ``path:line`` or ``path#packet``."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.packet is not None:
            return f"{self.path}#{self.packet}"
        return self.path


class Candidate(NamedTuple):
    """One parsed ICE candidate (RFC 8839 §5.1). Strings keep the case written, except ``type``.

    ``address`` has IPv6 brackets removed but is otherwise as written (it may be an FQDN or
    an mDNS ``<uuid>.local`` name, or even an invalid literal for ``related_address``).
    ``extensions`` holds every extension other than raddr/rport/tcptype/generation/ufrag/
    network-id/network-cost, in order, as written. ``raw`` is the text that was parsed.

    A ``NamedTuple``, not a dataclass: parsers build one per candidate line, and a frozen
    dataclass's ``__init__`` (16 ``object.__setattr__`` calls) cost half of a capture's parsing
    (benchmarks/bench_sdp.py, "candidate parsing"). Change one with ``_replace``.
    """

    foundation: str
    component: int
    transport: str
    priority: int
    address: str
    port: int
    type: str  # lower-cased: host, srflx, prflx, relay (or another token the grammar allows)
    related_address: str | None = None
    related_port: int | None = None
    tcptype: str | None = None
    generation: int | None = None
    ufrag: str | None = None
    network_id: int | None = None
    network_cost: int | None = None
    extensions: tuple[tuple[str, str], ...] = ()
    raw: str = ""


@dataclass(frozen=True, slots=True)
class PriorityInfo(Pickled):
    """RFC 8445 §5.1.2.1 decoding, plus libwebrtc's layout of local preference (docs/architecture.md §5)."""

    type_preference: int
    local_preference: int
    component: int  # 256 - low byte
    interface_rank: int | None = None  # libwebrtc: local_pref >> 8
    address_preference: int | None = None  # libwebrtc: local_pref & 0xff
    address_family: str | None = None  # "ipv4", "ipv6", "ipv6-ula", "6to4", "teredo" (from addr_pref)
    relay_protocol: str | None = None  # relay only: "udp", "tcp", "tls" (from type_pref)


@dataclass(frozen=True, slots=True)
class Hint(Pickled):
    """An extra fact about an address: ``kind`` is a stable token (eui64, embedded-ipv4, docker, ...)."""

    kind: str
    detail: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class AddressFacts(Pickled):
    """Pure facts about one address string."""

    address: str
    address_class: AddressClass
    version: int | None = None  # 4, 6, or None for names
    hints: tuple[Hint, ...] = ()
    embedded_ipv4: str | None = None
    mac: str | None = None
    mac_vendor: str | None = None

    def has_hint(self, kind: str) -> bool:
        return bool(self.hints) and any(h.kind == kind for h in self.hints)  # most have none: no generator


@dataclass(frozen=True, slots=True)
class SectionContext(Pickled):
    """The SDP context a candidate or address appeared in."""

    sdp_index: int = 0  # 0-based index of the SDP within its file
    media_index: int | None = None  # None = session level
    media: str | None = None  # audio, video, application...
    mid: str | None = None
    ice_ufrag: str | None = None


@dataclass(frozen=True, slots=True)
class InterfaceInfo(Pickled):
    """A local network interface behind a host candidate (live gathering only)."""

    name: str
    kind: str  # ethernet, wifi, vpn, tunnel, bridge, container, vm, cellular, loopback, unknown
    default_route: bool = False


@dataclass(frozen=True, slots=True)
class CandidateRecord(Pickled):
    """A candidate as found in an input: ``origin`` is where it was first seen; an input that
    shows it again folds the repeats into ``count`` (sightings) and ``last`` (the last one's
    origin, None when seen once). ``inputs.sink`` says what counts as the same candidate."""

    candidate: Candidate
    origin: Origin
    context: SectionContext = SectionContext()
    interface: InterfaceInfo | None = None
    count: int = 1
    last: Origin | None = None


class AttemptStatus(StrEnum):
    """How an outward step ended (``attempts[].status``). A missing PTR name (nxdomain) is an answer."""

    OK = "ok"
    CACHED = "cached"  # answered from the lookup cache
    OFFLINE = "offline"  # not sent: --offline and not in the cache
    TIMEOUT = "timeout"
    REFUSED = "refused"
    AUTH_FAILED = "auth-failed"
    UNRESOLVABLE = "unresolvable"
    NXDOMAIN = "nxdomain"
    RATE_LIMITED = "rate-limited"
    NO_NETWORK = "no-network"
    ERROR = "error"
    # a GeoIP database that was read, with a warning (``enrich.geoip_open``)
    STALE = "stale"
    DUPLICATE = "duplicate"
    BAD_BUILD_DATE = "bad-build-date"


FAILED_STATUSES = frozenset(
    {
        AttemptStatus.TIMEOUT,
        AttemptStatus.REFUSED,
        AttemptStatus.AUTH_FAILED,
        AttemptStatus.UNRESOLVABLE,
        AttemptStatus.RATE_LIMITED,
        AttemptStatus.NO_NETWORK,
        AttemptStatus.ERROR,
    }
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One outward step that may fail (STUN/TURN request, RDAP or PTR lookup): failures are data."""

    kind: str  # stun, turn, rdap, ptr, asn, resolve, nat
    target: str  # e.g. "stun:127.0.0.1:3478", an address for rdap/ptr
    status: AttemptStatus
    detail: str = ""
    elapsed: float | None = None


class AddressRole(StrEnum):
    """Where an address outside a candidate was found."""

    CONNECTION = "c="
    ORIGIN = "o="
    RTCP = "a=rtcp"
    CNAME = "cname"
    REMOTE_CANDIDATES = "a=remote-candidates"
    SIP_HEADER = "sip-header"
    STUN_MAPPED = "stun-mapped"
    STUN_RELAYED = "stun-relayed"
    STUN_PEER = "stun-peer"


@dataclass(frozen=True, slots=True)
class AddressRecord(Pickled):
    """An address found outside a candidate line (c=, o=, a=rtcp, cname, SIP headers, STUN...);
    ``origin``, ``count`` and ``last`` as for ``CandidateRecord``."""

    address: str
    role: AddressRole
    origin: Origin
    context: SectionContext = SectionContext()
    port: int | None = None
    count: int = 1
    last: Origin | None = None


class DiagnosticLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic(Pickled):
    """A problem with the input, located as precisely as known."""

    origin: Origin
    message: str
    level: DiagnosticLevel = DiagnosticLevel.ERROR


class InputKind(StrEnum):
    """What an input was (``inputs[].kind``): the format read, or a live gathering."""

    SDP = "sdp"
    SIP = "sip"
    PCAP = "pcap"  # pcap or pcapng
    HAR = "har"
    WEBRTC_INTERNALS = "webrtc-internals"
    RTCSTATSDUMP = "rtcstatsdump"
    TRICKLE = "trickle"
    JSON = "json"
    TEXT = "text"  # a text log
    BROWSER = "browser"  # candidates a browser posted (``icecheck browser``, ``serve``)
    FOLDER = "folder"  # a folder named on the command line that held nothing to audit
    GATHER = "gather"
    UNKNOWN = "unknown"  # unrecognised or unreadable


class InputStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # something was read, something was bad
    EMPTY = "empty"  # readable, but held nothing to audit
    UNREADABLE = "unreadable"
    SKIPPED = "skipped"  # found in a folder, holds no signalling: left out quietly (scan DIR)


@dataclass(frozen=True, slots=True)
class InputDocument:
    """What one input reader produced from one path."""

    path: str
    kind: InputKind
    status: InputStatus
    candidates: Sequence[CandidateRecord] = ()  # a tuple, or a ``spool.Spool`` for a large input
    addresses: Sequence[AddressRecord] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    end_of_candidates: int = 0
    duplicates: int = 0  # repeated sightings of candidates, folded into their ``count``
    attempts: tuple[Attempt, ...] = ()
    unaudited: int = 0  # sightings of items past the input's bound (inputs.limits.MAX_ITEMS): counted only

    @property
    def read_in_part(self) -> bool:
        """A file whose reader reported errors beside what it found (status ``partial``): it makes the
        run exit 2 unless ``--allow-partial``. A live gathering is ``partial`` when a server failed:
        ``--strict`` judges that instead."""
        return self.status is InputStatus.PARTIAL and self.kind not in (InputKind.GATHER, InputKind.BROWSER)


@dataclass(frozen=True, slots=True)
class AuditedCandidate(Pickled):
    """A candidate with its facts. ``id`` (c1, c2...) is what evidence refers to."""

    id: str
    record: CandidateRecord
    facts: AddressFacts
    related_facts: AddressFacts | None
    priority: PriorityInfo


@dataclass(frozen=True, slots=True)
class AuditedAddress(Pickled):
    """An address outside candidates with its facts. ``id`` is a1, a2..."""

    id: str
    record: AddressRecord
    facts: AddressFacts


class ExposureKind(StrEnum):
    """What an exposure is about (``exposures[].kind``); ``analysis.infer`` unless said otherwise."""

    PUBLIC_ADDRESS = "public-address"
    PUBLIC_HOST_ADDRESS = "public-host-address"
    IPV6_PREFIX = "ipv6-prefix"
    RELAY_RADDR_LEAK = "relay-raddr-leak"
    MAC_ADDRESS = "mac-address"
    EMBEDDED_IPV4 = "embedded-ipv4"
    LOCAL_ADDRESS = "local-address"
    VPN = "vpn"
    VIRTUAL_INTERFACE = "virtual-interface"
    CGNAT = "cgnat"
    INTERFACE_COUNT = "interface-count"
    INTERFACE_TYPE = "interface-type"
    HOSTNAME = "hostname"
    RELAY_SERVER = "relay-server"
    PRIVACY_MODE = "privacy-mode"
    IMPLEMENTATION = "implementation"  # analysis.fingerprint
    # from lookups (analysis.isp)
    ISP = "isp"
    VPN_EXIT = "vpn-exit"
    COUNTRY = "country"
    ACCESS_TECHNOLOGY = "access-technology"
    LOCATION = "location"
    STATIC_ADDRESS = "static-address"
    IPV6_PREFIX_OWNER = "ipv6-prefix-owner"
    VPN_LEAK = "vpn-leak"
    DOUBLE_NAT = "double-nat"
    RELAY_OPERATOR = "relay-operator"
    # from GeoIP databases (analysis.geo)
    GEOLOCATION = "geolocation"
    CONNECTION_TYPE = "connection-type"
    ANONYMIZER = "anonymizer"
    WIRE_EXPOSURE = "wire-exposure"  # captures (inputs.wire)
    INTERFACE_EXPOSED = "interface-exposed"  # live runs (live.liveaudit)


class Exposure(NamedTuple):
    """Something an attacker learns, with the items that show it and who learns it.

    A ``NamedTuple``, like ``Candidate``: the analysis makes several per party of a capture.
    """

    kind: ExposureKind
    summary: str
    evidence: Sequence[str]  # a tuple, or packed refs when long (``analysis.groups.PackedRefs``)
    learned_by: tuple[Party, ...] = (Party.SIGNALLING, Party.REMOTE_PEER)
    value: str | None = None  # the learned value in machine form (address, MAC, count, mode...)
    party: str | None = None  # whose network it describes, when an input holds several parties


@dataclass(frozen=True, slots=True)
class Finding(Pickled):
    """A rule that matched: its severity, message and the ids of the evidence."""

    rule: str
    severity: Severity
    message: str
    evidence: Sequence[str] = ()  # a tuple, or packed refs when long (``analysis.groups.PackedRefs``)


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """What public registries and reverse DNS say about one public address (enrichment)."""

    address: str
    asn: int | None = None
    as_name: str | None = None
    network_name: str | None = None
    cidr: str | None = None
    organisation: str | None = None
    country: str | None = None
    registry: str | None = None
    network_kind: str | None = None  # residential, mobile, hosting, vpn, cdn, education, unknown
    ptr: str | None = None
    ptr_hints: tuple[Hint, ...] = ()  # access technology, dynamic/static, POP/city, ISP domain
    geoip: GeoFacts | None = None  # what the GeoIP databases say; None when no database was read


@dataclass(frozen=True, slots=True)
class GeoSource:
    """A GeoIP database that answered: its file, ``database_type``, kind, build date (ISO) and origin."""

    path: str
    database_type: str
    kind: str  # an enrich.geoip_fields.DatabaseKind value
    built: str | None  # "2026-02-04"; None when the metadata's build time is no date
    origin: str  # an enrich.geoip_discover.PathOrigin value: explicit, env, discovered

    def label(self) -> str:
        """``GeoIP2-City built 2026-02-04``: what a report cites."""
        return (
            f"{self.database_type} built {self.built}" if self.built else f"{self.database_type} (build date unknown)"
        )


@dataclass(frozen=True, slots=True)
class GeoFacts:
    """What the GeoIP databases state about one public address; ``None`` = no database states it.

    ``sources`` maps each stated fact's name to the database it came from (``source(name)``).
    Flags are ``True`` when a database lists the address so, ``False`` only where a database says
    so explicitly (IPinfo), ``None`` otherwise. ``accuracy_radius_km`` is MaxMind's radius around
    the location within which the address is likely to be. The facts are the fields from ``city``
    to ``is_residential_proxy``, in the order ``enrich.geoip_fields.FACTS`` lists them.
    """

    address: str
    city: str | None = None
    region: str | None = None  # the first (largest) subdivision
    country_code: str | None = None  # ISO 3166-1 alpha-2
    country_name: str | None = None
    accuracy_radius_km: int | None = None
    asn: int | None = None
    as_organisation: str | None = None
    isp: str | None = None
    organisation: str | None = None
    domain: str | None = None
    connection_type: str | None = None  # MaxMind: Dialup, Cable/DSL, Corporate, Cellular, Satellite
    user_type: str | None = None  # Enterprise: residential, business, hosting, cellular, ...
    anonymizer_provider: str | None = None
    is_anonymous: bool | None = None
    is_anonymous_vpn: bool | None = None
    is_hosting_provider: bool | None = None
    is_tor_exit_node: bool | None = None
    is_public_proxy: bool | None = None
    is_residential_proxy: bool | None = None
    sources: tuple[tuple[str, GeoSource], ...] = ()

    def source(self, fact: str) -> GeoSource | None:
        return next((s for name, s in self.sources if name == fact), None)

    def stated(self) -> tuple[tuple[str, str | int | bool, GeoSource], ...]:
        """``(fact, value, source)`` for every stated fact, in field order."""
        given = dict(self.sources)
        return tuple((n, getattr(self, n), given[n]) for n in GEO_FACTS if n in given)


GEO_FACTS = (
    "city", "region", "country_code", "country_name", "accuracy_radius_km", "asn", "as_organisation", "isp",
    "organisation", "domain", "connection_type", "user_type", "anonymizer_provider", "is_anonymous",
    "is_anonymous_vpn", "is_hosting_provider", "is_tor_exit_node", "is_public_proxy", "is_residential_proxy",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NatBehaviour:
    """RFC 5780 §4.3/4.4 results. Values: endpoint-independent, address-dependent,
    address-and-port-dependent, no-nat, inconclusive."""

    mapping: str
    filtering: str
    mapped_addresses: tuple[str, ...] = ()
    reason: str = ""  # why a result is inconclusive, or how it was found
    mapping_reason: str = ""  # the mapping half of ``reason``
    filtering_reason: str = ""  # the filtering half of ``reason``


@dataclass(frozen=True, slots=True)
class ModeRow:
    """What a browser in one privacy mode would signal, computed from a live gathering (``modes.py``)."""

    mode: str  # the ``--as`` spelling: mode1..mode4, chrome, chrome-permission, firefox, relay-only
    title: str
    short: str  # a few words for a narrow table column, e.g. "Chrome default (mDNS)"
    counts: tuple[tuple[str, int], ...]  # signalled candidates per type: (("host", 2), ("srflx", 1), ...)
    addresses: tuple[str, ...]  # the user's IP addresses the peer learns (candidate address or raddr)
    concealed: int = 0  # host candidates sent behind an mDNS name
    shown: tuple[tuple[str, str], ...] = ()  # per gathered candidate: (label, raw|mdns|raddr-hidden|dropped)
    selected: bool = False  # the mode ``--as`` audited


@dataclass(frozen=True, slots=True)
class BrowserComparison:
    """A browser's candidates against icecheck's own gathering on the same machine."""

    gathered: tuple[str, ...]  # the user's addresses icecheck's own gathering found
    hidden: tuple[str, ...]  # of those, the ones the browser did not signal
    only_browser: tuple[str, ...]  # the user's addresses the browser signalled and the gathering did not find
    mdns_names: int = 0  # host candidates the browser sent behind an mDNS name


@dataclass(frozen=True, slots=True)
class BrowserRun:
    """One browser x scenario of ``icecheck browser`` (or one result posted to ``icecheck serve``).

    ``outcome``: ok, missing (not installed), failed (did not start, or exited), timeout (no
    result in time) or skipped (the scenario needs what was not given, e.g. relay-only a TURN
    server). ``result`` is the audit of the candidates the browser produced (None unless ok).
    """

    name: str  # Chromium, Firefox ESR, ...; under serve, the browser the page reported
    version: str | None
    executable: str | None
    scenario: str  # default, permission, relay-only
    outcome: str
    duration: float  # seconds from launch (browser start included) to its result
    detail: str = ""
    user_agent: str = ""
    policies: tuple[tuple[str, str], ...] = ()  # WebRTC enterprise policies in force: (name, JSON value)
    preferences: tuple[tuple[str, str], ...] = ()  # Firefox prefs applied from --profile: (name, JSON value)
    preference_effect: str = ""  # what those prefs changed, against a run without them
    comparison: BrowserComparison | None = None
    result: AuditResult | None = None


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Everything one run found: inputs, audited items, exposures, findings and the policy applied."""

    inputs: tuple[InputDocument, ...]
    candidates: Sequence[AuditedCandidate]  # each a tuple, or a ``spool.Spool`` (on disk) for a large run
    addresses: Sequence[AuditedAddress]
    exposures: Sequence[Exposure]
    findings: Sequence[Finding]
    policy: str = "default"
    fail_on: Severity = Severity.HIGH
    notes: tuple[str, ...] = field(default=())
    attempts: tuple[Attempt, ...] = ()
    network_info: tuple[NetworkInfo, ...] = ()
    nat: NatBehaviour | None = None
    strict: bool = False  # a failed attempt (server or lookup) makes the exit code 3
    browser_modes: tuple[ModeRow, ...] = ()  # live gathering only
    geoip_databases: tuple[GeoSource, ...] = ()  # the GeoIP databases read, in order of precedence
    policy_source: str | None = None  # the policy file the policy came from, when one was used
    allow_partial: bool = False  # inputs read in part (damage, or an input's bound) do not make the exit code 2

    def unaudited(self) -> int:
        """Items the inputs counted but could not hold (``InputDocument.unaudited``)."""
        return sum(d.unaudited for d in self.inputs)

    def partly_read(self) -> int:
        """Inputs read only in part (``InputDocument.read_in_part``)."""
        return sum(d.read_in_part for d in self.inputs)

    def failed_attempts(self) -> tuple[Attempt, ...]:
        """Attempts that did not get an answer. A missing PTR name (nxdomain) is an answer."""
        return tuple(a for a in self.attempts if a.status in FAILED_STATUSES)

    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)
