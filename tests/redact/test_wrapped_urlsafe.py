"""Base64 in the URL-safe alphabet (RFC 4648 §5: ``-`` and ``_``) wrapped over lines. Its lines are no
standard wrapped run, so an address whose encoding crossed a line break was read neither by the output
check (each line decoded alone) nor by the redactor: ``redact`` wrote it out as checked (exit 0). Now the
check reads such runs with their lines joined, and the redactor rewrites them as it does standard runs:
the output keeps the URL-safe alphabet, the widths, the line breaks and the padding."""

from __future__ import annotations

import base64
import json
import random
import re
from pathlib import Path

import pytest

from icecheck.redact.selfcheck import identifiers
from tests.redact.numbered import install
from tests.redact.test_docstream import streamed, whole
from tests.redact.test_redact_wrapped_base64 import SDP, assert_layout, redact, refused, wrap

V4 = "203.0.113.77"


@pytest.fixture(autouse=True)
def _numbered_names(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)


def _straddling() -> tuple[bytes, list[str]]:
    """A text whose URL-safe encoding at 76 columns puts ``V4`` across the first line break, with a
    ``-`` in that line's last 16 characters (so no standard run of 16 characters ends the line)."""
    payload = ("peer list: " + "a" * 30 + "??>>~~~" + f"a@{V4}:5060 and more text after it, ~~>>?? then"
               + " filler text" * 8).encode()  # fmt: skip
    lines = wrap(base64.urlsafe_b64encode(payload).decode(), 76, "\n").split("\n")
    assert "-" in lines[0][-16:]
    assert not any(V4.encode() in base64.urlsafe_b64decode(line + "=" * (-len(line) % 4)) for line in lines)
    return payload, lines


def _decode(lines: list[str]) -> bytes:
    joined = "".join(lines)
    assert re.fullmatch(r"[A-Za-z0-9_-]+=*", joined), joined  # the URL-safe alphabet kept
    return base64.urlsafe_b64decode(joined + "=" * (-len(joined) % 4))


def test_the_check_reads_an_address_across_a_line_break_of_urlsafe_base64() -> None:
    _, lines = _straddling()
    assert V4 in identifiers(("trace:\n" + "\n".join(lines) + "\nend\n").encode())


def test_an_address_across_a_line_break_of_urlsafe_base64_is_rewritten(tmp_path: Path) -> None:
    payload, lines = _straddling()
    code, out, err = redact(tmp_path, "trace.txt", ("trace:\n" + "\n".join(lines) + "\nend\n").encode())
    assert code == 0, err
    text = out.decode()
    assert text.startswith("trace:\n") and text.endswith("\nend\n")
    new = text[len("trace:\n") : -len("\nend\n")].split("\n")
    assert_layout(lines, new)
    decoded = _decode(new)
    assert V4.encode() not in decoded
    assert decoded.startswith(payload[: payload.index(b"a@") + 2]) and b":5060 and more text" in decoded
    assert V4 not in identifiers(out)


def test_a_urlsafe_mime_part_with_crlf_is_rewritten_whole(tmp_path: Path) -> None:
    """A long run in which many lines hold ``-`` or ``_``: the standard runs between them were taken for
    runs of mixed widths and refused (exit 2); the run is now rewritten whole."""
    note = ("µ-trace ~>? " + SDP) * 6
    encoded = base64.urlsafe_b64encode(note.encode()).decode()
    lines = wrap(encoded, 76, "\r\n").split("\r\n")
    assert sum("-" in line or "_" in line for line in lines) > 3
    data = ("--b1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + "\r\n".join(lines) + "\r\n--b1--\r\n").encode()
    code, out, err = redact(tmp_path, "mail.eml", data)
    assert code == 0, err
    text = out.decode()
    rest = text.split("\r\n\r\n", 1)[1]
    assert rest.endswith("\r\n--b1--\r\n")
    new = rest[: -len("\r\n--b1--\r\n")].split("\r\n")
    assert_layout(lines, new)
    decoded = _decode(new).decode()
    assert decoded.count("a=candidate:") == 24 and decoded.startswith("µ-trace ~>? v=0")
    for original in ("10.1.2.3", V4, "2001:4860:4860::8844", "02:11:22:33:44:55"):
        assert original not in decoded
    left = identifiers(out) & identifiers(data)
    assert not {i for i in left if i.startswith(("10.", "203.", "2001:4860", "mac "))}


def test_a_json_string_of_urlsafe_base64_with_newline_escapes(tmp_path: Path) -> None:
    payload = wrap(base64.urlsafe_b64encode(("~?>" + SDP).encode() * 2).decode(), 64, "\n")
    assert "-" in payload or "_" in payload
    data = (json.dumps({"t": 1, "sdp_b64": payload}) + "\n").encode()
    code, out, err = redact(tmp_path, "log.jsonl", data)
    assert code == 0, err
    record = json.loads(out)
    assert_layout(payload.split("\n"), record["sdp_b64"].split("\n"))
    decoded = _decode(record["sdp_b64"].split("\n")).decode()
    assert decoded.count("a=candidate:4") == 2 and V4 not in decoded and "10.1.2.3" not in decoded


def test_urlsafe_binary_data_holding_an_address_is_refused(tmp_path: Path) -> None:
    rng = random.Random(5)
    blob = rng.randbytes(300) + b"\x00peer=203.0.113.77\x00" + rng.randbytes(300)
    lines = wrap(base64.urlsafe_b64encode(blob).decode(), 76, "\n")
    assert "-" in lines or "_" in lines
    err = refused(tmp_path, "blob.txt", ("one\ntwo\n" + lines + "\nend\n").encode(), 3)
    assert "binary data" in err


@pytest.mark.parametrize("seed", range(4))
def test_random_urlsafe_wraps_stream_as_whole(seed: int) -> None:
    """URL-safe runs of random widths, breaks and padding among text lines and standard runs: each is
    rewritten in its own alphabet and widths, and the streamed path gives the same bytes."""
    rng = random.Random(seed)
    parts, expected_runs = [], []
    for i in range(8):
        sep = rng.choice(["\n", "\r\n"])
        width = rng.choice([16, 30, 60, 64, 76, 77])
        text = "~?>" + "".join(rng.sample(SDP.splitlines(keepends=True), 4)) + "#" * rng.randrange(3)
        url = i % 2 == 0
        encoded = (base64.urlsafe_b64encode if url else base64.b64encode)(text.encode()).decode()
        encoded = encoded if rng.random() < 0.5 else encoded.rstrip("=")
        parts.append(f"record {i} at 10.0.{seed}.{i}{sep}" + wrap(encoded, width, sep) + sep)
        expected_runs.append((url, width))
    data = "".join(parts).encode()
    out = whole(data)
    records = re.split(r"record \d+ at [\d.]+\r?\n", out.decode())[1:]
    for record, (url, width) in zip(records, expected_runs, strict=True):
        lines = record.split("\r\n" if "\r\n" in record else "\n")[:-1]
        assert all(len(line) == width for line in lines[:-1]) and 0 < len(lines[-1]) <= width
        joined = "".join(lines)
        assert not re.search("[+/]" if url else "[-_]", joined)
        decoded = (base64.urlsafe_b64decode if url else base64.b64decode)(joined + "==").decode()
        assert "a=candidate:" in decoded or "v=0" in decoded or "c=IN" in decoded or "m=audio" in decoded
        assert "10.1.2.3" not in decoded and V4 not in decoded
    for chunk, held in ((7, 16), (64, 100)):
        assert streamed(data, chunk, held) == out, (chunk, held)
