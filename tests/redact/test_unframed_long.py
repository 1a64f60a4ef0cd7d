"""Two long stretches a streamed document refused though they can be redacted in pieces (fail closed, but
a user with a real file got nothing):

- a SIP message with no Content-Length whose body (RFC 3261 §18.3 over a stream: up to the next start
  line) is longer than a streamed document may hold: its body is now redacted as a streamed text
  document is (a wrapped base64 run in it read on as a ``longrun.LongRun``), then its head;
- a wrapped base64 run in a JSON string whose lines hold ``\\/`` escapes (PHP, Go and others write ``/``
  so) besides its ``\\n`` line breaks: now read on as a ``LongRun`` too, written again with ``\\/``.

Each was refused ("runs more than N MiB characters"). The streamed output is the document redacted
whole, byte for byte; through the command, the output check passes. What still cannot be read in pieces
is still refused (binary data, a run whose ``/`` are written both ways, a line that may yet become a
start line). Bounds lowered as in ``test_wrapped_long`` (``docstream.MAX_WHOLE``, the bound itself, not
what is tested); ``benchmarks/bench_wrapped.py`` runs both at 20 and 150 MB."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

import icecheck.redact.docstream as docstream
from icecheck.redact.archive import RedactError
from tests.redact.numbered import install
from tests.redact.test_docstream import streamed, whole
from tests.redact.test_redact_wrapped_base64 import assert_no_original, wrap

BOUND = 20_000
PEERS = ["10.200.0.1", "10.200.0.2", "10.200.0.3", "10.200.0.4"]


@pytest.fixture(autouse=True)
def _small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    monkeypatch.setattr(docstream, "MAX_WHOLE", BOUND)


def _sdp(n: int) -> str:
    return "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ\r\n" for i in range(n))


def _log(body: str, extra_head: str = "", tail: str = "BYE sip:bob@10.200.0.2 SIP/2.0\r\n") -> bytes:
    """A SIP log whose INVITE has no Content-Length: its body runs to the next start line (``tail``)."""
    return (
        "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n\r\n"
        "INVITE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n"
        f"Content-Type: application/sdp\r\n{extra_head}\r\n{body}{tail}"
        "Via: SIP/2.0/UDP 10.200.0.3:5060\r\n\r\n"
        "softphone: call ended with 10.200.0.4\r\n"
    ).encode()


def _same(data: bytes, scrub: bool = False) -> bytes:
    expected = whole(data, scrub)
    for chunk, held in ((4096, 2000), (1 << 16, 5000), (7, 5000)):
        assert streamed(data, chunk, held, scrub) == expected, (chunk, held)
    return expected


def _body(out: bytes, tail: str = "BYE ") -> str:
    text = out.decode()
    head, rest = text.split("INVITE ", 1)[1].split("\r\n\r\n", 1)
    assert "Content-Length" not in head and "10.200.0.1" not in head
    return rest.split(tail, 1)[0]


@pytest.mark.parametrize("urlsafe", [False, True])
def test_an_unframed_base64_body_past_the_bound_is_rewritten_as_whole(urlsafe: bool) -> None:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(_sdp(1000).encode()).decode()
    body = wrap(encoded, 76, "\r\n") + "\r\n"
    assert len(body) > 3 * BOUND
    out = _same(_log(body, "Content-Transfer-Encoding: base64\r\n"))
    new = _body(out)
    lines = new.split("\r\n")[:-1]
    assert all(len(line) == 76 for line in lines[:-1])
    decoded = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)("".join(lines)).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)
    assert_no_original(out, PEERS)


def test_an_unframed_text_body_past_the_bound_is_redacted_as_whole() -> None:
    out = _same(_log(_sdp(1500)))
    assert _body(out).count("a=candidate:") == 1500 and "10.9." not in out.decode()
    assert_no_original(out, PEERS)


def test_lines_that_only_begin_like_a_start_line_stay_in_the_body() -> None:
    """``SIP/2.0 2001`` (four digits), ``BYE`` alone, ``INVITE sip:x`` with no version: no start line
    (``sip.SIP_START``); cut anywhere (chunks of 7 characters), each is read on as the body's text."""
    tricky = "SIP/2.0 2001 at 10.9.9.1\r\nBYE\r\nINVITE sip:carol@10.9.9.2 SIP/2.1\r\nSIP/2.0\r\nNOTE 10.9.9.3\r\n"
    body = _sdp(600) + tricky + _sdp(600)
    out = _same(_log(body))
    new = _body(out, "BYE sip:")
    assert new.count("a=candidate:") == 1200 and "SIP/2.0 2001 at " in new and "\r\nBYE\r\nINVITE sip:carol@" in new
    assert not re.search(r"10\.9\.", out.decode())


def test_an_unframed_body_that_runs_to_the_end_of_the_document() -> None:
    data = _log(_sdp(1500), tail="")
    data = data[: data.index(b"Via: SIP/2.0/UDP 10.200.0.3")]
    out = _same(data)
    assert out.decode().count("a=candidate:") == 1500 and "10.9." not in out.decode()


def test_a_framed_message_after_an_unframed_body_keeps_its_content_length() -> None:
    tail = "MESSAGE sip:bob@10.200.0.2 SIP/2.0\r\nContent-Length: 15\r\n\r\nhi 10.200.0.3\r\nBYE sip:x SIP/2.0\r\n"
    out = _same(_log(_sdp(1500), tail=tail))
    message = out.decode().split("MESSAGE ", 1)[1]
    length = int(re.search(r"Content-Length: (\d+)", message).group(1))  # type: ignore[union-attr]
    assert message.split("\r\n\r\n", 1)[1].encode()[length:].startswith(b"BYE ")


def test_an_unframed_body_of_uuids_is_read_as_text() -> None:
    import uuid

    ids = [str(uuid.UUID(int=i * 7919 + 1, version=4)) for i in range(1500)]
    out = _same(_log("\r\n".join(ids) + "\r\nc=IN IP4 10.9.9.9\r\n"))
    assert _body(out).split("\r\n")[:-2] == ids and "10.9.9.9" not in out.decode()


def test_secrets_of_an_unframed_body_are_scrubbed_as_whole() -> None:
    body = "a=ice-ufrag:Fh3kq9\r\na=ice-pwd:Zx81mQ0aa7Lr2vPq9cXn4kTe\r\n" + _sdp(1200)
    out = _same(_log(body) + b"note: ufrag Fh3kq9 again\r\n", scrub=True)
    assert "Zx81mQ0aa7Lr2vPq9cXn4kTe" not in out.decode() and "Fh3kq9" not in out.decode()


def test_an_unframed_body_of_binary_data_holding_an_address_is_still_refused() -> None:
    """Base64 of binary data cannot be rewritten in place (``wrapped``): held, and past the bound refused."""
    import random

    rng = random.Random(9)
    blob = rng.randbytes(20_000) + b"\x00host 203.0.113.77\x00" + rng.randbytes(20_000)
    data = _log(wrap(base64.b64encode(blob).decode(), 76, "\r\n") + "\r\n", "Content-Transfer-Encoding: base64\r\n")
    with pytest.raises(RedactError, match="runs more than"):
        streamed(data, 4096, 2000)


def test_a_line_that_may_still_become_a_start_line_is_held_and_refused_past_the_bound() -> None:
    """``A `` and a token with no space could yet become ``A <uri> SIP/2.0``: not given to the body (its
    commas are places a text may be cut at: a body held whole would be refused past the bound as well)."""
    data = _log(_sdp(600) + "A " + "x," * BOUND + "\r\n" + _sdp(10))
    with pytest.raises(RedactError, match="may still become the next message's start line"):
        streamed(data, 4096, 2000)


def _json_line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False).replace("/", "\\/") + "\n"


@pytest.mark.parametrize("sep", ["\n", "\r\n"])
@pytest.mark.parametrize("lead", ["", "see /v1/trace from 10.1.2.4\n"])
def test_a_run_with_escaped_solidi_in_a_json_string_is_rewritten_with_them(sep: str, lead: str) -> None:
    text = "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ~?>\n" for i in range(1000))
    run = wrap(base64.b64encode(text.encode()).decode(), 76, sep)
    assert len(run) > 3 * BOUND and run.count("/") > 300
    data = (_json_line({"a": "10.1.2.3 /x"}) + _json_line({"t": 1, "b64": f"{lead}{run}{sep}after 10.1.2.5"})
            + _json_line({"z": "/"})).encode()  # fmt: skip
    out = _same(data)
    line = out.decode().splitlines()[1]
    assert "/" not in line.replace("\\/", "")  # every ``/`` still escaped
    value = json.loads(line)["b64"]
    new = value.split("\n", 1)[1] if lead else value
    lines = new.rsplit(sep + "after ", 1)[0].split(sep)
    assert all(len(x) == 76 for x in lines[:-1])
    decoded = base64.b64decode("".join(lines)).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)
    assert_no_original(out, ["10.1.2.3", "10.1.2.4", "10.1.2.5"])


def test_a_run_with_escaped_solidi_that_nothing_changes_is_kept_byte_for_byte() -> None:
    text = "".join(f"line {i} of a trace µ~?>\n" for i in range(3000))
    run = wrap(base64.b64encode(text.encode()).decode(), 76, "\n")
    data = (_json_line({"a": "10.1.2.3"}) + _json_line({"b64": run})).encode()
    assert len(run) > 3 * BOUND
    out = _same(data)
    assert out.split(b"\n")[1] == data.split(b"\n")[1]


def test_a_run_whose_solidi_are_escaped_in_part_is_still_refused() -> None:
    """A run whose ``/`` are written both ways (no encoder writes it so) is not read on: held, refused
    past the bound (fail closed)."""
    text = "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ~?>\n" for i in range(1000))
    run = wrap(base64.b64encode(text.encode()).decode(), 76, "\n")
    half = len(run) // 2
    record = json.dumps({"b64": run}).replace("/", "\\/")
    record = record[:half] + record[half:].replace("\\/", "/")
    with pytest.raises(RedactError, match="runs more than"):
        streamed((record + "\n").encode(), 4096, 2000)


@pytest.mark.parametrize("kind", ["sip-base64", "sip-sdp", "json-solidus"])
def test_the_command_redacts_both_and_its_output_check_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Through ``icecheck redact`` (bounds lowered, the document streamed): exit 0, the output checked
    (``selfcheck``) and written, no original left in any view of it."""
    from click.testing import CliRunner

    from icecheck.cli import cli
    from icecheck.redact import files

    monkeypatch.setattr(files, "STREAM_DOCUMENT", 100)
    monkeypatch.setattr(docstream, "MAX_HELD", 5000)
    monkeypatch.setattr(docstream, "CHUNK", 4096)  # in one piece, a document is redacted whole
    text = "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ~?>\r\n" for i in range(1000))
    run = wrap(base64.b64encode(text.encode()).decode(), 76, "\r\n")
    if kind == "json-solidus":
        data = (_json_line({"a": "10.200.0.1"}) + _json_line({"b64": run + "\r\nby 10.200.0.2"})).encode()
    else:
        data = _log(run + "\r\n", "Content-Transfer-Encoding: base64\r\n") if kind == "sip-base64" else _log(text)
    src, out = tmp_path / f"in-{kind}", tmp_path / f"out-{kind}"
    src.write_bytes(data)
    result = CliRunner().invoke(cli, ["redact", "--offline", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    redacted = out.read_bytes()
    if kind == "json-solidus":
        assert redacted.count(b"\\/") > 250 and b"/" not in redacted.replace(b"\\/", b"")
    else:
        assert b"\r\nBYE sip:" in redacted and b"Content-Length" not in redacted
    assert_no_original(redacted, [*PEERS, "10.9.0.7", "10.9.249.7"])
