"""Turn a failed lookup's exception into a status an audit report can show.

Statuses are ``model.AttemptStatus`` members: timeout, refused, nxdomain, rate-limited,
no-network, error. ``retry`` marks the failures worth another try (rate limiting and server
errors, the cases RDAP services document as transient).
"""

from __future__ import annotations

import errno
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from icecheck.model import AttemptStatus

_NO_NETWORK = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL}
_HTTP_CODE = re.compile(r"\b([1-5]\d\d)\b")


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure. ``kind`` is the step that failed (rdap, asn, ptr)."""

    status: AttemptStatus
    detail: str
    retry: bool = False
    retry_after: float | None = None
    kind: str = "rdap"


class AsnStepError(Exception):
    """The Team Cymru ASN step failed; ``__cause__`` holds the DNS exception when known."""


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes/contexts, outermost first (ipwhois re-raises inside except)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)  # urllib's URLError wraps the socket error
        following = current.__cause__ or current.__context__
        current = reason if isinstance(reason, BaseException) and id(reason) not in seen else following


def classify_exception(exc: BaseException, kind: str = "rdap") -> Failure:
    """Map an exception (and its chain) to a ``Failure``; unknown cases are ``error``."""
    if isinstance(exc, AsnStepError):
        kind = "asn"
    for item in chain(exc):
        failure = _classify_one(item, kind)
        if failure is not None:
            return failure
    return Failure(AttemptStatus.ERROR, _describe(exc), kind=kind)


def _classify_one(exc: BaseException, kind: str) -> Failure | None:
    """One link of the chain, or ``None`` to look further down."""
    name = type(exc).__name__
    if name == "HTTPRateLimitError":
        return Failure(AttemptStatus.RATE_LIMITED, "HTTP 429 / rate limit notice", True, _retry_after(exc), kind)
    if name == "HTTPError":
        return _http_failure(int(getattr(exc, "code", 0)), exc, kind)
    return _dns_failure(exc, kind) or _socket_failure(exc, kind)


def _http_failure(code: int, exc: BaseException, kind: str) -> Failure:
    """HTTP status → failure: 429 rate limited, 5xx retryable server error, others final."""
    if code == 429:
        return Failure(AttemptStatus.RATE_LIMITED, "HTTP 429", True, _retry_after(exc), kind)
    if code == 404:
        return Failure(AttemptStatus.ERROR, "HTTP 404: the registry has no record", kind=kind)
    return Failure(AttemptStatus.ERROR, f"HTTP {code}", code >= 500, _retry_after(exc), kind)


def _dns_failure(exc: BaseException, kind: str) -> Failure | None:
    """dnspython exceptions (matched by name so dnspython stays a lazy import)."""
    name = type(exc).__name__
    if name == "NXDOMAIN":
        what = "no ASN origin record (Team Cymru)" if kind == "asn" else "no such name"
        return Failure(AttemptStatus.NXDOMAIN, f"{what} (NXDOMAIN)", kind=kind)
    if name == "NoAnswer":
        return Failure(AttemptStatus.NXDOMAIN, "name exists but has no record of that type", kind=kind)
    if name in {"Timeout", "LifetimeTimeout"}:
        return Failure(AttemptStatus.TIMEOUT, "DNS query timed out", kind=kind)
    if name == "NoNameservers":
        for item in _server_errors(exc):  # the per-server errors say why (no route, refused...)
            found = _socket_failure(item, kind)
            if found is not None:
                return found
        status = AttemptStatus.REFUSED if "REFUSED" in str(exc) else AttemptStatus.ERROR
        return Failure(
            status, "resolver answered " + ("REFUSED" if status is AttemptStatus.REFUSED else "an error"), kind=kind
        )
    return None


def _server_errors(exc: BaseException) -> list[BaseException]:
    """dnspython's ``NoNameservers.kwargs['errors']``: (server, tcp, port, error, response)."""
    errors = getattr(exc, "kwargs", {}).get("errors") or []
    return [e[3] for e in errors if isinstance(e, tuple) and len(e) > 3 and isinstance(e[3], BaseException)]


def _socket_failure(exc: BaseException, kind: str) -> Failure | None:
    """Transport errors: timeouts, refusals, no route, TLS, a proxy refusing the tunnel."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return Failure(AttemptStatus.TIMEOUT, "connection timed out", kind=kind)
    if isinstance(exc, ConnectionRefusedError):
        return Failure(AttemptStatus.REFUSED, "connection refused", kind=kind)
    if isinstance(exc, socket.gaierror):
        return Failure(AttemptStatus.NO_NETWORK, f"cannot resolve the server name ({exc.strerror})", kind=kind)
    ssl = sys.modules.get("ssl")  # loaded whenever a TLS error can exist; not imported for this
    if ssl is not None and isinstance(exc, ssl.SSLError):
        return Failure(AttemptStatus.ERROR, f"TLS: {getattr(exc, 'reason', None) or exc}", kind=kind)
    if isinstance(exc, OSError) and exc.errno in _NO_NETWORK:
        return Failure(AttemptStatus.NO_NETWORK, exc.strerror or "network unreachable", kind=kind)
    if isinstance(exc, OSError) and str(exc).startswith("Tunnel connection failed"):
        return _tunnel_failure(str(exc), kind)
    return None


def _tunnel_failure(text: str, kind: str) -> Failure:
    """``http.client`` reports a proxy's non-200 CONNECT answer only as text."""
    match = _HTTP_CODE.search(text)
    code = int(match.group(1)) if match else 0
    if code == 429:
        return Failure(AttemptStatus.RATE_LIMITED, f"proxy: {text}", True, None, kind)
    if code >= 500:
        return Failure(AttemptStatus.ERROR, f"proxy: {text}", True, None, kind)
    return Failure(AttemptStatus.REFUSED, f"proxy: {text}", kind=kind)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a ``Retry-After`` header anywhere in the chain (delta-seconds form only)."""
    for item in chain(exc):
        headers = getattr(item, "headers", None)
        value = headers.get("Retry-After") if headers is not None else None
        if value is not None and (text := str(value).strip()).isascii() and text.isdigit():
            return float(text)
    return None


def _describe(exc: BaseException) -> str:
    """A short one-line description for ``error`` attempts."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
