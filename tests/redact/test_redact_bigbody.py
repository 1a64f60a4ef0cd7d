"""A HAR body in base64 longer than the bounds a document is held whole in (``docstream.MAX_WHOLE``,
``selfcheck.MAX_CARRY``): the self-check decodes a long base64 run in aligned pieces, and redaction
streams it (binary kept, text decoded, redacted and encoded again, a capture through ``pcap``), with
the output the whole-literal path gives. The limits are lowered, as the other streaming tests do."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import json
import lzma
import random
import zipfile
from pathlib import Path

import pytest

import icecheck.redact.docstream as docstream
import icecheck.redact.files as files
import icecheck.redact.formats as formats
import icecheck.redact.selfcheck as selfcheck
from icecheck.redact.archive import RedactError
from icecheck.redact.standins import StandIns
from tests.conftest import SAMPLES
from tests.redact.test_docstream import _numbered_names, log_text, streamed, whole

__all__ = ["_numbered_names"]  # the autouse fixture: mDNS names and secrets numbered, so two runs compare


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
    offsets = [*range(0, size - 20, 1499), size - 12]
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
            decoded = selfcheck.b64_decode(m.group())
            if len(m.group()) > 1000:
                assert decoded is not None and decoded[:-3] in body


# -- redaction: a base64 literal past MAX_WHOLE streams, with the whole path's output ---------------------


@pytest.fixture
def small_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A literal is held whole up to 4 KiB; past that a base64 one streams (cut 1 KiB before its end);
    a body's decoded text is itself cut past 3,000 characters (``MAX_HELD``, below ``MAX_WHOLE`` as by default)."""
    monkeypatch.setattr(docstream, "MAX_WHOLE", 4096)
    monkeypatch.setattr(docstream, "MAX_HELD", 3000)


def har(body: bytes, sdp_address: str = "10.1.2.3") -> bytes:
    """A HAR as Chrome saves it with content: one base64 response body, one SDP offer posted."""
    sdp = f"v=0\r\no=- 1 2 IN IP4 {sdp_address}\r\na=candidate:1 1 udp 2122 {sdp_address} 5000 typ host\r\n"
    entries = [
        {"response": {"content": {"size": len(body), "encoding": "base64", "text": base64.b64encode(body).decode()}}},
        {"request": {"postData": {"text": json.dumps({"type": "offer", "sdp": sdp})}}, "serverIPAddress": "10.9.9.9"},
    ]
    return json.dumps({"log": {"entries": entries}}).encode()


def body_of(out: bytes) -> bytes:
    return base64.b64decode(json.loads(out)["log"]["entries"][0]["response"]["content"]["text"])


def same(data: bytes, scrub: bool = False) -> bytes:
    """The streamed output (literal past MAX_WHOLE) equals the whole path's, at several piece sizes."""
    expected = whole(data, scrub)
    for chunk, held in ((64, 100), (1000, 1500), (2048, 3000)):  # held below MAX_WHOLE, as by default
        assert streamed(data, chunk, held, scrub) == expected, (chunk, held)
    return expected


def text_body(seed: int, lines: int = 300) -> bytes:
    return log_text(random.Random(seed), lines).encode()


@pytest.mark.usefixtures("small_whole")
@pytest.mark.parametrize("scrub", [False, True])
def test_a_long_base64_body_of_text_streams_as_whole(scrub: bool) -> None:
    body = text_body(1)
    assert len(base64.b64encode(body)) > 4 * docstream.MAX_WHOLE
    out = same(har(body), scrub)
    new = body_of(out)
    assert new != body and b"10.0.0." not in new and b"192.168.1." not in new
    assert b"10.1.2.3" not in out and b"10.9.9.9" not in out


@pytest.mark.usefixtures("small_whole")
def test_a_long_base64_body_of_binary_data_is_kept() -> None:
    body = random.Random(5).randbytes(30_000)
    data = har(body)
    out = same(data)
    assert body_of(out) == body and b"10.1.2.3" not in out


@pytest.mark.usefixtures("small_whole")
def test_a_long_base64_body_of_a_capture_streams_as_whole() -> None:
    capture = next(p for p in sorted((SAMPLES / "captures").glob("*.pcap")) if 8_000 < p.stat().st_size < 200_000)
    out = same(har(capture.read_bytes()))
    assert body_of(out)[:4] == capture.read_bytes()[:4] and body_of(out) != capture.read_bytes()


def _zip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("call.log", data)
    return buf.getvalue()


@pytest.mark.usefixtures("small_whole")
@pytest.mark.parametrize(
    "pack",
    [lambda b: gzip.compress(b, mtime=0), lzma.compress, bz2.compress, _zip],
    ids=["gzip", "xz", "bz2", "zip"],
)
def test_a_long_base64_body_of_compressed_text_streams_as_whole(pack: object) -> None:
    body = pack(text_body(2, 2000))  # type: ignore[operator]
    assert len(body) > docstream.MAX_WHOLE
    out = same(har(body))
    assert body_of(out) != body


@pytest.mark.usefixtures("small_whole")
def test_a_long_base64_body_of_json_with_its_own_base64_streams_as_whole() -> None:
    inner = har(text_body(3))  # a HAR inside a HAR body: its own body past the bound too
    out = same(har(inner))
    new = body_of(body_of(out))
    assert b"10.0.0." not in new and b"192.168.1." not in new and b"10.1.2.3" not in body_of(out)


@pytest.mark.usefixtures("small_whole")
def test_a_long_base64_body_of_text_with_a_nul_is_removed_as_the_whole_path_removes_it() -> None:
    body = text_body(4) + b"\x00 10.7.7.7"
    out = same(har(body))
    assert body_of(out) == b""  # redaction cannot read it, and addresses are in its text: removed


@pytest.mark.usefixtures("small_whole")
def test_base64_that_does_not_decode_is_text_as_in_the_whole_path() -> None:
    text = base64.b64encode(text_body(6)).decode()
    bad = text[:-8] + "AAAAA==="  # padding where it cannot be
    doc = json.dumps({"text": bad, "more": "x" * 10 + "A" * 20_000 + "B"}).encode()
    assert same(doc) == doc


@pytest.mark.usefixtures("small_whole")
def test_a_long_base64_run_opening_a_secret_is_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """A password holding base64 is a secret read whole: past the bound it is refused, never cut."""
    doc = json.dumps({"password": base64.b64encode(text_body(7)).decode()}).encode()
    with pytest.raises(RedactError, match="no place where it can be cut safely"):
        streamed(doc, 64, 100, scrub=True)


# -- a whole run (files.redact_file) with the limits lowered: streamed, redacted, checked ------------------


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch, small_whole: None, small_carry: None) -> None:
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 10_000)


@pytest.mark.usefixtures("small_limits")
def test_a_har_with_a_long_text_body_redacts_as_a_stream(tmp_path: Path) -> None:
    src, dst = tmp_path / "big.har", tmp_path / "out.har"
    body = text_body(8)
    src.write_bytes(har(body))
    assert files.redact_file(str(src), str(dst), StandIns(), False) == "json"
    out = dst.read_bytes()
    assert b"10.1.2.3" not in out and b"10.9.9.9" not in out
    new = body_of(out)
    assert new != body and b"10.0.0." not in new and b"192.168.1." not in new


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("at", [5_000, 12_000, 20_001, 29_990])
def test_an_original_in_a_long_body_redaction_cannot_read_removes_the_body(tmp_path: Path, at: int) -> None:
    """A body taken for binary from its first bytes that holds text with an original further on: it
    cannot be rewritten in place, so it is removed (counted); on 5e74d16 it was kept and the output
    check caught it (nothing written)."""
    src, dst = tmp_path / "big.har", tmp_path / "out.har"
    body = random.Random(9).randbytes(600) + body_with(b"10.4.4.4", at, 30_000)
    src.write_bytes(har(body))
    standins = StandIns()
    assert files.redact_file(str(src), str(dst), standins, False) == "json"
    out = dst.read_bytes()
    assert body_of(out) == b"" and b"10.4.4.4" not in out and b"10.1.2.3" not in out
    assert standins.left_out[formats.REMOVED_BODIES] == 1


@pytest.mark.parametrize("size", [400, 30_000])
def test_a_binary_body_with_an_address_in_its_strings_is_removed(size: int) -> None:
    """A body held whole: binary data with an address in its printable strings is removed (the
    streamed path: the test above); on main (5e74d16) the small one was kept with 10.4.4.4 in it and the
    output check, which decoded only bodies of text, passed it."""
    body = random.Random(3).randbytes(600) + body_with(b"10.4.4.4", size // 2, size)
    data = har(body)
    out = whole(data)
    assert body_of(out) == b""
    assert b"10.4.4.4" not in out and b"10.1.2.3" not in out
    found = selfcheck.identifiers(data)
    assert "10.4.4.4" in found  # the check's matcher sees it in the input's body
    assert "10.4.4.4" not in selfcheck.identifiers(out)


def test_a_binary_body_without_identifiers_is_kept_byte_for_byte() -> None:
    body = random.Random(4).randbytes(5000) + b"\x00version 1.2 build 7 \x00" + random.Random(5).randbytes(500)
    assert body_of(whole(har(body))) == body


@pytest.mark.usefixtures("small_carry")
@pytest.mark.parametrize("at", [100, 20_000, 59_000])
def test_gzip_in_a_long_base64_run_is_inflated_whole_by_the_check(at: int) -> None:
    """A gzip body past MAX_CARRY: the pieces hold only its start, the check inflates the whole run."""
    rng = random.Random(at)
    text = bytearray(" ".join(rng.randbytes(8).hex() for _ in range(3500)).encode())
    text[at : at + 10] = b" 10.6.6.6 "
    data = document(gzip.compress(bytes(text), mtime=0))
    assert len(data) > 3 * selfcheck.MAX_CARRY
    found = selfcheck.stream_identifiers(lambda: io.BytesIO(data))
    assert "10.6.6.6" in found
    found.close()


@pytest.mark.usefixtures("small_carry")
def test_a_capture_in_a_long_base64_run_is_listed_whole_by_the_check() -> None:
    capture = next(p for p in sorted((SAMPLES / "captures").glob("*.pcap")) if 40_000 < p.stat().st_size < 400_000)
    raw = capture.read_bytes()
    expected = set(selfcheck.capture_identifiers(lambda: io.BytesIO(raw)))
    found = selfcheck.stream_identifiers(lambda: io.BytesIO(document(raw)))
    assert expected and expected <= set(found)
    found.close()
