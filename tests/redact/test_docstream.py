"""Streamed redaction of text documents (``redact.docstream``) gives what the whole-document path gives:
JSON (one long line, long literals cut into pieces, pretty-printed, JSON lines), SIP logs cut between
messages, text and SDP logs cut at line ends; an address, a literal and a SIP message across a cut."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.redact.docstream import chunks, prepare_stream, redact_stream
from icecheck.redact.formats import detect, redact_document
from icecheck.redact.selfcheck import addresses, identifiers, stream_identifiers
from icecheck.redact.standins import StandIns
from tests.conftest import SAMPLES, run_cli
from tests.redact.numbered import install


@pytest.fixture(autouse=True)
def _numbered_names(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)


def _reset() -> None:
    import icecheck.redact.standins as module

    module.uuid.n = 0  # type: ignore[attr-defined]


def whole(data: bytes, scrub: bool = False) -> bytes:
    _reset()
    standins = StandIns()
    for addr in addresses(identifiers(data)):
        standins.reserve(addr)
    return redact_document(data, standins, scrub)[0]


def streamed(data: bytes, chunk: int, held: int, scrub: bool = False) -> bytes:
    _reset()
    standins = StandIns()
    for addr in addresses(stream_identifiers(lambda: io.BytesIO(data))):
        standins.reserve(addr)
    kind = detect(data)
    prepare_stream(chunks(lambda: io.BytesIO(data), chunk), kind, standins, scrub, held)
    out: list[str] = []
    redact_stream(chunks(lambda: io.BytesIO(data), chunk), out.append, kind, standins, scrub, held)
    return "".join(out).encode("utf-8", "surrogateescape")


def same(data: bytes) -> bytes:
    expected = whole(data)
    for chunk, held in ((7, 16), (13, 40), (64, 100), (1 << 20, 1 << 20)):
        assert streamed(data, chunk, held) == expected, (chunk, held)
    return expected


LINES = [
    "a=candidate:1 1 udp 2122260223 10.0.0.{i} 5000{i} typ host",
    "peer 2001:db8:0:0:1:2:3:{i:x} and fe80::{i:x}%eth0 at 02:11:22:33:44:{i:02x}",
    "mdns host-{i}.local, percent peer%3D10.9.8.{i} and 10%2E1%2E2%2E{i}",
    "User-Agent: Foo/1.2.3.{i} (via 172.16.{i}.1)",
    "url /peer/192.168.1.{i}/offer; \u00e9t\u00e9 10.1.1.{i}",
    "",
    "   ",
    'x-hwaddr:02:aa:bb:cc:dd:{i:02x} "quoted": 10.2.3.{i}:',
]


def log_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(LINES).format(i=rng.randrange(1, 200)) + rng.choice(["\n", "\r\n"]) for _ in range(n))


@pytest.mark.parametrize("seed", range(6))
def test_text_log_streams_as_whole(seed: int) -> None:
    rng = random.Random(seed)
    out = same(log_text(rng, 60).encode())
    assert b"10.0.0." not in out or b"a=candidate" not in out


@pytest.mark.parametrize("seed", range(6))
def test_json_with_a_long_string_streams_as_whole(seed: int) -> None:
    rng = random.Random(seed)
    doc = {"log": log_text(rng, 80), "n": 1, "b": [log_text(rng, 3), "plain", '\\\\n " \u2028 \U0001f600']}
    for ascii_ in (True, False):
        data = json.dumps(doc, ensure_ascii=ascii_).encode()
        out = same(data)
        assert json.loads(out)["n"] == 1
        assert "10.0.0." not in json.loads(out)["log"]


def test_json_literals_kept_byte_for_byte_or_reencoded_as_whole() -> None:
    # a non-canonical escape (\/) in an unchanged piece: kept when nothing in the literal changes,
    # re-encoded with the rest when something does (in the literal's style: each ``/`` escaped)
    unchanged = '{"a": "' + "no address here\\/ok\\n" * 20 + '"}'
    changed = '{"a": "' + "no address here\\/ok\\n" * 20 + 'at 10.1.2.3\\n"}'
    assert same(unchanged.encode()) == unchanged.encode()
    out = same(changed.encode())
    assert out.count(b"\\/") == 20 and b"10.1.2.3" not in out


def test_json_lines_pretty_json_and_text_between() -> None:
    rng = random.Random(9)
    records = [json.dumps({"line": rng.choice(LINES).format(i=i), "password": "pw" + str(i)}) for i in range(30)]
    pretty = json.dumps({"items": records}, indent=2)
    same(("\n".join(records) + "\nplain 10.3.3.3 line\n" + "\n".join(records)).encode())
    same(pretty.encode())
    # not literals: a raw line feed inside a string, an unterminated quote at the end
    same(b'{"a": "10.1.1.1\n10.2.2.2 \\" x"}\n{"b": "' + b"10.4.4.4 " * 30 + b"\n" + b'"10.5.5.5')


def test_bad_escapes_and_surrogates_in_a_long_literal() -> None:
    same(('["' + "line 10.7.7.7\\n" * 30 + '\\x41 end"]').encode())  # not JSON: redacted as raw text
    same(('["' + "line 10.7.7.7 \\ud800\\n" * 30 + '"]').encode())
    same(b'["' + b"\xff\xfe bytes 10.8.8.8\\n" * 30 + b'"]')


SIP = (
    "INVITE sip:bob@10.0.0.{i} SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.{i}:5060\r\nContent-Type: application/sdp\r\n"
    "Content-Length: {n}\r\n\r\n{body}"
)
BODY = "v=0\r\no=- 1 1 IN IP4 10.1.{i}.1\r\nc=IN IP4 10.1.{i}.2\r\na=candidate:1 1 udp 1 10.1.{i}.3 9 typ host\r\n"


@pytest.mark.parametrize("seed", range(4))
def test_sip_log_streams_as_whole(seed: int) -> None:
    rng = random.Random(seed)
    parts = []
    for i in range(1, 40):
        body = BODY.format(i=i)
        parts.append(SIP.format(i=i, n=len(body), body=body))
        if rng.random() < 0.3:
            parts.append(f"-- log line 10.9.9.{i}\r\n")
        if rng.random() < 0.2:  # no Content-Length: the body runs to the next start line
            parts.append(f"OPTIONS sip:a@10.6.6.{i} SIP/2.0\r\nVia: SIP/2.0/UDP 10.6.6.{i}\r\n\r\nbody 10.6.7.{i}\r\n")
    data = "".join(parts).encode()
    assert detect(data) == "sip"
    out = same(data)
    assert b"192.168.1." not in out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([*LINES, '{{"k": "v 10.0.0.{i}\\n"}}', '"', "\\", "\\n", '"x\\"y"', "%3A", "::"]), max_size=40
    ),
    st.integers(1, 50),
    st.booleans(),
)
def test_any_mix_streams_as_whole(parts: list[str], held: int, as_json: bool) -> None:
    text = "\n".join(p.format(i=i + 1) for i, p in enumerate(parts))
    if as_json:
        text = json.dumps({"log": text, "raw": parts}) + "\n" + text
    data = text.encode()
    if detect(data) == "sip":
        return
    expected = whole(data)
    assert streamed(data, 5, held) == expected


def test_large_documents_are_streamed_by_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``icecheck redact`` (a lower streaming threshold): same bytes as the whole path."""
    import icecheck.redact.files as files

    rng = random.Random(3)
    src = tmp_path / "dump.json"
    src.write_text(json.dumps({"log": log_text(rng, 400)}))
    expected = whole(src.read_bytes())
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 1000)
    out = tmp_path / "out.json"
    _reset()
    standins = StandIns()
    assert files.redact_file(str(src), str(out), standins, False) == "json"
    assert out.read_bytes() == expected


def test_a_nul_byte_in_a_large_text_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "log.txt"
    src.write_bytes(b"line 10.1.2.3\n" * (2 << 20) + b"\x00")
    proc = run_cli("redact", str(src), "-o", str(tmp_path / "out.txt"))
    assert proc.returncode == 2
    assert "format not understood" in proc.stderr
    assert not (tmp_path / "out.txt").exists()


def test_samples_stream_as_whole() -> None:
    docs = [p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".json", ".sdp", ".txt", ".log", ".har")]
    docs += [p for p in SAMPLES.rglob("*sip*") if p.is_file() and p.suffix not in (".pcap", ".pcapng", ".gz")]
    assert docs
    for path in docs:
        data = path.read_bytes()
        if not data.strip() or data[:2] == b"\x1f\x8b" or detect(data) not in ("json", "sip", "text"):
            continue
        assert streamed(data, 97, 300) == whole(data), path


_OLD_SCAN_STRING = re.compile(r'(?:[^"\\]+|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(['"', "\\", "n", "u", "0", "a", "F", "/", "x", "\n", "é"]), max_size=40),
    st.integers(0, 5),
)
def test_scan_string_pattern_matches_what_the_old_one_did(text: str, start: int) -> None:
    """``inputs.jsonstream._STRING`` (unrolled, possessive: bounded memory on a string of escapes)."""
    from icecheck.inputs.jsonstream import _STRING

    for end in (len(text), max(start, len(text) - 3)):
        old, new = _OLD_SCAN_STRING.match(text, start, end), _STRING.match(text, start, end)
        assert (old and old.span()) == (new and new.span())


SDP = (
    "v=0\r\na=ice-ufrag:Ab3d\r\na=ice-pwd:{pwd}\r\na=fingerprint:sha-256 3F:9A:C2:7E\r\n"
    "a=candidate:1 1 udp 1 10.0.0.{i} 9 typ host ufrag Ab3d\r\na=crypto:1 AES inline:{pwd}\r\n"
)


@pytest.mark.parametrize("as_json", [False, True])
def test_scrub_streams_as_whole(as_json: bool) -> None:
    """--scrub: secrets learned in the first pass, in raw JSON and in decoded strings: the same output
    as the whole path (secrets derived from the run's key, not drawn in the order met)."""
    text = "".join(SDP.format(i=i, pwd="p" * 20 + str(i)) for i in range(1, 30))
    data = (json.dumps({"sdp": text, "password": "hunter22", "ufrag": "Ab3d"}, indent=1) if as_json else text).encode()
    expected = whole(data, scrub=True)
    for chunk, held in ((7, 16), (64, 100)):
        out = streamed(data, chunk, held, scrub=True)
        assert out == expected
        for original in (b"Ab3d", b"hunter22", b"p" * 20, b"3F:9A:C2:7E", b"10.0.0."):
            assert original not in out and original not in expected


@pytest.mark.parametrize(
    ("data", "secret"),
    [
        (b'{"a": {"password": "ab\\/cd"}, "b": "x ab/cd y"}\n', "ab/cd"),  # PHP escapes / as \/
        (b'{"x": "ab/cd", "a": {"credential": "ab\\/cd"}}\n', "ab/cd"),  # met bare before its key
        (b'{"sdp": "a=ice-pwd:ab\\/cdefghijklmnopqrstuv\\r\\n", "log": "pwd ab/cdefghijklmnopqrstuv"}\n', "cdefgh"),
        (b'{"credential": "s3\\u0063ret-value"} then s3cret-value\n', "ret-value"),
        (b'{"iceServers": [{"urls": "turn:x", "username": "u", "credential": "p@ss#word!"}]}\n', "ss#word"),
        (b'{"user": "u", "password": "correct horse, battery staple"}\n', "horse"),
        (b'{"credential": "p@ss#word!"} then log: p@ss#word! (p@ss#word!) failed\n', "ss#word"),
        (b'{"password": "correct horse, battery staple"} then correct horse, battery staple!\n', "horse"),
    ],
)
def test_a_secret_written_with_json_escapes_or_any_character_is_scrubbed_whole(data: bytes, secret: str) -> None:
    """--scrub stopped a JSON secret at its first escape or at a character outside ICE's: ``ab\\/cd``
    became ``O+\\/cd`` (``cd`` kept), ``p@ss#word!`` kept ``@ss#word!`` (a space ended one too), and the bare recurrence
    ``ab/cd`` was not known. Secrets are now learned decoded, and replaced whole, streamed or not."""
    out = whole(data, scrub=True)
    assert secret.encode() not in out and b"\\u0063" not in out
    json.loads(out.split(b" then ")[0])  # still JSON
    for chunk, held in ((7, 16), (13, 40), (64, 100)):
        assert streamed(data, chunk, held, scrub=True) == out, (chunk, held)


def test_a_softphone_log_is_cut_after_its_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """baresip's log: each SIP message is followed by the softphone's own lines, never directly by the
    next start line. A stream was cut only before a start line, so a log past ``MAX_WHOLE`` (16 MiB:
    a long-running softphone's) was refused ("a SIP message at byte 0 runs more than 16 MiB ...");
    it is now cut after a message, with the same output as the whole document."""
    import icecheck.redact.docstream as docstream

    data = (SAMPLES / "captures" / "baresip-sip-trace.log").read_bytes() * 3
    assert detect(data) == "sip"
    expected = whole(data)
    monkeypatch.setattr(docstream, "MAX_WHOLE", 4000)
    for chunk, held in ((97, 300), (1000, 2000)):
        assert streamed(data, chunk, held) == expected, (chunk, held)
