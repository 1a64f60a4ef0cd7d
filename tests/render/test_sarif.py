"""SARIF 2.1.0 output validated against the official schema (tests/data/schemas), on every sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from icecheck.analysis.links import rule_url
from icecheck.analysis.rules import CATALOGUE
from tests.conftest import DATA, SAMPLES, run_cli

SAMPLE_FILES = sorted([*SAMPLES.glob("real/*.sdp"), *SAMPLES.glob("rules/*.sdp")])


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads((DATA / "schemas" / "sarif-schema-2.1.0.json").read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif(*args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli("sdp", *args, "--format", "sarif")
    return proc.returncode, json.loads(proc.stdout)


def assert_valid(validator: Draft4Validator, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_is_valid_sarif(validator: Draft4Validator, sample: Path) -> None:
    _, log = sarif(str(sample), "--fail-on", "info")
    assert_valid(validator, log)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules)) == len({r["ruleId"] for r in run["results"]})
    for res in run["results"]:
        assert rules[res["ruleIndex"]] == res["ruleId"]
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1


def test_rules_deduplicated_with_help_uri_and_levels(validator: Draft4Validator) -> None:
    code, log = sarif(str(SAMPLES / "real" / "chromium-default-mdns.sdp"), "--policy", "relay-only")
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(ids) == ["ICE005", "ICE006", "ICE014"]  # ICE014 has four results but one rule entry
    assert sum(r["ruleId"] == "ICE014" for r in run["results"]) == 4
    for rule in run["tool"]["driver"]["rules"]:
        assert rule.get("helpUri") == rule_url(rule["id"])  # from the package's one documentation URL
        entry = CATALOGUE[rule["id"]]
        for help_text in (rule["help"]["text"], rule["help"]["markdown"]):  # the whole help travels with the log
            assert entry.title in help_text and entry.doc in help_text and entry.fix in help_text
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"ICE005": "warning", "ICE006": "error", "ICE014": "error"}
    assert run["invocations"][0]["exitCode"] == code == 1


def test_low_and_info_are_notes() -> None:
    _, log = sarif(str(SAMPLES / "rules" / "ICE011.sdp"))
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels["ICE011"] == "note"
    _, log = sarif(str(SAMPLES / "rules" / "ICE008.sdp"))
    assert {r["level"] for r in log["runs"][0]["results"] if r["ruleId"] == "ICE008"} == {"note"}


def test_location_is_file_and_line() -> None:
    _, log = sarif("samples/rules/ICE001.sdp")  # relative path → relative URI
    loc = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "samples/rules/ICE001.sdp", "uriBaseId": "SRCROOT"}
    assert loc["region"]["startLine"] == next(
        n for n, line in enumerate((SAMPLES / "rules" / "ICE001.sdp").read_text().splitlines(), 1) if "typ host" in line
    )


def test_unreadable_inputs_are_notifications(validator: Draft4Validator, tmp_path: Path) -> None:
    bad = tmp_path / "bad file%.sdp"
    bad.write_bytes(b"\x00\x01\x02 not an sdp")
    code, log = sarif(str(tmp_path / "missing.sdp"), str(bad), str(SAMPLES / "rules" / "ICE001.sdp"))
    assert_valid(validator, log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert any(u.endswith("missing.sdp") for u in uris) and any(u.endswith("bad%20file%25.sdp") for u in uris)
    assert all(n["level"] == "error" for n in notes)
    code, log = sarif(str(tmp_path / "missing.sdp"))
    assert code == 2 and log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert_valid(validator, log)


def test_packet_origin_is_a_logical_location(validator: Draft4Validator) -> None:
    from icecheck.model import Origin
    from icecheck.render.sarif import location

    loc = location(Origin("call.pcapng", packet=42, detail="udp 192.0.2.1:5060 → 192.0.2.2:5060"))
    assert loc["logicalLocations"] == [{"name": "packet 42", "fullyQualifiedName": "call.pcapng#42", "kind": "packet"}]
    assert loc["physicalLocation"] == {"artifactLocation": {"uri": "call.pcapng", "uriBaseId": "SRCROOT"}}
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
           "results": [{"message": {"text": "m"}, "locations": [loc]}]}]}  # fmt: skip
    assert_valid(validator, log)


def test_hostile_text_is_escaped(tmp_path: Path, validator: Draft4Validator) -> None:
    f = tmp_path / "evil.sdp"
    f.write_bytes(
        b"v=0\na=candidate:1 1 udp 1 bad\xe2\x80\xaename.local 5 typ host\na=candidate:1 1 udp 1 10.0.0.1 5 typ host\n"
    )
    proc = run_cli("sdp", str(f), "--format", "sarif")
    assert "\u202e" not in proc.stdout
    assert_valid(validator, json.loads(proc.stdout))


def test_uris_are_relative_to_the_working_directory_and_stdin_is_named_stdin(
    validator: Draft4Validator, tmp_path: Path
) -> None:
    sample = SAMPLES / "rules" / "ICE001.sdp"
    _, log = sarif(str(sample.absolute()))  # absolute, under the directory icecheck runs in (the repository)
    where = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "samples/rules/ICE001.sdp", "uriBaseId": "SRCROOT"}
    outside = tmp_path / "offer.sdp"
    outside.write_bytes(sample.read_bytes())
    _, log = sarif(str(outside))
    where = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": f"file://{outside}"}  # nothing to be relative to
    proc = run_cli("sdp", "-", "--format", "sarif", stdin=sample.read_bytes())
    log = json.loads(proc.stdout)
    assert_valid(validator, log)
    where = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "stdin"} and "%3C" not in proc.stdout


def test_capture_findings_are_located_by_packet(validator: Draft4Validator) -> None:
    proc = run_cli("scan", str(SAMPLES / "captures" / "sip-tcp-sll.pcap"), "--format", "sarif", "--offline")
    log = json.loads(proc.stdout)
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert results
    for res in results:
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == "samples/captures/sip-tcp-sll.pcap"
        assert loc["logicalLocations"][0]["name"].startswith("packet ")
