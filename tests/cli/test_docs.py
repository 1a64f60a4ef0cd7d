"""Docs stay true: docs/rules.md is generated from the catalogue, the JSON schema matches real output,
CONTRIBUTING.md names files that exist, the contributor hooks run the installed tools."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from icecheck.analysis.rules import CATALOGUE
from tests.conftest import REPO, SAMPLES, run_cli
from tests.schemas import errors
from tests.schemas import validator as validator_of

SCHEMA = REPO / "docs" / "schema" / "report.schema.json"
INPUTS = sorted([*SAMPLES.glob("real/*.sdp"), *SAMPLES.glob("rules/*.sdp")])
CAPTURES = sorted(p for p in SAMPLES.glob("captures/*") if p.is_file() and p.suffix != ".md")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_rules_doc_is_current() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_rules_doc.py"), "--check"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, "docs/rules.md is stale: run scripts/gen_rules_doc.py"
    text = (REPO / "docs" / "rules.md").read_text()
    for rule in CATALOGUE.values():
        assert f"\n## {rule.id}\n" in text and rule.help_uri.endswith("#" + rule.id.lower())


def _valid(validator: Draft202012Validator, report: dict[str, Any]) -> None:
    errors = list(validator.iter_errors(report))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("sample", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_matches_sdp_reports(validator: Draft202012Validator, sample: Path) -> None:
    _valid(validator, json.loads(run_cli("sdp", str(sample), "--format", "json", "--no-config").stdout))


@pytest.mark.parametrize("sample", CAPTURES, ids=lambda p: p.name)
def test_schema_matches_capture_reports(validator: Draft202012Validator, sample: Path) -> None:
    proc = run_cli("scan", str(sample), "--format", "json", "--no-config")
    _valid(validator, json.loads(proc.stdout))


def test_schema_matches_unreadable_and_empty_reports(validator: Draft202012Validator, tmp_path: Path) -> None:
    (tmp_path / "empty.sdp").write_text("v=0\n")
    proc = run_cli("sdp", str(tmp_path / "missing.sdp"), str(tmp_path / "empty.sdp"), "--format", "json")
    report = json.loads(proc.stdout)
    assert report["exit_code"] == 2
    _valid(validator, report)


def test_schema_rejects_a_broken_report(validator: Draft202012Validator) -> None:
    report = json.loads(run_cli("sdp", str(INPUTS[0]), "--format", "json", "--no-config").stdout)
    report["findings"].append({"rule": "ICE001", "severity": "severe", "message": "x", "evidence": []})
    assert list(validator.iter_errors(report))


def test_contributing_names_only_files_that_exist() -> None:
    text = (REPO / "CONTRIBUTING.md").read_text()
    path = r"`((?:icecheck|tests|scripts|samples|docs|benchmarks)/[^`\s]*|\.[a-z-]+\.yaml|[A-Z]+\.md)`"
    named = re.findall(path, text)
    assert len(named) > 20
    missing = [p for p in named if not any(c in p for c in "<*") and "nnn" not in p and not (REPO / p).exists()]
    assert missing == []
    assert "\n## [Unreleased]\n" in (REPO / "CHANGELOG.md").read_text()


def test_contributor_hooks_run_the_installed_tools() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in config["repos"]] == ["local"]  # pre-commit fetches nothing
    hooks = {h["id"]: h for r in config["repos"] for h in r["hooks"]}
    assert set(hooks) == {"ruff", "ruff-format", "mypy"}
    for hook in hooks.values():
        tool = hook["entry"].split()[0]
        assert hook["language"] == "system" and importlib.util.find_spec(tool) is not None, hook
    run_tests = (REPO / "scripts" / "run-tests").read_text()
    assert "-m ruff check" in run_tests and '"$PYTHON" -m mypy' in run_tests  # the same tools gate the suite


def test_every_finding_is_located_titled_and_linked_and_its_rule_travels_with_it() -> None:
    report = json.loads(run_cli("scan", str(SAMPLES / "captures"), "--format", "json", "--no-config").stdout)
    where = {item["id"]: item["origin"] for item in [*report["candidates"], *report["addresses"]]}
    packets = 0
    for f in report["findings"]:
        assert f["title"] == CATALOGUE[f["rule"]].title and f["help_uri"] == CATALOGUE[f["rule"]].help_uri
        assert [loc["id"] for loc in f["locations"]] == [ref for ref in f["evidence"] if ref in where] != []
        for loc in f["locations"]:
            origin = where[loc["id"]]
            assert (loc["path"], loc["line"], loc["packet"]) == (origin["path"], origin["line"], origin.get("packet"))
            packets += loc["packet"] is not None
    assert packets > 0  # captures are located by packet
    rules = {r["id"]: r for r in report["rules"]}
    assert set(rules) == {f["rule"] for f in report["findings"]}
    for rid, rule in rules.items():
        entry = CATALOGUE[rid]
        assert (rule["doc"], rule["fix"], rule["title"]) == (entry.doc, entry.fix, entry.title)


def test_schema_matches_the_rules_and_diff_commands_json() -> None:
    rules = json.loads(run_cli("rules", "--format", "json").stdout)
    assert errors("rules", rules) == [] and len(rules) == len(CATALOGUE)
    a, b = str(SAMPLES / "real" / "chromium-default-mdns.sdp"), str(SAMPLES / "real" / "firefox-esr-raw.sdp")
    diff = json.loads(run_cli("diff", a, b, "--format", "json", "--no-config").stdout)
    assert errors("diff", diff) == [] and diff["findings"]["gained"]
    assert errors("diff", {**diff, "exit_code": 7}) != []


def test_every_schema_is_valid_and_every_command_printing_json_has_one() -> None:
    names = {p.name.removesuffix(".schema.json") for p in SCHEMA.parent.glob("*.schema.json")}
    assert names >= {"report", "nat", "rules", "diff"}
    for name in names:
        validator_of(name)  # checks the schema itself and its references


@pytest.mark.parametrize(
    "command",
    [
        "icecheck sdp --offline samples/real/chromium-default-mdns.sdp",
        "icecheck scan --offline samples/captures -q --select ICE006,ICE012",
    ],
)
def test_readme_shows_real_output(command: str) -> None:
    """The README's offline examples are what the command prints at 100 columns, verbatim."""
    readme = (REPO / "README.md").read_text()
    start = readme.index(f"$ {command}\n") + len(command) + 3
    shown = readme[start : readme.index("```", start)]
    proc = run_cli(*command.split()[1:], env={"COLUMNS": "100"})
    assert proc.stdout == shown
