"""The rule catalogue: every rule documented, every rule triggered by its own sample."""

from __future__ import annotations

import re

import pytest

from icecheck.analysis.links import DOCUMENTATION
from icecheck.analysis.rules import CATALOGUE, LOOKUP_RULES, RULES, Facts, rule
from icecheck.analysis.rulesamples import sample as packaged_sample
from icecheck.severity import Severity
from tests.conftest import REPO, SAMPLES, run_json

POLICY_FOR = {"ICE014": "relay-only"}


def test_catalogue_is_well_formed() -> None:
    assert len(CATALOGUE) >= 14
    names = [r.name for r in CATALOGUE.values()]
    assert len(set(names)) == len(names)
    for r in CATALOGUE.values():
        assert re.fullmatch(r"ICE\d{3}", r.id)
        assert len(r.doc) > 80 and r.doc.endswith(".")
        assert r.help_uri == f"{DOCUMENTATION}/rules.md#{r.id.lower()}"
        assert r.fix.endswith(".") and len(r.fix) < 120 and r.fix not in r.doc
        text = packaged_sample(r.id)  # installed with the package: explain can print it
        assert text is not None and text == (SAMPLES / "rules" / f"{r.id}.sdp").read_text()


def test_rules_are_listed_once_in_id_order() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(set(ids)) and list(CATALOGUE) == ids


def test_a_rule_takes_its_doc_from_the_check() -> None:
    @rule(id="ICE999", reads=(), name="example", severity=Severity.LOW, title="Example", fix="Do this.")
    def example(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
        """First line,
        second line."""
        return [("found", ("c1",))]

    assert (example.id, example.doc, example.fix) == ("ICE999", "First line, second line.", "Do this.")
    assert example.check(Facts((), (), ())) == [("found", ("c1",))]
    with pytest.raises(ValueError, match="ICE998"):
        rule(id="ICE998", reads=(), name="undocumented", severity=Severity.LOW, title="Undocumented", fix="Do.")(
            lambda f: []
        )


def test_documentation_links_come_from_one_place() -> None:
    """pyproject's [project.urls] Documentation; no other documentation address in the package."""
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Documentation"]
    assert declared == DOCUMENTATION
    for path in (REPO / "icecheck").rglob("*.py"):
        assert "github.com/icecheck" not in path.read_text(), path


@pytest.mark.parametrize("rule_id", sorted(set(CATALOGUE) - LOOKUP_RULES))
def test_each_rule_has_a_sample_that_triggers_it(rule_id: str) -> None:
    sample = SAMPLES / "rules" / f"{rule_id}.sdp"
    assert sample.is_file(), f"missing sample for {rule_id}"
    code, report = run_json("sdp", str(sample), "--policy", POLICY_FOR.get(rule_id, "default"), "--fail-on", "info")
    assert rule_id in {f["rule"] for f in report["findings"]}
    assert code == 1


def test_clean_relay_only_sample_passes_every_policy() -> None:
    sample = str(SAMPLES / "rules" / "clean-relay-only.sdp")
    for policy in ("default", "relay-only", "no-host-ip"):
        code, report = run_json("sdp", sample, "--policy", policy, "--fail-on", "low")
        assert (code, report["findings"]) == (0, []), policy


def test_relay_only_policy_on_real_samples() -> None:
    """Chromium's and Firefox's relay-only offers pass; the default offers violate it."""
    for name in ("chromium-relay-only", "firefox-esr-relay-only", "aiortc-relay-only"):
        code, report = run_json("sdp", str(SAMPLES / "real" / f"{name}.sdp"), "--policy", "relay-only")
        assert code == 0, (name, report["findings"])
    code, report = run_json("sdp", str(SAMPLES / "real" / "chromium-default-mdns.sdp"), "--policy", "relay-only")
    violations = [f for f in report["findings"] if f["rule"] == "ICE014"]
    assert code == 1 and len(violations) == 4  # 2 mDNS hosts, 1 srflx, 1 relay with raddr


def test_no_host_ip_policy() -> None:
    code, _ = run_json("sdp", str(SAMPLES / "real" / "firefox-esr-default.sdp"), "--policy", "no-host-ip")
    assert code == 0  # concealed hosts, raddr 0.0.0.0
    code, report = run_json("sdp", str(SAMPLES / "real" / "firefox-esr-raw.sdp"), "--policy", "no-host-ip")
    assert code == 1 and any("192.168.77.10" in f["message"] for f in report["findings"] if f["rule"] == "ICE014")
