"""GeoIP databases on the auditing commands, run as a user runs them (``python -m icecheck``), offline:
MaxMind's own test databases (tests/data/maxmind) and the made ones (tests/data/geoip).

Known answers from MaxMind's source JSON: 2.125.160.216 is Boxford, GB (radius 100 km) on a
Cable/DSL line; 81.2.69.160 is London, GB, listed as anonymous VPN, hosting, Tor exit, public and
residential proxy, and the ISP database names it Andrews & Arnold Ltd. The conftest's
``ICECHECK_NO_GEOIP_DISCOVERY=1`` keeps a developer's own databases out of every run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import REPO, run_cli

MAXMIND = REPO / "tests" / "data" / "maxmind"
MADE = REPO / "tests" / "data" / "geoip"
BAD = sorted((MAXMIND / "bad-data").glob("*.mmdb"))
CITY = MAXMIND / "GeoIP2-City-Test.mmdb"
LINE = MAXMIND / "GeoIP2-Connection-Type-Test.mmdb"
ANON = MAXMIND / "GeoIP2-Anonymous-IP-Test.mmdb"
ISP = MAXMIND / "GeoIP2-ISP-Test.mmdb"
HOME, EXIT = "2.125.160.216", "81.2.69.160"
OFFER = f"""v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=mid:0
a=candidate:1230745617 1 udp 2122260223 c6a1f2d4-7b1e-4f7a-9a53-0f4c2e8d1b77.local 54400 typ host generation 0
a=candidate:2093184125 1 udp 1686052607 {HOME} 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0
a=candidate:2093184126 1 udp 1686052351 {EXIT} 61002 typ srflx raddr 0.0.0.0 rport 0 generation 0
"""
RELAYED = f"""v=0
o=- 1 2 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=mid:0
a=candidate:1 1 udp 41885695 {EXIT} 3478 typ relay raddr {HOME} rport 50000 generation 0
"""


@pytest.fixture
def offer(tmp_path: Path) -> Path:
    path = tmp_path / "leak.sdp"
    path.write_text(OFFER)
    return path


def dbs(*paths: Path) -> list[str]:
    return [arg for p in paths for arg in ("--geoip-db", str(p))]


def audit(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    proc = run_cli("sdp", "--offline", "--format", "json", *args, env=env)
    report = json.loads(proc.stdout)
    assert report["exit_code"] == proc.returncode
    return proc.returncode, report


def info(report: dict[str, Any], address: str) -> dict[str, Any]:
    (found,) = [n for n in report["network_info"] if n["address"] == address]
    return found


def rules(report: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in report["findings"]}


def geoip_attempts(report: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [a for a in report["attempts"] if a["kind"] == "geoip" and a["status"] == status]


def test_a_residential_line_beside_a_flagged_exit_is_a_vpn_leak_offline(offer: Path) -> None:
    code, without = audit(str(offer))
    assert "ICE018" not in rules(without) and "geoip_databases" not in without  # nothing to tell them apart
    assert all("geoip" not in n for n in without["network_info"])
    code, report = audit(str(offer), *dbs(CITY, LINE, ANON, ISP))
    assert code == 1 and "ICE018" in rules(report)
    home, exit_ = info(report, HOME), info(report, EXIT)
    assert (home["network_kind"], exit_["network_kind"]) == ("residential", "vpn")
    assert home["geoip"]["facts"]["connection_type"] == {"value": "Cable/DSL", "source": str(LINE)}
    assert home["geoip"]["facts"]["city"] == {"value": "Boxford", "source": str(CITY)}
    assert home["geoip"]["facts"]["accuracy_radius_km"] == {"value": 100, "source": str(CITY)}
    assert exit_["geoip"]["facts"]["is_tor_exit_node"] == {"value": True, "source": str(ANON)}
    assert exit_["geoip"]["facts"]["isp"] == {"value": "Andrews & Arnold Ltd", "source": str(ISP)}
    assert home["geoip"]["disagreements"] == [] and home["asn"] is None  # offline: no registry facts
    databases = report["geoip_databases"]
    assert [d["path"] for d in databases] == [str(CITY), str(LINE), str(ANON), str(ISP)]
    assert databases[0] == {"path": str(CITY), "database_type": "GeoIP2-City", "kind": "location",
                            "built": "2026-02-04", "origin": "explicit"}  # fmt: skip
    assert {d["path"] for d in databases} == {a["target"] for a in geoip_attempts(report, "ok")}
    (leak,) = [e for e in report["exposures"] if e["kind"] == "vpn-leak"]
    assert EXIT in leak["summary"] and "Andrews & Arnold Ltd" in leak["summary"] and HOME in leak["summary"]


def test_the_leak_needs_both_databases_that_class_the_lines(offer: Path) -> None:
    _, city_only = audit(str(offer), *dbs(CITY))  # places them, says nothing of the lines
    assert "ICE018" not in rules(city_only)
    _, flags_only = audit(str(offer), *dbs(ANON))  # an exit, but no residential line beside it
    assert "ICE018" not in rules(flags_only) and info(flags_only, EXIT)["network_kind"] == "vpn"
    assert info(flags_only, HOME)["network_kind"] is None


def test_the_terminal_places_you_and_shows_both_sources_side_by_side(offer: Path) -> None:
    proc = run_cli("sdp", "--offline", str(offer), *dbs(CITY, LINE, ANON, ISP))
    out = " ".join(proc.stdout.split())  # as one line: the report wraps at 200 columns
    assert proc.returncode == 1
    placed = f"Your public address {HOME} places you within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04."
    assert placed in out
    assert f"ISP: {HOME} (residential); within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04" in out
    assert "What registries and GeoIP databases say, side by side" in out
    assert "line Cable/DSL (GeoIP2-Connection-Type built 2026-02-04)" in out
    assert f"GeoIP2-Anonymous-IP built 2026-02-04 lists {EXIT} as an anonymous VPN" in out
    assert f"geoip {CITY} ok GeoIP2-City built 2026-02-04 (--geoip-db)" in out
    assert "ICE018" in out


def test_a_relay_flagged_as_hosting_names_its_operator(tmp_path: Path) -> None:
    sdp = tmp_path / "relay.sdp"
    sdp.write_text(RELAYED)
    _, report = audit(str(sdp), *dbs(ISP, ANON, CITY))
    (relay,) = [e for e in report["exposures"] if e["kind"] == "relay-operator"]
    assert relay["value"] == "Andrews & Arnold Ltd"
    assert relay["summary"] == (
        f"Your TURN relay {EXIT} runs on Andrews & Arnold Ltd's network, per GeoIP2-ISP built 2026-02-04, "
        "which GeoIP2-Anonymous-IP built 2026-02-04 lists as a hosting provider."
    )
    places = [e for e in report["exposures"] if e["kind"] == "geolocation"]
    assert [e["value"] for e in places] == ["Boxford, England, GB"]  # the user's raddr, never the relay's


@pytest.mark.parametrize("bad", BAD, ids=lambda p: p.name)
def test_a_hostile_database_is_an_attempt_naming_the_file_and_the_run_completes(offer: Path, bad: Path) -> None:
    code, report = audit(str(offer), *dbs(bad, ANON, LINE))
    assert code == 1 and "ICE018" in rules(report)  # the good databases still answered
    failed = geoip_attempts(report, "error")
    assert [a["target"] for a in failed] == [str(bad)] and failed[0]["detail"]
    strict, _ = audit(str(offer), *dbs(bad, ANON, LINE), "--strict")
    assert strict == 3


def test_strict_exit_3_for_a_missing_or_foreign_database_and_the_text_names_it(offer: Path, tmp_path: Path) -> None:
    missing, foreign = tmp_path / "GeoLite2-City.mmdb", tmp_path / "notes.mmdb"
    foreign.write_text("not a database\n")
    for path in (missing, foreign):
        assert audit(str(offer), *dbs(path))[0] == 0  # medium findings only; the gap is an attempt
        proc = run_cli("sdp", "--offline", "--strict", str(offer), *dbs(path))
        assert proc.returncode == 3 and str(path) in proc.stdout and "1 failed attempt under --strict" in proc.stdout


def test_a_stale_database_is_a_warning_not_a_failure(offer: Path) -> None:
    stale = MADE / "GeoLite2-Country-Stale-Test.mmdb"
    code, report = audit(str(offer), *dbs(stale), "--strict")
    assert code == 0
    (warning,) = geoip_attempts(report, "stale")
    assert warning["target"] == str(stale) and "built 2020-01-01" in warning["detail"]


def test_the_environment_variable_names_databases(offer: Path) -> None:
    paths = os.pathsep.join(str(p) for p in (LINE, ANON))
    code, report = audit(str(offer), env={"ICECHECK_GEOIP_DB": paths})
    assert code == 1 and "ICE018" in rules(report)
    assert [(d["path"], d["origin"]) for d in report["geoip_databases"]] == [(str(LINE), "env"), (str(ANON), "env")]
    _, both = audit(str(offer), *dbs(CITY), env={"ICECHECK_GEOIP_DB": paths})  # --geoip-db comes first
    assert [d["origin"] for d in both["geoip_databases"]] == ["explicit", "env", "env"]


def test_a_folder_stands_for_its_databases_and_a_second_copy_is_a_warning(offer: Path, tmp_path: Path) -> None:
    _, report = audit(str(offer), *dbs(MAXMIND, ANON))
    assert len(report["geoip_databases"]) == 8 and "ICE018" in rules(report)
    assert geoip_attempts(report, "duplicate") == []  # the same file named twice is read once
    copy = tmp_path / "older-city.mmdb"
    copy.write_bytes(CITY.read_bytes())
    code, twice = audit(str(offer), *dbs(CITY, copy), "--strict")
    assert code == 0 and [d["path"] for d in twice["geoip_databases"]] == [str(CITY)]
    (skipped,) = geoip_attempts(twice, "duplicate")
    assert skipped["target"] == str(copy) and str(CITY) in skipped["detail"]


def test_scan_reads_the_databases_too(offer: Path) -> None:
    proc = run_cli("scan", "--offline", "--format", "json", str(offer), *dbs(LINE, ANON))
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and "ICE018" in rules(report) and len(report["geoip_databases"]) == 2


def test_no_public_address_still_reports_a_bad_database(tmp_path: Path) -> None:
    private = tmp_path / "lan.sdp"
    private.write_text(OFFER.replace(HOME, "192.168.1.20").replace(EXIT, "10.0.0.7"))
    code, report = audit(str(private), *dbs(tmp_path / "missing.mmdb"), "--strict")
    assert code == 3 and report["network_info"] == []
    assert [a["target"] for a in geoip_attempts(report, "error")] == [str(tmp_path / "missing.mmdb")]


def test_the_report_with_databases_matches_the_schema(offer: Path) -> None:
    schema = json.loads((REPO / "docs" / "schema" / "report.schema.json").read_text())
    validator = Draft202012Validator(schema)
    _, report = audit(str(offer), *dbs(MAXMIND, MADE / "DBIP-City-Lite-Test.mmdb", MADE / "ipinfo-Test.mmdb"))
    errors = list(validator.iter_errors(report))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    info(report, HOME)["geoip"]["facts"]["city"]["source"] = 7  # the schema does check the facts
    assert list(validator.iter_errors(report))


def test_databases_in_a_standard_folder_are_found_unless_discovery_is_off(offer: Path, tmp_path: Path) -> None:
    """geoipupdate's Windows folder is the one standard folder a test can place: it is read from
    %ProgramData% (on every system), so the suite needs no write to /usr/share/GeoIP."""
    folder = tmp_path / "MaxMind" / "GeoIPUpdate" / "GeoIP"
    folder.mkdir(parents=True)
    for name in (LINE.name, ANON.name):
        (folder / name).write_bytes((MAXMIND / name).read_bytes())
    env = {"PROGRAMDATA": str(tmp_path), "ICECHECK_NO_GEOIP_DISCOVERY": "0"}
    code, report = audit(str(offer), env=env)
    assert code == 1 and "ICE018" in rules(report)
    assert [(Path(d["path"]).name, d["origin"]) for d in report["geoip_databases"]] == [
        (ANON.name, "discovered"), (LINE.name, "discovered")]  # fmt: skip
    proc = run_cli("sdp", "--offline", str(offer), env=env)
    assert "(found in a standard folder)" in " ".join(proc.stdout.split())
    _, off = audit(str(offer), "--no-geoip-discovery", env=env)
    assert "geoip_databases" not in off and "ICE018" not in rules(off)
    _, env_off = audit(str(offer), env={**env, "ICECHECK_NO_GEOIP_DISCOVERY": "1"})
    assert "geoip_databases" not in env_off


def test_no_lookups_reads_no_database_either(offer: Path) -> None:
    code, report = audit(str(offer), "--no-lookups", *dbs(LINE, ANON))
    assert code == 0 and "geoip_databases" not in report and "ICE018" not in rules(report)
    assert not [a for a in report["attempts"] if a["kind"] == "geoip"]


def test_config_lists_the_databases_and_where_each_came_from() -> None:
    proc = run_cli("config", "-f", "json", "--geoip-db", str(CITY), env={"ICECHECK_GEOIP_DB": str(ISP)})
    assert proc.returncode == 0, proc.stderr
    rows = [r for r in json.loads(proc.stdout)["settings"] if r["name"] == "GeoIP database"]
    assert [(Path(r["value"]).name, r["source"]) for r in rows] == [
        (CITY.name, "command line (--geoip-db)"),
        (ISP.name, "environment (ICECHECK_GEOIP_DB)"),
    ]
    none = run_cli("config", "--no-geoip-discovery")
    assert "GeoIP databases    none found" in none.stdout
