"""Pure parts of enrichment: configuration, error mapping, cache, ASN kinds, PTR hints."""

from __future__ import annotations

import errno
import socket
import urllib.error
from email.message import Message
from pathlib import Path

import pytest

from icecheck.enrich import asn_kinds
from icecheck.enrich.cache import Cache, age_text
from icecheck.enrich.config import EnrichConfig, cache_file, default_cache_dir, https_proxy, parse_resolver
from icecheck.enrich.errors import AsnStepError, classify_exception
from icecheck.enrich.ptr_hints import ACCESS, ASSIGNMENT, DOMAIN, EMBEDDED, POP, ptr_hints, registered_domain
from icecheck.enrich.rdap import RdapData, backoff_delay, organisation, parse_result

# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]", ("::1", 53)),
    ],
)
def test_parse_resolver(text: str, expected: tuple[str, int]) -> None:
    assert parse_resolver(text) == expected


@pytest.mark.parametrize("text", ["dns.example", "127.0.0.1:0", "127.0.0.1:99999", "1.2.3"])
def test_parse_resolver_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_resolver(text)


def test_config_validates() -> None:
    with pytest.raises(ValueError):
        EnrichConfig(concurrency=0)
    with pytest.raises(ValueError):
        EnrichConfig(resolver="not-an-ip")


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "icecheck"
    assert cache_file(EnrichConfig()) == tmp_path / "icecheck" / "enrich.sqlite3"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec says: must be absolute
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "icecheck"


def test_proxy_explicit_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:1")
    assert https_proxy(EnrichConfig()) == "http://127.0.0.1:1"
    assert https_proxy(EnrichConfig(https_proxy="http://127.0.0.1:2")) == "http://127.0.0.1:2"


def test_backoff_doubles_and_honours_retry_after() -> None:
    cfg = EnrichConfig(backoff=0.5, max_backoff=3)
    assert [backoff_delay(cfg, n, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert backoff_delay(cfg, 1, 2.0) == 2.0 and backoff_delay(cfg, 1, 60.0) == 3.0


# --- error mapping ---------------------------------------------------------------------------


def _raise_chain(outer: Exception, inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - an implicit context, as ipwhois raises
    except Exception as exc:
        return exc
    raise AssertionError("unreachable")


def _http_error(code: int, retry_after: str | None = None) -> urllib.error.HTTPError:
    headers = Message()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return urllib.error.HTTPError("https://rdap.example/ip/1", code, "x", headers, None)


def test_errors_http_codes() -> None:
    limited = classify_exception(_http_error(429, "7"))
    assert (limited.status, limited.retry, limited.retry_after) == ("rate-limited", True, 7.0)
    assert classify_exception(_http_error(503)).retry and classify_exception(_http_error(503)).status == "error"
    assert not classify_exception(_http_error(404)).retry
    for odd in ("²", "٣", "1.5", "-1"):  # not delta-seconds (``"²".isdigit()`` is true; ``float("²")`` raises)
        assert classify_exception(_http_error(429, odd)).retry_after is None


def test_errors_follow_the_context_chain() -> None:
    wrapped = _raise_chain(RuntimeError("HTTP lookup failed"), urllib.error.URLError(ConnectionRefusedError()))
    assert classify_exception(wrapped).status == "refused"
    timed_out = _raise_chain(RuntimeError("HTTP lookup failed"), TimeoutError("timed out"))
    assert classify_exception(timed_out).status == "timeout"


def test_errors_socket_cases() -> None:
    assert classify_exception(OSError(errno.ENETUNREACH, "Network is unreachable")).status == "no-network"
    assert classify_exception(socket.gaierror(-3, "Temporary failure")).status == "no-network"
    tunnel = classify_exception(OSError("Tunnel connection failed: 403 Forbidden"))
    assert tunnel.status == "refused"
    assert classify_exception(ValueError("odd")).status == "error"


def test_asn_step_is_reported_as_asn() -> None:
    import dns.resolver

    step = AsnStepError("ASN lookup failed")
    step.__cause__ = dns.resolver.NXDOMAIN()  # type: ignore[no-untyped-call]
    failure = classify_exception(step)
    assert (failure.kind, failure.status) == ("asn", "nxdomain")


# --- RDAP result parsing ------------------------------------------------------------------------


def test_parse_result_prefers_registry_country_and_registrant() -> None:
    result = {
        "asn": "15169 36040",
        "asn_description": "GOOGLE, US",
        "asn_cidr": "2001:4860::/32",
        "asn_country_code": "US",
        "asn_registry": "arin",
        "network": {"name": "GOOGLE-IPV6", "cidr": None, "country": None},
        "objects": {
            "ZG39": {"roles": ["abuse"], "contact": {"name": "Google NOC", "kind": "group"}},
            "GOGL": {"roles": ["registrant"], "contact": {"name": "Google Inc.", "kind": "org"}},
        },
    }
    data = parse_result(result)
    assert data == RdapData(15169, "GOOGLE, US", "GOOGLE-IPV6", "2001:4860::/32", "Google Inc.", "US", "arin")
    assert RdapData.from_json(data.to_json()) == data


def test_organisation_falls_back_to_org_kind() -> None:
    objects = {"A": {"roles": ["abuse"], "contact": {"name": "Acme Ltd", "kind": "org"}}}
    assert organisation(objects) == "Acme Ltd"
    assert organisation({"A": {"roles": ["abuse"], "contact": {"name": "J. Doe", "kind": "individual"}}}) is None


# --- cache ------------------------------------------------------------------------------------


def test_cache_ttl_and_stale(tmp_path: Path) -> None:
    now = [1000.0]
    with Cache(tmp_path / "c.sqlite3", ttl=60, clock=lambda: now[0]) as cache:
        cache.put("rdap", "1.2.3.4", {"asn": 1})
        assert cache.get("rdap", "1.2.3.4") is not None
        now[0] += 61
        assert cache.get("rdap", "1.2.3.4") is None
        stale = cache.get("rdap", "1.2.3.4", allow_stale=True)
        assert stale is not None and stale.stale and stale.value == {"asn": 1}
        assert cache.purge_expired() == 1


def test_cache_survives_reopen_and_damaged_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Cache(path, ttl=60) as cache:
        cache.put("ptr", "1.2.3.4", {"ptr": "x.example"})
    with Cache(path, ttl=60) as cache:
        entry = cache.get("ptr", "1.2.3.4")
        assert entry is not None and entry.value == {"ptr": "x.example"}
        cache._db.execute("UPDATE entries SET value = 'not json'")
        assert cache.get("ptr", "1.2.3.4") is None
        cache._db.execute("UPDATE entries SET value = ?", ("[" * 100_000,))  # deeper than json recurses
        assert cache.get("ptr", "1.2.3.4") is None


def test_age_text() -> None:
    assert [age_text(s) for s in (5, 120, 7200, 3 * 86400)] == ["5 s", "2 min", "2 h", "3 d"]


# --- ASN kinds --------------------------------------------------------------------------------


def test_asn_table_rows_are_valid() -> None:
    text = (Path(asn_kinds.__file__).parents[1] / "data" / "asn_kinds.csv").read_text()
    rows = asn_kinds.parse_table(text)
    assert len(rows) == len({r.asn for r in rows}) >= 30
    for row in rows:
        assert row.kind in asn_kinds.KINDS and row.source.startswith("https://") and row.name


@pytest.mark.parametrize(
    ("asn", "names", "kind"),
    [
        (15169, ("GOOGLE, US",), "hosting"),
        (2856, ("BT-UK-AS BTnet UK Regional network, GB",), "residential"),
        (None, ("Universidad Catolica de Oriente",), "education"),
        (64500, ("EXAMPLE-HOSTING-AS",), "hosting"),
        (64501, ("ACME Cloud Services",), "hosting"),
        (64502, ("Fast VPN Ltd",), "vpn"),
        (64503, ("Example Mobile Telecom",), "mobile"),
        (64504, ("Example Telecom",), "residential"),
        (64505, ("DATA-CENTER-ONE",), "hosting"),
        (64506, ("Nothing telling",), "unknown"),
    ],
)
def test_network_kind(asn: int | None, names: tuple[str, ...], kind: str) -> None:
    assert asn_kinds.network_kind(asn, *names) == kind


# --- PTR hints ---------------------------------------------------------------------------------


def _kinds(name: str, address: str) -> dict[str, str | None]:
    return {h.kind: h.value for h in ptr_hints(name, address)}


def test_hints_dsl_dynamic_embedded_domain() -> None:
    hints = _kinds("dsl-200-57-141-161-dyn.prod-infinitum.com.mx", "200.57.141.161")
    assert hints == {
        ACCESS: "dsl",
        ASSIGNMENT: "dynamic",
        EMBEDDED: "200-57-141-161",
        DOMAIN: "prod-infinitum.com.mx",
    }


@pytest.mark.parametrize(
    ("name", "address", "kind", "value"),
    [
        ("pool-71-1-2-3.bstnma.fios.verizon.net", "71.1.2.3", POP, "bstnma"),
        ("pool-71-1-2-3.bstnma.fios.verizon.net", "71.1.2.3", ACCESS, "fibre"),
        ("c-73-1-2-3.hsd1.ma.comcast.net", "73.1.2.3", ACCESS, "cable"),
        ("cpe-1-2-3-4.docsis.example.net", "1.2.3.4", ACCESS, "cable"),
        ("ftth-210-107-73-73.static.boranet.co.kr", "210.107.73.73", ASSIGNMENT, "static"),
        ("p5b0c1234.dip0.t-ipconnect.de", "91.12.18.52", ASSIGNMENT, "dynamic"),
        ("p5b0c1234.dip0.t-ipconnect.de", "91.12.18.52", EMBEDDED, "5b0c1234"),
        ("mobile-166-1-2-3.lte.example.com", "166.1.2.3", ACCESS, "mobile"),
        ("4g-1-2-3-4.example.com", "1.2.3.4", ACCESS, "mobile"),
        ("dialup-1-2-3-4.example.com", "1.2.3.4", ACCESS, "dial-up"),
        ("4.3.2.1.dyn.example.com", "1.2.3.4", EMBEDDED, "4.3.2.1"),
        ("host001002003004.example.net", "1.2.3.4", EMBEDDED, "001002003004"),
        ("bras1.lon.example.co.uk", "81.1.2.3", POP, "lon"),
        ("2001-db8-0-1--5.v6.example.net", "2001:db8:0:1::5", EMBEDDED, "2001-db8-0-1--5"),
    ],
)
def test_hint_cases(name: str, address: str, kind: str, value: str) -> None:
    assert _kinds(name, address).get(kind) == value


def test_no_false_hints_on_plain_names() -> None:
    assert _kinds("dns.google", "8.8.8.8") == {DOMAIN: "dns.google"}
    assert POP not in _kinds("www.paris.fr", "1.2.3.4")  # the ISP's own domain is not a POP


def test_registered_domain() -> None:
    assert registered_domain("a.b.example.co.uk") == "example.co.uk"
    assert registered_domain("x.btcentralplus.com.") == "btcentralplus.com"
    assert registered_domain("localhost") is None


# --- which addresses are looked up --------------------------------------------------------------


def test_public_addresses_only_and_canonical() -> None:
    from icecheck.enrich.session import public_addresses

    given = ["62.239.237.1", "192.168.1.2", "203.0.113.9", "2001:db8::1", "3fff::1", "100.64.0.1", "a.local",
             "2001:4860:4860:0:0:0:0:8888", "[2001:4860:4860::8888]", "62.239.237.1", "example.com"]  # fmt: skip
    assert public_addresses(given) == ["62.239.237.1", "2001:4860:4860::8888"]


def test_transition_addresses_contribute_the_users_ipv4() -> None:
    from icecheck.enrich.session import public_addresses

    six_to_four, teredo = "2002:3eef:ed01::1", "2001:0:4136:e378:8000:63bf:c110:12fe"
    assert public_addresses([six_to_four]) == ["62.239.237.1"]
    assert public_addresses([teredo]) == ["62.239.237.1"]
    assert public_addresses(["64:ff9b::808:808"]) == []  # NAT64 embeds the server's address


def test_an_asn_of_odd_digits_is_no_asn() -> None:
    """A registry's or Cymru's ASN "²" (a digit to ``str.isdigit``, refused by ``int``) reads as none."""
    assert parse_result({"asn": "²"}).asn is None and parse_result({"asn": "2856 5400"}).asn == 2856
