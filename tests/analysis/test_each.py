"""A rule's per-item forms (``each_candidate``, ``each_address``, ``each_exposure``: what
``rules.Evaluation`` calls item by item) find in each item what its check finds in facts of that
item alone: on every sample's items and exposures."""

from __future__ import annotations

from icecheck.analysis.infer import infer
from icecheck.analysis.parties import split
from icecheck.analysis.rules import RULES, Facts
from icecheck.audit import audit_addresses, audit_candidates
from icecheck.inputs.scanner import scan_file
from icecheck.model import ExposureKind
from tests.conftest import SAMPLES


def test_each_form_finds_what_the_check_finds_item_by_item() -> None:
    files = sorted(p for d in ("rules", "real", "captures") for p in (SAMPLES / d).rglob("*") if p.is_file())
    found = compared = 0
    for path in files:
        doc = scan_file(str(path)).document
        for group in split(audit_candidates([doc]), audit_addresses([doc])):
            exposures = infer(group.candidates, group.addresses)
            for r in RULES:
                kinds = {k for k in r.reads if isinstance(k, ExposureKind)}
                if r.each_candidate is not None:
                    for c in group.candidates:
                        m = r.each_candidate(c)
                        assert r.check(Facts((c,), (), ())) == ([] if m is None else [(m, (c.id,))])
                        found, compared = found + (m is not None), compared + 1
                if r.each_address is not None:
                    for a in group.addresses:
                        m = r.each_address(a)
                        assert r.check(Facts((), (a,), ())) == ([] if m is None else [(m, (a.id,))])
                        found, compared = found + (m is not None), compared + 1
                if r.each_exposure is not None:
                    for e in exposures:
                        if e.kind in kinds:
                            m = r.each_exposure(e)
                            assert r.check(Facts((), (), (e,))) == ([] if m is None else [(m, e.evidence)])
                            found, compared = found + (m is not None), compared + 1
    assert found > 100 and compared > found


def test_every_rule_reading_items_has_its_per_item_forms() -> None:
    """Every rule of the catalogue that reads items reads them through its per-item forms (the
    per-party cost of a capture of thousands of parties), ICE014 (the policy's) aside."""
    for r in RULES:
        assert ("candidates" in r.reads) == (r.each_candidate is not None), r.id
        assert ("addresses" in r.reads) == (r.each_address is not None), r.id
        assert any(isinstance(k, ExposureKind) for k in r.reads) == (r.each_exposure is not None), r.id
