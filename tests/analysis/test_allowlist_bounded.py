"""``policy.drop_allowed`` reads each finding's evidence id by id (``byid.ById``): a finding that
names every candidate of a party of millions holds none of their addresses. It built a table of
every candidate's and address's addresses before (a 2.6 M party with a policy allowlist would have
held them all)."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from icecheck.analysis.policy import drop_allowed, in_networks, preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits
from icecheck.inputs.scanner import scan_file
from icecheck.model import AuditResult, Finding

PARTY = 20_000


def _result() -> AuditResult:
    lines = [f"a=candidate:{i} 1 udp 2122260223 10.{i >> 16}.{(i >> 8) & 255}.{i & 255} {10000 + i} typ host"
             for i in range(PARTY)]  # fmt: skip
    lines.append("a=candidate:9 1 udp 1686052607 203.0.113.7 6000 typ srflx raddr 10.0.0.1 rport 5000")
    doc = scan_file("party.log", data=("\n".join(lines) + "\n").encode()).document
    return audit([doc], AuditSettings(preset("default")))


def _reference(result: AuditResult, allowed: tuple[str, ...]) -> tuple[Finding, ...]:
    """The old reading: a table of every item's addresses, then each finding's list of them."""
    table: dict[str, tuple[str, ...]] = {}
    for c in result.candidates:
        cand = c.record.candidate
        shown = [cand.address]
        if cand.related_address not in ("0.0.0.0", "::", None) and cand.type != "host":
            shown.append(str(cand.related_address))
        table[c.id] = tuple(shown)
    for a in result.addresses:
        table[a.id] = (a.record.address,)

    def allowed_only(f: Finding) -> bool:
        addresses = [x for ref in f.evidence for x in table.get(ref, (ref,))]
        return bool(addresses) and all(in_networks(x, allowed) for x in addresses)

    return tuple(f for f in result.findings if not allowed_only(f))


def test_drop_allowed_as_the_table_said_without_the_table() -> None:
    result = _result()
    assert any(len(f.evidence) >= PARTY for f in result.findings)  # a finding naming every candidate
    for allow in (("10.0.0.0/8",), ("10.0.0.0/8", "203.0.113.0/24"), ("192.0.2.0/24",), ("10.0.0.0/17",)):
        got = drop_allowed(result, replace(preset("default"), allow=allow)).findings
        assert [f.rule for f in got] == [f.rule for f in _reference(result, allow)], allow
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        drop_allowed(result, replace(preset("default"), allow=("10.0.0.0/8",)))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 500_000, peak  # the table of 20,000 candidates' addresses took 1.45 MB; id by id 0.15 MB


def test_findings_kept_past_the_limit_are_spooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relay-only with a relay allowlist finds one ICE014 per foreign relay: the findings the
    allowlist keeps go to a spool past ``limits.IN_MEMORY`` (a tuple of them all before)."""
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    lines = [f"a=candidate:{i} 1 udp 41885439 198.51.100.{i} {6000 + i} typ relay raddr 0.0.0.0 rport 0"
             for i in range(1, 31)]  # fmt: skip
    lines.append("a=candidate:99 1 udp 2122260223 10.0.0.1 5000 typ host")
    doc = scan_file("relays.log", data=("\n".join(lines) + "\n").encode()).document
    policy = replace(preset("relay-only"), relays=("192.0.2.0/24",), allow=("10.0.0.0/8",))
    result = audit([doc], AuditSettings(policy))
    kept = drop_allowed(result, policy).findings
    assert not isinstance(kept, tuple) and sum(f.rule == "ICE014" for f in kept) >= 30
    expected = _reference(result, (*policy.relays, *policy.allow))
    assert [(f.rule, tuple(f.evidence)) for f in kept] == [(f.rule, tuple(f.evidence)) for f in expected]
    assert len(expected) < len(result.findings)  # the allowlist dropped something
