"""A HAR body in base64 longer than the bounds a document is held whole in (``docstream.MAX_WHOLE``,
``selfcheck.MAX_CARRY``): the self-check decodes a long base64 run in aligned pieces, and redaction
streams it (binary kept, text decoded, redacted and encoded again, a capture through ``pcap``), with
the output the whole-literal path gives. The limits are lowered, as the other streaming tests do."""

from __future__ import annotations

import base64
import io
import random

import pytest

import icecheck.redact.selfcheck as selfcheck


@pytest.fixture
def small_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 2 KiB; a run is cut past 8 KiB with 1 KiB read twice."""
    monkeypatch.setattr(selfcheck, "CHUNK", 2048)
    monkeypatch.setattr(selfcheck, "SOFT_CARRY", 2048)
    monkeypatch.setattr(selfcheck, "MAX_CARRY", 8192)
    monkeypatch.setattr(selfcheck, "OVERLAP", 1024)


def filler(rng: random.Random, size: int) -> bytes:
    words = [b"alpha", b"beta", b"gamma", b"delta", b"offer", b"answer", b"typ", b"host", b"srflx"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


def body_with(original: bytes, at: int, size: int, seed: int = 0) -> bytes:
    text = bytearray(filler(random.Random(seed), size))
    text[at : at + len(original)] = original
    return bytes(text)


def document(body: bytes, prefix: bytes = b'{"log": {"entries": [{"response": {"content": {"text": "') -> bytes:
    return prefix + base64.b64encode(body) + b'", "encoding": "base64"}}}]}}'


@pytest.mark.usefixtures("small_carry")
@pytest.mark.parametrize("prefix_pad", [0, 1, 2, 3])
def test_an_original_anywhere_in_a_long_base64_run_is_found(prefix_pad: int) -> None:
    """The run (40 KiB, five times MAX_CARRY) is cut inside; an original planted at any offset,
    across a cut too, is found in its decoding, whatever the run's offset in the document."""
    size = 30_000
    prefix = b'{"pad": "' + b"p" * prefix_pad + b'", "text": "'
    offsets = list(range(0, size - 20, 1499)) + [size - 12]
    misses = []
    for at in offsets:
        data = document(body_with(b"10.1.2.3", at, size, seed=at), prefix)
        found = selfcheck.stream_identifiers(lambda data=data: io.BytesIO(data))  # type: ignore[misc]
        if "10.1.2.3" not in found:
            misses.append(at)
        found.close()
    assert not misses, misses


@pytest.mark.usefixtures("small_carry")
def test_an_original_across_each_cut_of_a_long_base64_run_is_found() -> None:
    """Where the pieces are cut, in decoded bytes: an original planted across each cut is found."""
    size = 30_000
    prefix = b'{"text": "'
    data = document(filler(random.Random(1), size), prefix)
    cuts, pos = [], 0
    for piece in selfcheck.pieces(io.BytesIO(data)):
        start = data.find(piece, max(0, pos - selfcheck.OVERLAP))
        pos = start + len(piece)
        cuts.append(pos)
    inside = [(c - len(prefix)) * 3 // 4 for c in cuts if len(prefix) < c < len(prefix) + size * 4 // 3]
    assert len(inside) >= 3  # the run was cut
    for cut in inside:
        for shift in (-7, -5, -3, -1, 0):
            plant = body_with(b"10.1.2.3", cut + shift, size, seed=1)
            found = selfcheck.stream_identifiers(lambda plant=plant: io.BytesIO(document(plant, prefix)))  # type: ignore[misc]
            assert "10.1.2.3" in found, (cut, shift)
            found.close()


@pytest.mark.usefixtures("small_carry")
def test_every_piece_of_a_long_run_decodes_to_part_of_the_body() -> None:
    size = 30_000
    body = filler(random.Random(2), size)
    data = document(body, b'{"x": "abc", "text": "')
    for piece in selfcheck.pieces(io.BytesIO(data)):
        for m in selfcheck._B64.finditer(piece):
            decoded = selfcheck._b64(m.group())
            if len(m.group()) > 1000:
                assert decoded is not None and decoded[:-3] in body
