"""RDAP (RFC 9083) registry data for public addresses, through ipwhois.

ipwhois 1.3 is synchronous: each lookup runs in a worker thread (``Runner``), bounded by the
caller's executor, with a per-lookup timeout and retries with exponential backoff when the
registry rate-limits (HTTP 429, or a "Rate Limit Notice") or fails with a 5xx. ipwhois's own
sleeping retries are switched off (``retry_count=0``) so the policy lives here.

Only two things leave the machine, both pointed by configuration: Team Cymru ASN TXT queries
(``asn_methods=['dns']``, through our resolver; no whois/HTTP ASN fallback) and the RDAP
HTTPS request (through the configured or environment proxy). NIR lookups (JPNIC/KRNIC whois)
are off. ipwhois and dnspython are imported lazily: the CLI's cold start is measured.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from icecheck.enrich.config import EnrichConfig, ca_file, https_proxy, parse_resolver
from icecheck.enrich.errors import AsnStepError, Failure, classify_exception
from icecheck.inputs.numbers import decimal
from icecheck.model import Attempt, AttemptStatus

if TYPE_CHECKING:
    from urllib.request import OpenerDirector

T = TypeVar("T")
Runner = Callable[[Callable[[], T]], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class RdapData:
    """The registry facts icecheck keeps about one address (JSON-serialisable for the cache)."""

    asn: int | None = None
    as_name: str | None = None
    network_name: str | None = None
    cidr: str | None = None
    organisation: str | None = None
    country: str | None = None
    registry: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RdapData:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


class RdapClient:
    """One per ``enrich`` run: holds the opener (proxy, TLS context) the lookups share."""

    def __init__(self, config: EnrichConfig) -> None:
        self._config = config
        self._built: OpenerDirector | None = None
        self._as_names: dict[str, Any] = {}  # AS-name TXT answers, shared by the run's lookups

    def lookup_sync(self, address: str) -> RdapData:
        """One blocking ipwhois lookup, no retries. Raises on any failure."""
        from ipwhois import IPWhois
        from ipwhois.exceptions import ASNRegistryError

        cfg = self._config
        whois = IPWhois(address, timeout=cfg.timeout, proxy_opener=self._opener())
        errors: list[BaseException] = []
        whois.net.dns_resolver = _resolver(cfg, errors, self._as_names)
        try:
            result = whois.lookup_rdap(asn_methods=["dns"], inc_nir=False, retry_count=0, rate_limit_timeout=0, depth=0)
        except ASNRegistryError as exc:  # ipwhois swallows the DNS error: we recorded it
            raise AsnStepError(f"ASN lookup failed for {address}") from (errors[0] if errors else exc)
        return parse_result(result)

    async def lookup(self, address: str, run: Runner[RdapData]) -> tuple[RdapData | None, Attempt]:
        """Look ``address`` up with timeout and retries; the outcome is always an ``Attempt``."""
        cfg, start, tries = self._config, time.monotonic(), 0
        failure = Failure(AttemptStatus.ERROR, "no attempt made")
        while tries <= cfg.retries:
            tries += 1
            try:
                call = functools.partial(self.lookup_sync, address)
                data = await asyncio.wait_for(run(call), cfg.lookup_timeout)
                return data, _attempt("rdap", address, AttemptStatus.OK, _ok_detail(data, tries), start)
            except TimeoutError:
                failure = Failure(AttemptStatus.TIMEOUT, f"no answer within {cfg.lookup_timeout:g} s")
            except Exception as exc:
                failure = classify_exception(exc)
            if not failure.retry or tries > cfg.retries:
                break
            await asyncio.sleep(backoff_delay(cfg, tries, failure.retry_after))
        detail = failure.detail + (f" (after {tries} tries)" if tries > 1 else "")
        return None, _attempt(failure.kind, address, failure.status, detail, start)

    def _opener(self) -> OpenerDirector:
        """urllib opener: the configured/environment proxy and CA bundle (ipwhois's hook).

        Built once per run and shared by the worker threads: its handlers keep no per-request
        state, and the CA bundle is read once.
        """
        if self._built is None:
            import ssl
            import urllib.request

            context = ssl.create_default_context(cafile=ca_file(self._config))
            proxy = https_proxy(self._config)
            self._built = urllib.request.build_opener(
                urllib.request.ProxyHandler({"https": proxy} if proxy else {}),
                urllib.request.HTTPSHandler(context=context),
            )
        return self._built


def backoff_delay(config: EnrichConfig, tries: int, retry_after: float | None) -> float:
    """Seconds to wait before try ``tries + 1``: Retry-After if given, else doubling; capped."""
    delay = retry_after if retry_after is not None else config.backoff * 2 ** (tries - 1)
    return float(min(config.max_backoff, max(0.0, delay)))


def parse_result(result: dict[str, Any]) -> RdapData:
    """ipwhois ``lookup_rdap`` dict → ``RdapData`` (registry country first, then Cymru's)."""
    network = result.get("network") or {}
    return RdapData(
        asn=_first_asn(result.get("asn")),
        as_name=_text(result.get("asn_description")),
        network_name=_text(network.get("name")),
        cidr=_text(network.get("cidr")) or _text(result.get("asn_cidr")),
        organisation=organisation(result.get("objects") or {}),
        country=_text(network.get("country")) or _text(result.get("asn_country_code")),
        registry=_text(result.get("asn_registry")),
    )


def organisation(objects: dict[str, Any]) -> str | None:
    """The registrant's name; else the first entity whose vCard kind is ``org``."""
    entities = [e for e in objects.values() if isinstance(e, dict)]
    for wanted in ("registrant", None):
        for entity in entities:
            contact = entity.get("contact") or {}
            roles = entity.get("roles") or []
            matches = wanted in roles if wanted else contact.get("kind") == "org"
            if matches and _text(contact.get("name")):
                return _text(contact.get("name"))
    return None


def _first_asn(value: object) -> int | None:
    """Cymru may list several origin ASNs ("2856 5400"); keep the first; "NA" → None."""
    token = str(value or "").split()[0] if str(value or "").split() else ""
    return decimal(token) if token.isascii() else None  # (not int(): 5,000 digits raised ValueError)


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _ok_detail(data: RdapData, tries: int) -> str:
    where = data.registry or "registry"
    return f"{where}" + (f" after {tries} tries" if tries > 1 else "")


def _attempt(kind: str, target: str, status: AttemptStatus, detail: str, start: float) -> Attempt:
    return Attempt(kind, target, status, detail, round(time.monotonic() - start, 4))


def _resolver(config: EnrichConfig, errors: list[BaseException], as_names: dict[str, Any]) -> Any:
    """A dnspython resolver for the Cymru queries: records the errors ipwhois swallows and
    shares ``AS<n>.asn.cymru.com`` answers across the run (one query per ASN, not per address)."""
    cls = _recording_resolver_class()
    resolver = cls(configure=config.resolver is None)
    if config.resolver is not None:
        host, port = parse_resolver(config.resolver)
        resolver.nameservers, resolver.port = [host], port
    resolver.timeout = resolver.lifetime = config.timeout
    resolver.errors, resolver.as_names = errors, as_names
    return resolver


@functools.cache
def _recording_resolver_class() -> type[Any]:
    """Built on first use so dnspython is imported only when a lookup really happens."""
    import dns.resolver

    class RecordingResolver(dns.resolver.Resolver):
        errors: list[BaseException]
        as_names: dict[str, Any]

        def resolve(self, *args: Any, **kwargs: Any) -> Any:
            qname = str(args[0] if args else kwargs.get("qname", "")).lower()
            shared = qname.startswith("as") and qname.rstrip(".").endswith(".asn.cymru.com")
            if shared and qname in self.as_names:
                return self.as_names[qname]
            try:
                answer = super().resolve(*args, **kwargs)
            except Exception as exc:
                self.errors.append(exc)
                raise
            if shared:
                self.as_names[qname] = answer
            return answer

    return RecordingResolver
