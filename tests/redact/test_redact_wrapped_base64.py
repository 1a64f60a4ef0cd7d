"""Base64 wrapped over lines is rewritten in place (``redact.wrapped``): a SIP message whose SDP body is
base64 at 76 columns with CRLF, a MIME part of an e-mail, a JSON log whose string holds base64 with
``\\n`` escapes, a HAR body wrapped with ``\\r\\n`` escapes, a PEM-like block. Each is redacted (exit 0),
its output decodes to the redacted text, its layout (line widths, line breaks, padding) is kept, and no
original is left in any form: as text, nor in base64 at any of the 3 byte offsets, with the line breaks
taken out. What cannot be rewritten still fails closed, with one line naming the file and the line:
binary data or gzip holding an address, mixed widths or line breaks the new length cannot keep, a run
cut short. The output check reads such runs whatever their line breaks and first characters."""

from __future__ import annotations

import base64
import gzip
import io
import ipaddress
import json
import random
import re
from pathlib import Path

import pytest

from icecheck.redact import files
from icecheck.redact.selfcheck import identifiers, stream_identifiers
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli
from tests.redact.numbered import install
from tests.redact.test_docstream import _reset, streamed, whole

# An IPv4 address whose stand-in is longer (no stand-in has 8 characters), one of the same length, an
# IPv6 address written exploded, a global one compressed, MACs both ways and an mDNS name.
V4_SHORT, V4 = "10.1.2.3", "203.0.113.77"
V6_EXPLODED, V6 = "2a00:1450:4001:081b:0000:0000:0000:200e", "2001:4860:4860::8844"
MAC_COLON, MAC_DASH = "02:11:22:33:44:55", "02-aa-bb-cc-dd-ee"
NAME = "6f1c0ad4-5f52-4cb5-9a3e-0c5d3a1f2b77.local"
ORIGINALS = [V4_SHORT, V4, V6_EXPLODED, V6, MAC_COLON, MAC_DASH, NAME]

SDP = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 203.0.113.77\r\ns=-\r\nc=IN IP4 10.1.2.3\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=candidate:1 1 udp 2122260223 10.1.2.3 54321 typ host generation 0\r\n"
    "a=candidate:2 1 udp 2122262783 2a00:1450:4001:081b:0000:0000:0000:200e 54322 typ host\r\n"
    "a=candidate:3 1 udp 1686052607 203.0.113.77 61234 typ srflx raddr 10.1.2.3 rport 54321\r\n"
    "a=candidate:4 1 udp 2122194687 6f1c0ad4-5f52-4cb5-9a3e-0c5d3a1f2b77.local 54323 typ host\r\n"
    "a=x-peer-hw 02:11:22:33:44:55 via 2001:4860:4860::8844 and 02-aa-bb-cc-dd-ee\r\n"
)


@pytest.fixture(autouse=True)
def _numbered_names(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)


def forms(original: str) -> list[str]:
    """The ways the text redactor knows an original to be written."""
    if original.endswith(".local"):
        return [original, original.upper()]
    if re.fullmatch(r"[0-9a-f]{2}([:-][0-9a-f]{2}){5}", original):
        hexes = original.replace("-", "").replace(":", "")
        pairs = [hexes[i : i + 2] for i in range(0, 12, 2)]
        return [sep.join(pairs) if low else sep.join(pairs).upper() for sep in ":-" for low in (True, False)]
    addr = ipaddress.ip_address(original)
    if addr.version == 4:
        return [original]
    return [str(addr), addr.exploded, str(addr).upper(), addr.exploded.upper()]


def base64_forms(text: str) -> list[str]:
    """``text`` in base64 at each of the 3 byte offsets of a quantum: the characters it alone decides."""
    raw = text.encode()
    found = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + raw + bytes(3)).decode()
        found.append(encoded[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6])
    return found


def views(out: bytes) -> list[str]:
    """The output as text, and with every line break (raw or a JSON escape) taken out."""
    text = out.decode("utf-8", "surrogateescape")
    joined = re.sub(r"\r|\n|\\r|\\n", "", text)
    return [text, joined]


def assert_no_original(out: bytes, originals: list[str] = ORIGINALS) -> None:
    for view in views(out):
        for original in originals:
            for form in forms(original):
                assert form not in view, form
                for needle in base64_forms(form):
                    assert needle not in view, (form, needle)
    left = {i for i in identifiers(out)} & {i for o in originals for i in identifiers(o.encode())}
    assert not left


def redact(tmp_path: Path, name: str, data: bytes) -> tuple[int, bytes, str]:
    src, out = tmp_path / name, tmp_path / f"out-{name}"
    src.write_bytes(data)
    proc = run_cli("redact", str(src), "-o", str(out))
    return proc.returncode, (out.read_bytes() if out.exists() else b""), proc.stderr


def wrap(encoded: str, width: int, sep: str) -> str:
    return sep.join(encoded[i : i + width] for i in range(0, len(encoded), width))


def lines_of(block: str, sep: str) -> list[str]:
    assert block.count(sep) == block.count(sep[-1])  # one kind of line break only
    return block.split(sep)


def assert_layout(old: list[str], new: list[str]) -> None:
    """Lines as wide as the old ones were (the first, then the others), the last no wider."""
    assert len(new[0]) == len(old[0])
    width = len(old[1]) if len(old) > 2 else len(old[0])
    assert all(len(line) == width for line in new[1:-1])
    assert 0 < len(new[-1]) <= width
    assert new[-1].endswith("=") == old[-1].endswith("=")


def test_a_sip_message_with_a_base64_sdp_body_wrapped_at_76_with_crlf(tmp_path: Path) -> None:
    body = wrap(base64.b64encode(SDP.encode()).decode(), 76, "\r\n") + "\r\n"
    message = (
        "INVITE sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.9:5060;branch=z9hG4bK776\r\n"
        "Content-Type: application/sdp\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    )
    data = (message + "SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n").encode()
    code, out, err = redact(tmp_path, "invite.sip", data)
    assert code == 0, err
    text = out.decode()
    head, rest = text.split("\r\n\r\n", 1)
    length = int(re.search(r"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    new_body, after = rest[:length], rest[length:]
    assert after == "SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n"
    assert new_body.endswith("\r\n") and not new_body.endswith("\r\n\r\n")
    assert_layout(lines_of(body[:-2], "\r\n"), lines_of(new_body[:-2], "\r\n"))
    sdp = base64.b64decode(new_body).decode()
    assert sdp.count("a=candidate:") == 4 and "typ srflx raddr" in sdp and sdp.endswith("\r\n")
    assert "198.18.0.9" not in text
    assert_no_original(out)


def test_an_email_mime_part_in_base64(tmp_path: Path) -> None:
    note = "Call log\r\n" + SDP * 2 + "peer 203.0.113.77 over 2a00:1450:4001:081b:0000:0000:0000:200e\r\n"
    body = base64.encodebytes(note.encode()).decode().replace("\n", "\r\n")
    mail = (
        "From: alice@example.org\r\nSubject: call trace\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}--b1--\r\n"
    )
    code, out, err = redact(tmp_path, "mail.eml", mail.encode())
    assert code == 0, err
    text = out.decode()
    start, end = text.index("base64\r\n\r\n") + 10, text.index("--b1--")
    assert text[:start] == mail[: mail.index("base64\r\n\r\n") + 10] and text[end:] == "--b1--\r\n"
    assert_layout(lines_of(body[:-2], "\r\n"), lines_of(text[start : end - 2], "\r\n"))
    decoded = base64.b64decode(text[start:end]).decode()
    assert decoded.startswith("Call log\r\nv=0") and decoded.count("a=candidate:") == 8
    assert_no_original(out)


def test_a_json_log_whose_string_holds_base64_with_newline_escapes(tmp_path: Path) -> None:
    payload = wrap(base64.b64encode(SDP.encode()).decode(), 64, "\n")
    lines = [
        json.dumps({"t": 1, "msg": "offer received", "sdp_b64": payload}),
        json.dumps({"t": 2, "msg": "nothing in base64", "note": wrap(base64.b64encode(b"x" * 200).decode(), 64, "\n")}),
    ]
    data = ("\n".join(lines) + "\n").encode()
    assert "\\n" in lines[0]
    code, out, err = redact(tmp_path, "log.jsonl", data)
    assert code == 0, err
    first, second = out.decode().splitlines()
    assert second == lines[1]  # nothing to hide: byte for byte
    record = json.loads(first)
    assert first.count("\\n") == record["sdp_b64"].count("\n")  # the escapes are kept, no raw line feed
    assert_layout(payload.split("\n"), record["sdp_b64"].split("\n"))
    assert "a=candidate:4" in base64.b64decode(record["sdp_b64"]).decode()
    assert_no_original(out)


def test_a_har_whose_content_text_is_wrapped_base64(tmp_path: Path) -> None:
    text = wrap(base64.b64encode(SDP.encode()).decode(), 76, "\r\n") + "\r\n"
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {"method": "POST", "url": "https://example.org/offer"},
                    "response": {
                        "status": 200,
                        "content": {"mimeType": "application/sdp", "encoding": "base64", "text": text},
                    },
                }
            ],
        }
    }
    data = json.dumps(har, indent=2).encode()
    assert b"\\r\\n" in data
    code, out, err = redact(tmp_path, "call.har", data)
    assert code == 0, err
    new = json.loads(out)["log"]["entries"][0]["response"]["content"]["text"]
    assert new.endswith("\r\n")
    assert_layout(lines_of(text[:-2], "\r\n"), lines_of(new[:-2], "\r\n"))
    assert base64.b64decode(new).decode().count("a=candidate:") == 4
    assert out.decode().count("\n") == data.decode().count("\n")  # pretty-printed as it was
    assert_no_original(out)


def test_a_pem_like_block_at_64_columns_with_lf(tmp_path: Path) -> None:
    block = wrap(base64.b64encode((SDP * 3).encode()).decode(), 64, "\n")
    data = f"trace of the call\n-----BEGIN ICE TRACE-----\n{block}\n-----END ICE TRACE-----\n".encode()
    code, out, err = redact(tmp_path, "trace.pem", data)
    assert code == 0, err
    text = out.decode()
    new = text.split("-----BEGIN ICE TRACE-----\n")[1].split("\n-----END")[0]
    assert_layout(block.split("\n"), new.split("\n"))
    assert base64.b64decode(new).decode().count("v=0") == 3
    assert_no_original(out)


def test_mixed_widths_of_a_run_that_keeps_its_length_are_kept_exactly(tmp_path: Path) -> None:
    encoded = base64.b64encode(f"peer {V4} and {V4} again, long enough to span lines".encode() * 2).decode()
    widths = [40, 76, 52, 76, 1000]
    parts, at = [], 0
    for width in widths:
        parts.append(encoded[at : at + width])
        at += width
    data = ("body:\n" + "\r\n".join(parts) + "\n").encode()
    code, out, err = redact(tmp_path, "mixed.txt", data)
    assert code == 0, err
    new = out.decode()[len("body:\n") : -1].split("\r\n")
    assert [len(p) for p in new] == [len(p) for p in parts]  # a same-length stand-in: cut exactly as it was
    assert_no_original(out, [V4])


def test_an_address_across_a_line_break_is_rewritten_where_no_line_alone_holds_it(tmp_path: Path) -> None:
    payload = b"X" * 50 + b"a@203.0.113.77:5060\r\n" + b"Y" * 80  # bytes 52-63: across line 1's end (57)
    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    data = b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body + b"--b--\r\n"
    code, out, err = redact(tmp_path, "mime.txt", data)
    assert code == 0, err
    new = out.split(b"\r\n\r\n", 1)[1].split(b"--b--")[0]
    assert base64.b64decode(new) == payload.replace(b"203.0.113.77", base64.b64decode(new)[52:64])
    assert_no_original(out, [V4])


def test_secrets_in_a_wrapped_sdp_are_scrubbed(tmp_path: Path) -> None:
    sdp = SDP + "a=ice-ufrag:Fh3kq9\r\na=ice-pwd:Zx81mQ0aa7Lr2vPq9cXn4kTe\r\n"
    body = base64.encodebytes(sdp.encode()).decode()
    src, out = tmp_path / "offer.txt", tmp_path / "out.txt"
    src.write_text("offer:\n" + body)
    proc = run_cli("redact", "--scrub-secrets", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    decoded = base64.b64decode(out.read_text().split("\n", 1)[1]).decode()
    assert "a=ice-pwd:" in decoded and "Zx81mQ0aa7Lr2vPq9cXn4kTe" not in decoded and "Fh3kq9" not in decoded
    assert_no_original(out.read_bytes())


def test_a_last_line_that_only_looks_like_base64_is_left_to_the_text(tmp_path: Path) -> None:
    """An unpadded body (a multiple of 3 bytes) right before a start line: ``INVITE`` is read as no part
    of the run, and stays as it was."""
    payload = (SDP + "x" * (-len(SDP) % 3)).encode()
    body = base64.encodebytes(payload).decode()
    assert not body.rstrip().endswith("=")
    data = f"log\n{body}INVITE sip:bob@10.1.2.3 SIP/2.0\n".encode()
    code, out, err = redact(tmp_path, "log.txt", data)
    assert code == 0, err
    text = out.decode()
    assert text.startswith("log\n") and "\nINVITE sip:bob@" in text
    new = text[4 : text.index("INVITE")]
    assert [len(line) for line in new.split("\n")[:-2]] == [76] * (len(new.split("\n")) - 2)
    assert base64.b64decode(new).decode().count("a=candidate:") == 4
    assert_no_original(out)


@pytest.mark.parametrize("seed", range(6))
def test_random_wraps_are_rewritten_and_stream_as_whole(seed: int) -> None:
    """Runs of random widths (multiples of 4 or not), line breaks and padding among text lines: every
    run decodes to its redacted text, keeps its widths, and the streamed path gives the same bytes."""
    rng = random.Random(seed)
    parts, widths, texts = [], [], []
    for i in range(8):
        sep = rng.choice(["\n", "\r\n"])
        width = rng.choice([16, 30, 60, 64, 76, 77])
        text = "".join(rng.sample(SDP.splitlines(keepends=True), 4)) + "#" * rng.randrange(3)
        encoded = base64.b64encode(text.encode()).decode()
        encoded = encoded if rng.random() < 0.5 else encoded.rstrip("=")
        parts.append(f"record {i} at 10.0.{seed}.{i}{sep}" + wrap(encoded, width, sep) + sep)
        widths.append(width)
        texts.append(text)
    data = "".join(parts).encode()
    expected = whole(data)
    assert_no_original(expected)
    records = re.split(r"record \d+ at [\d.]+\r?\n", expected.decode())[1:]
    for record, width, text in zip(records, widths, texts, strict=True):
        lines = record.split("\r\n" if "\r\n" in record else "\n")[:-1]
        assert all(len(line) == width for line in lines[:-1]) and 0 < len(lines[-1]) <= width
        decoded = base64.b64decode("".join(lines) + "==").decode()
        assert [line[:2] for line in decoded.split("\r\n")] == [line[:2] for line in text.split("\r\n")]
    for chunk, held in ((7, 16), (64, 100)):
        assert streamed(data, chunk, held) == expected, (chunk, held)


# -- what still fails closed ------------------------------------------------------------------------


def refused(tmp_path: Path, name: str, data: bytes, line: int) -> str:
    code, out, err = redact(tmp_path, name, data)
    assert code == 2 and not out and not (tmp_path / f"out-{name}").exists(), err
    assert len(err.strip().splitlines()) == 1  # one line, no traceback
    assert str(tmp_path / name) in err and f"line {line}:" in err and "nothing written" in err, err
    return err


def test_base64_of_binary_data_holding_an_address_is_refused(tmp_path: Path) -> None:
    rng = random.Random(7)
    blob = rng.randbytes(300) + b"\x00peer=203.0.113.77\x00" + rng.randbytes(300)
    body = base64.encodebytes(blob).decode().replace("\n", "\r\n")
    data = f"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}--b--\r\n"
    err = refused(tmp_path, "blob.eml", data.encode(), 5)
    assert "binary data" in err


def test_base64_of_gzip_holding_an_address_is_refused(tmp_path: Path) -> None:
    body = wrap(base64.b64encode(gzip.compress(SDP.encode(), mtime=0)).decode(), 76, "\n")
    err = refused(tmp_path, "gz.txt", f"first\nsecond\n{body}\nend\n".encode(), 3)
    assert "gzip" in err


def test_mixed_widths_that_the_new_length_cannot_keep_are_refused(tmp_path: Path) -> None:
    encoded = base64.b64encode(f"peer {V4_SHORT} across the lines of a long enough text to wrap".encode()).decode()
    parts = [encoded[:20], encoded[20:44], encoded[44:60], encoded[60:]]  # 20, 24, 16, rest
    err = refused(tmp_path, "mixed.txt", ("one\n" + "\n".join(parts) + "\n").encode(), 2)
    assert "mixed widths" in err


def test_mixed_line_breaks_that_the_new_length_cannot_keep_are_refused(tmp_path: Path) -> None:
    encoded = base64.b64encode(f"peer {V4_SHORT} across the lines of a long enough text to wrap".encode()).decode()
    parts = [encoded[i : i + 20] for i in range(0, len(encoded), 20)]
    text = parts[0] + "\r\n" + parts[1] + "\n" + "\r\n".join(parts[2:])
    err = refused(tmp_path, "breaks.txt", ("a\nb\n" + text + "\n").encode(), 3)
    assert "mixed line breaks" in err


def test_a_run_cut_short_is_refused(tmp_path: Path) -> None:
    payload = b"X" * 50 + b"a@203.0.113.77:5060 " + b"Y" * 80
    encoded = base64.b64encode(payload).decode()
    cut = encoded[:86]  # two lines: 76 characters, then 10 (the last quantum cut: no canonical encoding)
    assert base64.b64encode(base64.b64decode(cut + "==")).decode() != cut + "=="
    data = ("x\n" + cut[:76] + "\n" + cut[76:] + "\n").encode()
    assert "203.0.113.77" in identifiers(data)
    err = refused(tmp_path, "cut.txt", data, 2)
    assert "no canonical encoding" in err


# -- the output check --------------------------------------------------------------------------------


def test_the_check_reads_base64_wrapped_with_json_escapes() -> None:
    payload = b"X" * 50 + b"a@203.0.113.77:5060 " + b"Y" * 80
    literal = json.dumps({"b": base64.encodebytes(payload).decode()}).encode()
    assert b"\\n" in literal
    assert "203.0.113.77" in identifiers(literal)


@pytest.mark.parametrize("lead", ["x", "xy", "xyz"])
def test_the_check_reads_a_wrapped_run_from_any_first_character(lead: str) -> None:
    """A run glued to 1 to 3 characters that are no part of it: the address is read at every offset."""
    payload = b"X" * 50 + b"a@203.0.113.77:5060 " + b"Y" * 80
    data = b"head " + lead.encode() + base64.encodebytes(payload)
    assert "203.0.113.77" in identifiers(data)


def test_the_check_reads_a_run_whose_last_line_only_looks_like_base64() -> None:
    payload = b"X" * 50 + b"a@203.0.113.77:5060 " + b"Y" * 101
    body = base64.encodebytes(payload)  # no padding (150 bytes): "SIP" follows the last line
    assert not body.rstrip().endswith(b"=")
    assert "203.0.113.77" in identifiers(body + b"SIP/2.0 200 OK\r\n")


@pytest.mark.parametrize("chunk", [300, 1000, 4096])
def test_the_streamed_check_reads_every_address_of_a_run_longer_than_a_piece(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The check's pieces cut a long wrapped run between two lines, the next one starting some lines
    before: no byte is skipped, and an address across a cut is read whole in the next piece."""
    import icecheck.redact.selfcheck as selfcheck

    payload = b"".join(b"peer 10.%d.%d.7 " % (i % 200, i // 200) for i in range(3000))
    data = b"head\n" + base64.encodebytes(payload) + b"end\n"
    monkeypatch.setattr(selfcheck, "CHUNK", chunk)
    found = stream_identifiers(lambda: io.BytesIO(data))
    assert {f"10.{i % 200}.{i // 200}.7" for i in range(3000)} <= set(found)


# -- streamed ----------------------------------------------------------------------------------------


# ``whole`` and ``streamed`` (and ``_reset``) are test_docstream's: the same two paths, compared the same way.


def _documents() -> list[bytes]:
    rng = random.Random(11)
    blocks = []
    for i in range(12):
        text = SDP.replace("54321", str(50000 + i)) * rng.randint(1, 3)
        sep = rng.choice(["\n", "\r\n"])
        blocks.append(f"entry {i} peer 10.9.8.{i}{sep}" + wrap(base64.b64encode(text.encode()).decode(), 76, sep) + sep)
    log = "".join(blocks)
    records = "".join(json.dumps({"i": i, "b64": wrap(base64.b64encode(SDP.encode()).decode(), 64, "\n")}) + "\n"
                      for i in range(6))  # fmt: skip
    return [log.encode(), records.encode()]


@pytest.mark.parametrize("index", [0, 1])
def test_a_streamed_document_rewrites_each_run_as_the_whole_path_does(index: int) -> None:
    data = _documents()[index]
    expected = whole(data)
    assert_no_original(expected)
    for chunk, held in ((7, 16), (64, 100), (1000, 300), (1 << 20, 1 << 20)):
        assert streamed(data, chunk, held) == expected, (chunk, held)


def test_a_large_document_is_streamed_by_the_cli_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _documents()[0]
    expected = whole(data)
    src, out = tmp_path / "log.txt", tmp_path / "out.txt"
    src.write_bytes(data)
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 1000)

    def no_memory(*_args: object) -> str:
        raise AssertionError("held in memory")

    monkeypatch.setattr(files, "_in_memory", no_memory)
    _reset()
    assert files.redact_file(str(src), str(out), StandIns(), False) == "text"
    assert out.read_bytes() == expected


def test_a_streamed_refusal_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    blob = base64.encodebytes(rng.randbytes(200) + b"\x00host 203.0.113.77\x00" + rng.randbytes(200)).decode()
    data = ("filler line\n" * 200 + blob + "after\n").encode()
    src, out = tmp_path / "log.txt", tmp_path / "out.txt"
    src.write_bytes(data)
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 1000)
    with pytest.raises(files.RedactError, match="line 201: base64 wrapped over lines decodes to binary data"):
        files.redact_file(str(src), str(out), StandIns(), False)
    assert not out.exists()
