"""Lines of tokens, one to a line (UUIDs, hex digests, base64url tokens, ids), read as one long wrapped
base64 run (``selfcheck.WRAPPED_RUN``: lines of 16 base64 characters or more) that is no base64 of text:
``longrun.LongRun`` cannot plan it (its decoding is random bytes), and a streamed document past
``docstream.MAX_WHOLE`` refused it ("runs more than N MiB characters with no place where it can be cut")
where the document held whole redacts it as text. Such lines are read again as text, cut at their line
breaks: the output is the whole path's, byte for byte. A run that cannot be planned and whose decoding
holds an address is still held, and refused past the bound (fail closed). Bounds lowered as in
``test_wrapped_long``."""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from collections.abc import Callable

import pytest

import icecheck.redact.docstream as docstream
from icecheck.redact.archive import RedactError
from tests.redact.numbered import install
from tests.redact.test_docstream import streamed, whole
from tests.redact.test_redact_wrapped_base64 import assert_no_original, wrap

BOUND = 20_000  # characters a streamed piece may hold with no allowed cut (``MAX_WHOLE``), here
ADDRESSES = ["192.168.1.20", "10.1.2.3"]


@pytest.fixture(autouse=True)
def _small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    monkeypatch.setattr(docstream, "MAX_WHOLE", BOUND)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _jwt(rng: random.Random) -> str:  # a 32-byte base64url token, unpadded (43 characters)
    return base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()


def _sha256(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(8)).hexdigest()


def _hex40(rng: random.Random) -> str:
    return rng.randbytes(20).hex()


def _id20(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(20))


def _mixed(rng: random.Random) -> str:
    return _hex40(rng) if rng.random() < 0.5 else _uuid(rng)


TOKENS: dict[str, Callable[[random.Random], str]] = {
    "uuid": _uuid, "jwt": _jwt, "sha256": _sha256, "hex40": _hex40, "id20": _id20, "mixed": _mixed,
}  # fmt: skip


def _log(token: Callable[[random.Random], str], size: int, sep: str, seed: int = 0) -> tuple[bytes, list[str]]:
    rng = random.Random(seed)
    lines = []
    while sum(map(len, lines)) < size:
        lines.append(token(rng))
    text = f"session start {ADDRESSES[0]}{sep}" + sep.join(lines) + f"{sep}peer {ADDRESSES[1]} end{sep}"
    return text.encode(), lines


@pytest.mark.parametrize("sep", ["\n", "\r\n"])
@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_lines_of_tokens_past_the_bound_are_redacted_as_text(kind: str, sep: str) -> None:
    _tokens_as_text(kind, sep, 3 * BOUND)


@pytest.mark.parametrize("kind", ["uuid", "jwt"])
def test_lines_of_tokens_under_the_bound_are_not_held_either(kind: str) -> None:
    """Past ``held`` but under ``MAX_WHOLE``: read again as text too (not held whole), the same bytes."""
    _tokens_as_text(kind, "\n", BOUND // 2)


def _tokens_as_text(kind: str, sep: str, size: int) -> None:
    data, lines = _log(TOKENS[kind], size, sep)
    expected = whole(data)
    for chunk, held in ((4096, 2000), (1 << 16, 5000)):
        assert streamed(data, chunk, held) == expected, (chunk, held)
    out = expected.decode()
    assert out.split(sep)[1:-2] == lines  # every token kept, in place
    assert_no_original(expected, ADDRESSES)


def test_a_megabyte_of_uuids_streamed_is_the_document_held_whole() -> None:
    data, lines = _log(_uuid, 1 << 20, "\n", seed=3)
    expected = whole(data)
    assert streamed(data, 1 << 16, 100_000) == expected
    assert expected.decode().split("\n")[1:-2] == lines
    assert_no_original(expected, ADDRESSES)


def test_tokens_then_a_run_of_base64_text_the_run_is_still_rewritten() -> None:
    """The lines of tokens end where a run of base64 text follows a line that is no full one; that run
    is rewritten (its address replaced), as in the document held whole."""
    tokens, _ = _log(_uuid, 3 * BOUND, "\n", seed=5)
    text = "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host\n" for i in range(40))
    run = wrap(base64.b64encode(text.encode()).decode(), 76, "\n")
    data = tokens + f"--\n{run}\nend\n".encode()
    expected = whole(data)
    assert streamed(data, 4096, 2000) == expected
    assert b"10.9.3.7" not in base64.b64decode("".join(expected.decode().split("--\n")[1].split("\nend")[0].split()))


def _binary_run(urlsafe: bool) -> str:
    rng = random.Random(9)
    blob = rng.randbytes(20_000) + b"\x00host 203.0.113.77\x00" + rng.randbytes(20_000)
    return wrap((base64.urlsafe_b64encode if urlsafe else base64.b64encode)(blob).decode(), 76, "\n")


@pytest.mark.parametrize("urlsafe", [False, True])
def test_a_long_run_of_binary_data_holding_an_address_is_still_refused(urlsafe: bool) -> None:
    data = ("head\n" + _binary_run(urlsafe) + "\ntail\n").encode()
    with pytest.raises(RedactError, match=r"runs more than .* decoding holds an address"):
        streamed(data, 4096, 2000)


def test_a_long_run_of_text_in_both_alphabets_holding_an_address_is_still_refused() -> None:
    """No plan (``+`` and ``-`` in one run), but its decoding is text holding addresses: refused."""
    text = "".join(f"peer 203.0.113.{i % 250} port {i} ~~~???>>> \n" for i in range(2000))
    lines = wrap(base64.b64encode(text.encode()).decode(), 76, "\n").split("\n")
    assert any("+" in line for line in lines) and any("/" in line for line in lines)
    lines = [line.replace("+", "-") if i % 2 else line for i, line in enumerate(lines)]
    assert any("-" in line for line in lines)
    data = ("head\n" + "\n".join(lines) + "\ntail\n").encode()
    with pytest.raises(RedactError, match="runs more than"):
        streamed(data, 4096, 2000)


def test_an_address_encoded_at_an_odd_offset_across_windows_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """``LongRun.holds_original`` reads every shift, across the edge of its windows."""
    import icecheck.redact.longrun as longrun

    monkeypatch.setattr(longrun, "WINDOW", 3072)
    rng = random.Random(11)
    for lead in range(3):
        blob = rng.randbytes(9000 + lead) + b"\x00peer 198.18.7.9\x00" + rng.randbytes(9000)
        run = wrap(base64.b64encode(blob).decode()[1:], 64, "\n")  # not canonical from its first character
        data = ("head\n" + run + "\ntail\n").encode()
        with pytest.raises(RedactError, match="decoding holds an address"):
            streamed(data, 4096, 2000)
