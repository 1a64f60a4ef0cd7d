"""Fuzzing every reader through the commands users run: ``scan``, ``sdp`` and ``redact``.

A short bounded run here (``ICECHECK_FUZZ_EXAMPLES`` examples a target, 40 by default, with a
fixed seed so CI is reproducible); the long run is ``scripts/fuzz.py``. What must hold for any
input: no exception escapes (no internal error, no traceback), the exit code is 0, 1 or 2, and no
control or bidi character from the input reaches a report raw. Every input that ever broke one of
these is kept in regressions/ and replayed by ``test_regressions``.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from icecheck.inputs import jsonlarge, jsonstream
from icecheck.inputs.candidate import parse_candidate
from icecheck.inputs.detect import Format, sniff
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink
from tests.fuzz.mutate import FORMATS, OPS, REGRESSIONS, Mutation, mutate, run_target, seeds
from tests.fuzz.shapes import generate

SEEDS = seeds()
EXAMPLES = int(os.environ.get("ICECHECK_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
mutations = st.lists(
    st.builds(Mutation, st.sampled_from(OPS), st.integers(0, 1 << 24), st.binary(min_size=1, max_size=12)),
    min_size=1,
    max_size=6,
)


def _check(command: str, name: str, muts: list[Mutation], tmp_path: Path) -> None:
    data = mutate(SEEDS[name], muts)
    problem = run_target(command, data, tmp_path)
    if problem:
        REGRESSIONS.mkdir(exist_ok=True)
        kept = REGRESSIONS / f"new-{command}-{abs(hash(data)) % 10**8}.bin"
        kept.write_bytes(data)
        pytest.fail(f"{problem} (input kept as {kept.relative_to(REGRESSIONS.parents[1])})")


@pytest.mark.parametrize("command", ["scan", "redact"])
@FUZZ
@given(name=st.sampled_from(sorted(SEEDS)), muts=mutations)
def test_scan_and_redact_hold_on_mutated_inputs(command: str, name: str, muts: list[Mutation], tmp_path: Path) -> None:
    _check(command, name, muts, tmp_path)


SDP_SEEDS = sorted(n for n in SEEDS if n.endswith(".sdp"))


@FUZZ
@given(name=st.sampled_from(SDP_SEEDS), muts=mutations)
def test_sdp_holds_on_mutated_offers(name: str, muts: list[Mutation], tmp_path: Path) -> None:
    _check("sdp", name, muts, tmp_path)


@pytest.mark.parametrize("command", ["scan", "sdp", "redact"])
@FUZZ
@given(shape=st.integers(0, 2**32 - 1), muts=st.lists(st.builds(Mutation, st.sampled_from(OPS), st.integers(0, 1 << 24),
       st.binary(min_size=1, max_size=12)), max_size=2))  # fmt: skip
def test_generated_shapes_hold(command: str, shape: int, muts: list[Mutation], tmp_path: Path) -> None:
    """Inputs built by ``shapes`` (address notations, link types, fragments, TCP oddities, encodings,
    nestings, gzip), mutated a little or not at all."""
    name, data = generate(random.Random(shape), sdp_only=command == "sdp")
    problem = run_target(command, mutate(data, muts), tmp_path)
    if problem:
        kept = REGRESSIONS / f"new-{command}-{name.replace('/', '-')}-{shape}.bin"
        kept.write_bytes(mutate(data, muts))
        pytest.fail(f"{problem} (input kept as {kept.relative_to(REGRESSIONS.parents[1])})")


@FUZZ
@seed(8839)
@given(st.text(max_size=300))
def test_candidate_parser_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_candidate(text)


@FUZZ
@seed(8839)
@given(st.lists(st.sampled_from(
    ["candidate:1", "1", "udp", "UDP", "tcp", "2122260223", "0", "99999999999", "192.0.2.1", "::1", "[::1]",
     "x.local", "9", "typ", "host", "srflx", "relay", "raddr", "rport", "tcptype", "passive", "generation",
     "network-cost", "\u202e", "\x00", "a" * 40, ""]), max_size=16))  # fmt: skip
def test_candidate_parser_on_token_soup(tokens: list[str]) -> None:
    with contextlib.suppress(ValueError):
        parse_candidate(" ".join(tokens))


REGRESSION_FILES = sorted(REGRESSIONS.glob("*.bin")) if REGRESSIONS.is_dir() else []


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("command", ["scan", "sdp", "redact"])
def test_regressions(command: str, path: Path, tmp_path: Path) -> None:
    assert run_target(command, path.read_bytes(), tmp_path) is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", [p for p in REGRESSION_FILES if "-c1-in-name-" in p.name], ids=lambda p: p.name)
def test_regressions_in_every_format(fmt: str, path: Path, tmp_path: Path) -> None:
    """Inputs the long fuzz run found raw in one report format (a C1 control, U+009B, in a Jingle
    candidate's name: the Mermaid map's labels, in ``--format mermaid`` and in Markdown), in all of them."""
    assert run_target("scan", path.read_bytes(), tmp_path, fmt) is None
    assert run_target("scan", path.read_bytes(), tmp_path, fmt, verbose=True) is None


JSON_SEEDS = sorted(n for n in SEEDS if n.endswith((".har", ".json")) or "webrtc-internals" in n)


@FUZZ
@given(name=st.sampled_from(JSON_SEEDS), muts=mutations, limit=st.sampled_from([16, 64, 4096]))
def test_json_read_in_parts_holds_on_mutated_documents(
    name: str, muts: list[Mutation], limit: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader of large JSON documents (``jsonlarge``), run on the samples with limits so small
    that their containers and strings are all read in parts: no exception escapes, whatever the
    damage (malformed JSON is a diagnostic)."""
    data = mutate(SEEDS[name], muts)
    for attr, value in (("SMALL", limit), ("BIG", limit * 4), ("_FIRST_TRY", 4), ("PIECE", 7)):
        monkeypatch.setattr(jsonstream, attr, value)
    sink = Sink("fuzz.json")
    hint = sniff(data)
    kind = jsonlarge.read_large(data[:1], io.BytesIO(data[1:]), Dispatcher(sink), hint)
    assert kind in (Format.HAR, Format.WEBRTC_INTERNALS, Format.JSON, hint)
