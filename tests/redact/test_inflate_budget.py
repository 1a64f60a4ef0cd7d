"""Gzip data inside a document past what the output check inflates (``selfcheck.MAX_INFLATE``): refused,
never passed on unread (issue 11, item 5: a privacy tool fails closed).

A HAR whose base64 body was gzip inflating to 300 MB, with addresses at its end, went out whole with
"0 addresses replaced; output checked" and exit 0: the listing inflated its first 64 MiB and stopped
without a word, found nothing, and the body, which redaction cannot read (binary), was kept. The limit
is lowered here so that the inputs stay small."""

from __future__ import annotations

import base64
import io
import json
import random
import zlib
from pathlib import Path

import pytest

from icecheck.redact import selfcheck
from icecheck.redact.archive import RedactError
from icecheck.redact.files import redact_file
from icecheck.redact.formats import UNREAD_BODIES, unread_body
from icecheck.redact.standins import StandIns

LIMIT = 1 << 20
TAIL = b"\nhost 10.9.8.7 and fe80::1234:5678:9abc:def0\n"


def _gzip(size: int, tail: bytes = TAIL) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    return z.compress(b"\0" * size) + z.compress(tail) + z.flush()


def _har(body: bytes) -> bytes:
    content = {"mimeType": "application/octet-stream", "encoding": "base64", "text": base64.b64encode(body).decode()}
    entry = {
        "request": {"method": "GET", "url": "https://x.example/a"},
        "response": {"status": 200, "content": content},
    }
    return json.dumps({"log": {"version": "1.2", "entries": [entry]}}).encode()


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selfcheck, "MAX_INFLATE", LIMIT)


def test_a_har_body_past_the_limit_is_refused_and_nothing_written(tmp_path: Path) -> None:
    src, out = tmp_path / "bomb.har", tmp_path / "out.har"
    src.write_bytes(_har(_gzip(2 * LIMIT)))
    with pytest.raises(RedactError, match="inflates past what the output check reads"):
        redact_file(str(src), str(out), StandIns(), scrub=False)
    assert not out.exists() and not list(tmp_path.glob(".*partial*"))


def test_gzip_in_a_text_log_past_the_limit_is_refused(tmp_path: Path) -> None:
    src, out = tmp_path / "log.txt", tmp_path / "out.txt"
    src.write_bytes(b"10.1.2.3 blob " + base64.b64encode(_gzip(2 * LIMIT)) + b"\n")
    with pytest.raises(RedactError, match="inflates past"):
        redact_file(str(src), str(out), StandIns(), scrub=False)
    assert not out.exists()


def test_under_the_limit_the_body_is_read_and_redacted(tmp_path: Path) -> None:
    """Just under the limit, the body is inflated, listed and (as binary data that holds addresses in its
    strings) removed; its addresses are in no output."""
    src, out = tmp_path / "ok.har", tmp_path / "out.har"
    src.write_bytes(_har(_gzip(LIMIT - len(TAIL) - 1)))
    redact_file(str(src), str(out), StandIns(), scrub=False)
    written = out.read_bytes()
    body = base64.b64decode(json.loads(written)["log"]["entries"][0]["response"]["content"]["text"])
    inflated = zlib.decompressobj(31).decompress(body) if body else b""
    assert b"10.9.8.7" not in written + inflated and b"fe80::1234" not in written + inflated


def test_the_budget_is_exact() -> None:
    """A member inflating to the budget exactly is read; one byte more is refused; damaged data is none."""
    exact = _gzip(LIMIT - len(TAIL))
    found: set[str] = set()
    selfcheck._collect(exact, found, depth=0, budget=[LIMIT])
    assert "10.9.8.7" in found
    with pytest.raises(selfcheck.PastInflateBudget):
        selfcheck._collect(_gzip(LIMIT - len(TAIL) + 1), set(), depth=0, budget=[LIMIT])
    with pytest.raises(selfcheck.PastInflateBudget):  # the budget spent by a first member: a second is refused
        selfcheck._collect(exact + b"x" + _gzip(10, b"1.2.3.4 z"), set(), depth=0, budget=[LIMIT])
    selfcheck._collect(b"\x1f\x8b\x08 not gzip 10.1.1.1 \x1f\x8b\x08", found, depth=0, budget=[0])
    assert "10.1.1.1" in found


def test_a_body_the_matcher_cannot_read_through_is_removed() -> None:
    standins = StandIns()
    assert unread_body(lambda: io.BytesIO(_gzip(2 * LIMIT)), standins) == ""
    assert standins.left_out[UNREAD_BODIES] == 1
    assert unread_body(lambda: io.BytesIO(_gzip(LIMIT // 2, b"no address here")), standins) is None


def test_many_small_members_are_read_through() -> None:
    """The budget grows with the bytes read (``INFLATE_PER_BYTE``): 40 gzip members of 64 KB of text each,
    2.5 MB inflated in all, past the (lowered) 1 MiB, are all read, and the address in the last is found."""
    rng = random.Random(5)
    members = []
    for n in range(40):
        text = "".join(rng.choice("0123456789abcdef \n") for _ in range(64 << 10)).encode()
        members.append(_gzip(0, text + (b" 10.7.7.7 " if n == 39 else b"")))
    data = b"\x00\x01".join(members)
    found = selfcheck.stream_identifiers(lambda: io.BytesIO(data))
    try:
        assert "10.7.7.7" in found
    finally:
        found.close()


def test_one_member_is_held_up_to_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One gzip member is inflated in memory up to ``MEMBER_HELD``, whatever the budget left: a HAR body of
    gzip of 12 MB of distinct IPv6 addresses, read whole, held 518 MB (it is refused at 44 MB)."""
    monkeypatch.setattr(selfcheck, "MEMBER_HELD", 64 << 10)
    src, out = tmp_path / "in.har", tmp_path / "out.har"
    src.write_bytes(_har(_gzip((64 << 10) + 1)))
    with pytest.raises(RedactError, match="a gzip member inside inflates past 0 MiB"):
        redact_file(str(src), str(out), StandIns(), scrub=False)
    assert not out.exists()
    src.write_bytes(_har(_gzip((64 << 10) - len(TAIL) - 1)))
    redact_file(str(src), str(out), StandIns(), scrub=False)
    assert b"10.9.8.7" not in out.read_bytes()
