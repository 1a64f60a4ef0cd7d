"""Per-flow state of a capture reader is bounded (issue 11 item 5): a capture of millions of
distinct flows must not hold state for each.

IP reassembly keeps a table of datagrams awaiting fragments. Its bytes were bounded
(``fragments.MAX_BYTES``) but not its entries: 200,000 first fragments of 16 bytes (13 MB of
capture, each of its own datagram) held 170 MB. At most ``fragments.MAX_PENDING`` now wait; the
oldest beyond is given up, and since it might have completed later it is said as not audited
(the input is partial), as for the byte bound. The STUN decoder's memo, the dispatcher's
per-call tables and the TCP connection table were bounded already; what the flows yield is
an item each, which the sink moves to disk past ``limits.IN_MEMORY`` (``test_spill``).
benchmarks/bench_flows.py measures the RSS of such captures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from icecheck.inputs import fragments, synth
from icecheck.inputs.fragments import Reassembler
from icecheck.inputs.scanner import scan_file
from icecheck.model import DiagnosticLevel, InputStatus
from tests.inputs.test_inputs_capture import calls, frames, sip, write


def test_the_table_of_datagrams_awaiting_fragments_stays_at_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fragments, "MAX_PENDING", 50)
    r = Reassembler()
    sizes = []
    for n in range(500):  # first fragments of 500 datagrams, none ever completed
        key = (4, n.to_bytes(4, "big"), b"\xc0\x00\x02\x02", 17, n & 0xFFFF)
        assert r.add(key, 0, True, b"x" * 16, 1_700_000_000.0, n + 1) is None
        sizes.append(len(r))
    assert max(sizes) == 50 and sizes[-1] == 50
    given_up = r.expire(1_700_000_000.0)  # within the timeout: only what the cap gave up
    assert len(given_up) == 450 and all(d.bound for d in given_up)
    assert [d.packet for d in given_up] == list(range(1, 451))  # the oldest first
    assert len(r.flush()) == 50


def test_a_datagram_given_up_for_the_cap_makes_the_capture_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five fragmented INVITEs whose first fragments all come before any other: with room for
    three, the first two are given up (their other fragments come last: they were whole in the
    capture), the other three are read."""
    monkeypatch.setattr(fragments, "MAX_PENDING", 3)
    pieces = [
        frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(f"c{n}", pad=1500)), mtu=576, ident=n)
        for n in range(5)
    ]
    assert all(len(p) > 2 for p in pieces)
    interleaved = [p[0] for p in pieces] + [f for p in pieces[2:] + pieces[:2] for f in p[1:]]
    out = scan_file(write(tmp_path, interleaved))
    assert calls(out) == {"c2", "c3", "c4"}
    assert out.document.status is InputStatus.PARTIAL
    bound = [d for d in out.document.diagnostics if "more than 3 datagrams awaiting fragments" in d.message]
    assert len(bound) == 2 and all(d.level is DiagnosticLevel.ERROR and "not audited" in d.message for d in bound)


def test_within_the_cap_nothing_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fragments, "MAX_PENDING", 5)
    pieces = [
        frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(f"c{n}", pad=1500)), mtu=576, ident=n)
        for n in range(5)
    ]
    out = scan_file(write(tmp_path, [p[0] for p in pieces] + [f for p in pieces for f in p[1:]]))
    assert calls(out) == {f"c{n}" for n in range(5)}
    assert out.document.status is InputStatus.OK and not out.document.diagnostics
