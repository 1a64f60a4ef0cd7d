"""A wrapped base64 run longer than a streamed document may hold (``docstream.MAX_WHOLE``) is rewritten
in pieces (``redact.longrun``), not held: it was refused ("runs more than N MiB characters with no place
where it can be cut"), and below that bound held whole several times over (a 15 MB run peaked at
313 MB). Here the bounds are lowered so that a small document has such a run: the streamed output is
byte for byte the output of the document redacted whole, in either alphabet, with either line break,
whatever the run's last line; what cannot be planned so is still held (and refused past the bound)."""

from __future__ import annotations

import base64
import random
import re

import pytest

import icecheck.redact.docstream as docstream
from icecheck.redact.archive import RedactError
from tests.redact.numbered import install
from tests.redact.test_docstream import streamed, whole
from tests.redact.test_redact_wrapped_base64 import assert_no_original, wrap

BOUND = 20_000  # characters a streamed piece may hold with no allowed cut (``MAX_WHOLE``), here


@pytest.fixture(autouse=True)
def _small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    monkeypatch.setattr(docstream, "MAX_WHOLE", BOUND)


def _text(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        a, b = rng.randrange(1, 250), rng.randrange(1, 250)
        via = f"2001:db8:{a:x}::{b:x}"
        lines.append(f"a=candidate:{i} 1 udp 2122260223 10.{a}.{b}.7 {50000 + i} typ host µ~?> via {via}")
        if i % 7 == 0:
            lines.append(f"a=x-hw 02:11:22:33:{a:02x}:{b:02x} peer {a}-{b}.local")
    return "\r\n".join(lines) + "\r\n"


def _run(text: str, width: int, sep: str, urlsafe: bool = False, pad: bool = True) -> str:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(text.encode()).decode()
    return wrap(encoded if pad else encoded.rstrip("="), width, sep)


def _decoded(run: str, urlsafe: bool) -> str:
    joined = re.sub(r"\r?\n", "", run)
    assert not re.search("[+/]" if urlsafe else "[-_]", joined)
    return (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(joined + "==").decode()


def _same(data: bytes, scrub: bool = False) -> bytes:
    expected = whole(data, scrub)
    for chunk, held in ((4096, 2000), (1 << 16, 5000)):
        assert streamed(data, chunk, held, scrub) == expected, (chunk, held)
    return expected


@pytest.mark.parametrize(("sep", "width", "urlsafe"), [("\r\n", 76, False), ("\n", 64, False), ("\n", 76, True),
                                                       ("\r\n", 77, True)])  # fmt: skip
def test_a_run_longer_than_the_bound_is_rewritten_as_whole(sep: str, width: int, urlsafe: bool) -> None:
    text = _text(600)
    run = _run(text, width, sep, urlsafe)
    assert len(run) > 2 * BOUND
    data = f"mail from 10.200.0.1{sep}--b1{sep}Content-Transfer-Encoding: base64{sep}{sep}{run}{sep}--b1--{sep}end"
    out = _same(data.encode())
    new = out.decode().split(f"base64{sep}{sep}")[1].split(f"{sep}--b1--")[0]
    lines = new.split(sep)
    assert all(len(line) == width for line in lines[:-1]) and 0 < len(lines[-1]) <= width
    decoded = _decoded(new, urlsafe)
    assert decoded.count("a=candidate:") == 600 and decoded.count("a=x-hw") == 86
    assert_no_original(out, ["10.200.0.1"])
    assert not set(re.findall(r"10\.\d+\.\d+\.7", decoded))


def test_a_run_whose_last_line_only_looks_like_base64_and_one_at_the_end() -> None:
    text = _text(400, 1) + "x" * (-len(_text(400, 1).encode()) % 3)
    run = _run(text, 76, "\n")
    assert not run.endswith("=")
    for tail in ("\nDONE peer 10.1.2.3 left\n", "", "\n"):
        out = _same(f"log\n{run}{tail}".encode()).decode()
        assert out.endswith(" left\n" if tail.startswith("\nDONE") else f"{tail}")
        assert "10.1.2.3" not in out
        assert _decoded(out[4:].split("\nDONE")[0], False).count("a=candidate:") == 400


def test_secrets_in_a_long_run_are_scrubbed_as_whole() -> None:
    sdp = "a=ice-ufrag:Fh3kq9\r\na=ice-pwd:Zx81mQ0aa7Lr2vPq9cXn4kTe\r\n" + _text(500, 2)
    data = ("offer:\n" + _run(sdp, 76, "\n") + "\nufrag Fh3kq9 again\n").encode()
    out = _same(data, scrub=True)
    decoded = _decoded(out.decode().split("\n", 1)[1].rsplit("\nufrag", 1)[0], False)
    assert "a=ice-pwd:" in decoded and "Zx81mQ0aa7Lr2vPq9cXn4kTe" not in decoded and "Fh3kq9" not in out.decode()


def test_a_run_with_nothing_to_hide_is_kept_byte_for_byte() -> None:
    data = ("head\r\n" + _run("nothing to hide here. " * 3000, 76, "\r\n") + "\r\ntail\r\n").encode()
    assert _same(data) == data


def test_mixed_widths_of_a_long_run_that_keeps_its_length_are_kept() -> None:
    text = "".join(f"peer 203.0.113.77 x{i}\n" for i in range(3000))  # a stand-in as long (``V4``)
    encoded = base64.b64encode(text.encode()).decode()
    cuts, at, rng = [], 0, random.Random(4)
    while at < len(encoded):
        width = rng.choice([60, 64, 76])
        cuts.append(encoded[at : at + width])
        at += width
    data = ("x\n" + "\n".join(cuts) + "\ny\n").encode()
    out = _same(data)
    assert [len(line) for line in out.decode().split("\n")[1:-2]] == [len(c) for c in cuts]


def test_a_long_run_that_cannot_be_planned_is_still_refused() -> None:
    """Binary data holding an address: held as before, and refused past the bound (fail closed)."""
    rng = random.Random(9)
    blob = rng.randbytes(20_000) + b"\x00host 203.0.113.77\x00" + rng.randbytes(20_000)
    data = ("head\n" + wrap(base64.b64encode(blob).decode(), 76, "\n") + "\ntail\n").encode()
    with pytest.raises(RedactError, match="runs more than"):
        streamed(data, 4096, 2000)


def test_a_long_run_of_a_document_held_whole_is_rewritten_in_pieces_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document redacted in memory: a run past ``wrapped.LONG_RUN`` is rewritten by ``longrun`` (not
    joined, decoded and encoded whole), with the same bytes."""
    import icecheck.redact.wrapped as wrapped

    monkeypatch.setattr(docstream, "MAX_WHOLE", 16 << 20)  # as it is: its decoded text is cut past ``MAX_HELD``
    std, url = _run(_text(300, 5), 76, "\r\n"), _run(_text(300, 6), 64, "\n", urlsafe=True)
    data = f"a\r\n{std}\r\n--b--\r\nb 10.1.2.3\n{url}\nc\n".encode()
    expected = whole(data)
    assert "10.1.2.3" not in expected.decode() and len(std) > 20_000
    monkeypatch.setattr(wrapped, "LONG_RUN", 1000)
    assert whole(data) == expected
