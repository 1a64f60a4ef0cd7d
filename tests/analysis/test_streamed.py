"""One party read once (``infer.Inference``, ``rules.Evaluation``) gives what the whole-party
inference (``tests/analysis/wholeparty.py``, the code before) and ``rules.evaluate`` give: on
every sample's parties, and on generated single-party inputs mixing every kind of address the
steps look for."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.analysis.infer import Inference, infer
from icecheck.analysis.parties import split
from icecheck.analysis.rules import RULES, Evaluation, Facts, evaluate
from icecheck.audit import audit_addresses, audit_candidates
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import AuditedAddress, AuditedCandidate, ExposureKind, InputDocument, Origin
from tests.analysis import wholeparty
from tests.conftest import SAMPLES


def _streamed(
    cands: Sequence[AuditedCandidate], addrs: Sequence[AuditedAddress], label: str
) -> tuple[list[object], list[object]]:
    inference, evaluation = Inference(), Evaluation()
    for c in cands:
        inference.candidate(c)
        evaluation.candidate(c)
    for a in addrs:
        inference.address(a)
        evaluation.address(a)
    exposures = list(inference.exposures())
    for e in exposures:
        evaluation.exposure(e)
    return list(exposures), list(evaluation.findings(label))


def _check(docs: Sequence[InputDocument]) -> int:
    """Compare every party of ``docs``; the number of exposures and findings compared."""
    n = 0
    for group in split(audit_candidates(docs), audit_addresses(docs)):
        expected = wholeparty.infer(group.candidates, group.addresses)
        findings = evaluate(Facts(group.candidates, group.addresses, expected), group.label)
        exposures, streamed = _streamed(group.candidates, group.addresses, group.label)
        assert exposures == list(expected)
        assert infer(group.candidates, group.addresses) == expected
        assert streamed == findings
        n += len(exposures) + len(findings)
    return n


def test_every_rule_says_what_it_reads() -> None:
    assert all(isinstance(r.reads, tuple) for r in RULES)
    kinds = {k for r in RULES for k in r.reads if isinstance(k, ExposureKind)}
    assert ExposureKind.LOCAL_ADDRESS not in kinds and ExposureKind.MAC_ADDRESS in kinds


def test_every_sample_party_is_the_same_read_once() -> None:
    files = sorted(p for d in ("rules", "real", "captures") for p in (SAMPLES / d).rglob("*") if p.is_file())
    total = 0
    for path in files:
        doc = scan_file(str(path)).document
        total += _check([doc])
    assert total > 100


_ADDRESSES = [
    "10.0.0.1",
    "10.0.0.2",
    "192.168.1.20",
    "172.16.5.4",
    "100.64.1.2",
    "100.100.3.4",
    "169.254.9.9",
    "172.17.0.2",
    "192.168.56.1",
    "10.8.0.6",
    "203.0.113.7",
    "198.51.100.9",
    "8.8.4.4",
    "2001:db8::1",
    "2a00:1450:4001:81c::200e",
    "2001:db8:1:2:0211:22ff:fe33:4455",
    "fe80::0211:22ff:fe33:4455",
    "fd7a:115c:a1e0::1",
    "fd12:3456:789a::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2002:c000:0204::1",
    "::ffff:192.0.2.1",
    "0.0.0.0",
    "3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f.local",
    "janes-laptop.local",
    "turn.example.net",
]
_TYPES = ["host", "srflx", "prflx", "relay"]
_PRIORITIES = [2122260223, 2122194687, 1686052607, 41885439, 2130706431, 1694498815, 16777215, 126]
_EXTS = ["", " generation 0", " generation 0 network-id 1", " generation 0 network-id 2 network-cost 10",
         " generation 0 ufrag abcd network-id 3 network-cost 900", " network-cost 11", " network-cost 999",
         " generation 0 network-cost 51"]  # fmt: skip


@st.composite
def _sdp(draw: st.DrawFn) -> str:
    lines = ["v=0", f"o=- 1 2 IN IP4 {draw(st.sampled_from(_ADDRESSES[:12]))}", "s=-"]
    lines.append(f"c=IN IP4 {draw(st.sampled_from(_ADDRESSES))}")
    lines.append("m=audio 9 UDP/TLS/RTP/SAVPF 111")
    for n in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(_TYPES))
        addr = draw(st.sampled_from(_ADDRESSES))
        foundation = draw(st.sampled_from(["1", "2", "842163049", "3713525548", "0123456789abcdef0123456789abcdef"]))
        transport = draw(st.sampled_from(["udp", "UDP", "tcp"]))
        prio = draw(st.sampled_from(_PRIORITIES))
        raddr = ""
        if kind != "host" or draw(st.booleans()):
            raddr = f" raddr {draw(st.sampled_from(_ADDRESSES))} rport 9"
        ext = draw(st.sampled_from(_EXTS))
        line = f"a=candidate:{foundation} {draw(st.integers(1, 2))} {transport} {prio} {addr} {1000 + n} typ {kind}"
        lines.append(line + raddr + ext)
        if draw(st.integers(0, 5)) == 0:
            lines.append(f"a=rtcp:9 IN IP4 {draw(st.sampled_from(_ADDRESSES))}")
    return "\r\n".join(lines) + "\r\n"


@settings(max_examples=150, deadline=None, database=None)
@given(_sdp())
def test_a_generated_party_is_the_same_read_once(text: str) -> None:
    doc = parse_sdp_text(text, Origin("gen.sdp"))
    _check([doc])
