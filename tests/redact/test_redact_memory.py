"""Bounded memory of a redaction run (issue 11 item 5: any input of 200 MB under 300 MB RSS),
tested with the limits lowered in one place, never by timing or measuring memory:
- the output check reads a long printable run (a whole document on one line) in pieces of about
  ``selfcheck.SOFT_CARRY`` bytes, cut before a separator, and finds exactly what it finds in the whole
  run; with no separator it cuts after a byte outside base64's alphabets, so a base64 run is not cut;
- mDNS names and secrets live in the run's spilling tables (``table.Table``), as addresses do, and a
  secret recurring as a bare token is replaced the same way whether one regular expression of all the
  secrets finds it or the lookups past ``text.SECRET_PATTERN`` do."""

from __future__ import annotations

import base64
import functools
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import limits, table
from icecheck.redact import selfcheck, text
from icecheck.redact import standins as standins_module
from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import identifiers, pieces, stream_identifiers
from icecheck.redact.standins import StandIns
from tests.redact.numbered import install


@pytest.fixture(autouse=True)
def _numbered(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selfcheck, "CHUNK", 64)
    monkeypatch.setattr(selfcheck, "SOFT_CARRY", 128)
    monkeypatch.setattr(selfcheck, "MAX_CARRY", 1024)
    monkeypatch.setattr(selfcheck, "OVERLAP", 64)


def _one_line(n: int) -> bytes:
    rng = random.Random(n)
    words = ["peer 10.1.2.3", "10%2E9%2E8%2E7", "via fe80::1:2", "hw 02:11:22:33:44:55", "h-1.local", "x",
             "&#46;", "\\u002e", "2a00%3A1450%3A%3A1", "product/1.2.3.4", "10.1.2", "=", ";", "%"]  # fmt: skip
    out = []
    for _ in range(n):
        word = rng.choice(words)
        if rng.random() < 0.05:
            word = base64.b64encode(f"host 10.{rng.randint(0, 255)}.3.{rng.randint(0, 255)} ok".encode()).decode()
        out.append(word + rng.choice(["", "", " ", ",", "(", ".", ":", '"', "@", "a"]))
    return "".join(out).encode()


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("seed", range(40))
def test_a_long_line_is_read_in_small_pieces_that_find_what_the_whole_does(seed: int) -> None:
    data = _one_line(300 + seed * 7)
    assert b"\n" not in data and len(data) > 2000
    cut = list(pieces(io.BytesIO(data)))
    assert b"".join(cut) == data  # cut before separators: nothing read twice, nothing lost
    assert max(map(len, cut)) <= selfcheck.SOFT_CARRY + 2 * selfcheck.CHUNK
    assert set(stream_identifiers(lambda: io.BytesIO(data))) == identifiers(data)


@pytest.mark.usefixtures("small_pieces")
def test_a_base64_run_in_a_long_run_without_separators_is_not_cut() -> None:
    """No separator for ``MAX_CARRY`` bytes (``&`` and ``;`` are parts of encodings): the cut falls after
    a byte outside base64, so the run holding an address is decoded whole, at its own alignment."""
    hidden = base64.b64encode(b"x" * 150 + b" relay at 10.77.88.99 port 3478 " + b"y" * 150).decode()
    missed = []
    for pad in range(0, 1200, 5):
        data = ("a&b;" * 200 + "a&" * (pad // 2) + "q&" + hidden + "&" + "c;d&" * 400).encode()
        assert "10.77.88.99" in identifiers(data)
        if "10.77.88.99" not in set(stream_identifiers(functools.partial(io.BytesIO, data))):
            missed.append(pad)
    assert not missed


def _redact(data: bytes, monkeypatch: pytest.MonkeyPatch, spill: bool, pattern: int) -> tuple[bytes, StandIns]:
    import icecheck.redact.standins as module

    module.uuid.n = 0  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:
        if spill:
            patch.setattr(limits, "IN_MEMORY", 1)
            patch.setattr(standins_module, "TABLES_HOLD", 1)
            patch.setattr(table, "BATCH", 3)
        patch.setattr(text, "SECRET_PATTERN", pattern)
        standins = StandIns()
        return redact_document(data, standins, scrub=True)[0], standins


def _names_and_secrets(n: int) -> bytes:
    lines = []
    for i in range(n):
        lines += [f"a=candidate:{i} 1 udp 1 h{i}-x.local 5000 typ host", f"a=ice-ufrag:uf{i:04x}",
                  f"a=ice-pwd:pw{i:022x}", f"log: remote uf{i:04x}:uf{(i + 1) % n:04x} pw{i:022x}.",
                  f"again H{i}-X.local"]  # fmt: skip
    return "\n".join(lines).encode()


def test_names_and_secrets_spill_and_give_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _names_and_secrets(120)
    held, held_standins = _redact(data, monkeypatch, spill=False, pattern=10_000)
    spilled, standins = _redact(data, monkeypatch, spill=True, pattern=10_000)
    looked_up, _ = _redact(data, monkeypatch, spill=True, pattern=0)
    assert spilled == held == looked_up
    assert standins.counts() == held_standins.counts() == {"addresses": 0, "macs": 0, "names": 120, "secrets": 240}
    originals = (
        [f"h{i}-x.local" for i in range(120)] + [f"uf{i:04x}" for i in range(120)] + [f"pw{i:022x}" for i in range(120)]
    )
    assert not [o for o in originals if o.encode() in held.lower()]
    assert held_standins.in_memory() >= 480  # names, secrets and their stand-ins, all held
    assert standins.in_memory() <= 7 * table.BATCH  # each table keeps fewer than BATCH keys once spilled


_SECRET_CHARS = "ab0+/=._:-@ #!ä"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(_SECRET_CHARS, min_size=3, max_size=7), min_size=1, max_size=6),
    st.lists(st.integers(0, 20), max_size=40),
)
def test_recurring_secrets_by_lookup_are_those_the_pattern_finds(secrets: list[str], picks: list[int]) -> None:
    """``text._recurring`` (past ``SECRET_PATTERN``) replaces what the regular expression does, secrets
    holding characters outside ICE's (``@``, a space) included."""
    fillers = ["a", " ", ".", ":", "b0", "=", "x y", "/", "-", "@", "#a", "! "]
    words = secrets + fillers
    sample = "".join(words[i % len(words)] for i in picks)
    standins = StandIns()
    for secret in secrets:
        standins.secret(secret)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "SECRET_PATTERN", 10_000)
        by_pattern = text.replace_known_ufrags(sample, standins)
        patch.setattr(text, "SECRET_PATTERN", 0)
        assert text.replace_known_ufrags(sample, standins) == by_pattern


@pytest.mark.parametrize(
    ("name", "data", "what", "at"),
    [
        ("one.log", b"ok 10.1.2.3\n" * 50 + b"x" * 3000 + b"\n", "a line", 599),
        ("body.har", b'{"log": {"entries": [\n' + b'{"text": "' + base64.b64encode(b"10.9.9.9 " * 400) + b'"}]}}\n',
         "a line", 22),
        ("call.sip", b"INVITE sip:b@10.0.0.1 SIP/2.0\r\n"  # no blank line: the message is held whole
         + b"a=candidate:1 1 udp 1 10.1.1.1 9 typ host\r\n" * 100, "a SIP message", 0),
    ],
)  # fmt: skip
def test_an_uncuttable_stretch_is_refused_in_one_line_naming_file_and_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, what: str, at: int
) -> None:
    """Past ``docstream.MAX_WHOLE`` (lowered here) with no safe cut: exit 2, nothing written, one line
    that names the file and the byte offset where the stretch starts."""
    from click.testing import CliRunner

    from icecheck.cli import cli
    from icecheck.redact import docstream, files

    monkeypatch.setattr(files, "STREAM_DOCUMENT", 100)
    monkeypatch.setattr(docstream, "CHUNK", 64)
    monkeypatch.setattr(docstream, "MAX_HELD", 500)
    monkeypatch.setattr(docstream, "MAX_WHOLE", 2000)
    src, out = tmp_path / name, tmp_path / f"out-{name}"
    src.write_bytes(data)
    result = CliRunner().invoke(cli, ["redact", str(src), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"icecheck: {src}: cannot redact: {what} at byte {at} runs more than ")
    assert lines[0].endswith("; nothing written")


def _odd_password(i: int) -> str:
    return [f"p@ss#word!{i}", f"correct horse {i}", f"pässwörd-{i}", f"{i}$ {i}&x", f"@lead{i}~"][i % 5]


def _many_secrets(n: int, as_json: bool) -> tuple[bytes, list[str]]:
    """``n`` passwords, one in seven holding a character outside ICE's, each recurring bare before and
    after the key that names it (in a JSON string or in text between JSON lines)."""
    odd = [_odd_password(i) for i in range(0, n, 7)]
    passwords = [_odd_password(i) if i % 7 == 0 else f"pw{i:04d}plain" for i in range(n)]
    mentions = [f"login with {odd[k]} failed ({k}), again:{odd[-1 - k]}" for k in range(len(odd))]
    if as_json:
        doc = {"before": mentions, "users": [{"user": f"u{i}", "password": pw} for i, pw in enumerate(passwords)],
               "after": mentions[::-1]}  # fmt: skip
        return json.dumps(doc, indent=1).encode(), odd
    lines = [*mentions, *(json.dumps({"user": f"u{i}", "password": pw}) for i, pw in enumerate(passwords)), *mentions]
    return "\n".join(lines).encode(), odd


@pytest.mark.parametrize("anchors", ["one pattern", "looked up"])
@pytest.mark.parametrize("as_json", [False, True])
def test_past_the_pattern_a_password_of_any_characters_is_replaced_where_it_recurs(
    monkeypatch: pytest.MonkeyPatch, as_json: bool, anchors: str
) -> None:
    """More than ``SECRET_PATTERN`` secrets: a bare recurrence of a password holding ``@``, ``#``, a
    space or a letter outside ASCII was missed (looked up only among runs of ICE's characters); it is
    found by its first characters (``StandIns.odd_starts``, or past ``SECRET_PATTERN`` of them, by
    ``StandIns.odd_anchor`` at each place), read whole and streamed in pieces."""
    from tests.redact.test_docstream import streamed, whole

    if anchors == "looked up":
        monkeypatch.setattr(text, "SECRET_PATTERN", 10)
    data, odd = _many_secrets(400, as_json)
    out = whole(data, scrub=True)
    assert not [pw for pw in odd if pw.encode() in out or json.dumps(pw)[1:-1].encode() in out]
    assert b"pw0001plain" not in out and out.count(b"login with ") == 2 * len(odd)
    for chunk, held in ((7, 16), (13, 40), (300, 500), (1 << 20, 1 << 20)):
        assert streamed(data, chunk, held, scrub=True) == out, (chunk, held)
    with pytest.MonkeyPatch.context() as patch:  # the anchors spill to SQLite as the secrets do
        patch.setattr(limits, "IN_MEMORY", 1)
        patch.setattr(standins_module, "TABLES_HOLD", 1)
        patch.setattr(table, "BATCH", 3)
        assert whole(data, scrub=True) == out


@pytest.mark.parametrize(
    ("head", "scrub", "where"),
    [
        (b"", False, "at byte 6"),
        (b'{"password": "s3\\u0063ret", "x": "10.1.2.3"}\n', True, "at byte 51"),  # scrubbed in an earlier piece
        (b'{"password": "s3\\u0063r\xc3\xa9t", "q": "', True, "after byte 0"),  # in the same piece: moved
    ],
)
def test_a_json_string_with_no_cut_is_refused_naming_its_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head: bytes, scrub: bool, where: str
) -> None:
    """A literal the reader could cut (before raw tabs) that the JSON stream cannot (a raw tab is no cut
    inside a string) was refused with no byte offset; the offset is its opening quote's, or the start
    of the piece it is in when a secret scrubbed before it in that piece changed the piece's size."""
    from click.testing import CliRunner

    from icecheck.cli import cli
    from icecheck.redact import docstream, files

    monkeypatch.setattr(files, "STREAM_DOCUMENT", 100)
    monkeypatch.setattr(docstream, "CHUNK", 64)
    monkeypatch.setattr(docstream, "MAX_HELD", 500)
    monkeypatch.setattr(docstream, "MAX_WHOLE", 2000)
    body = (b"x" * 50 + b"\t") * 100 + b'"}\n'
    data = head + body if head.endswith(b'"') else head + b'{"k": "' + body
    src, out = tmp_path / "a.json", tmp_path / "out.json"
    src.write_bytes(data)
    result = CliRunner().invoke(cli, ["redact", str(src), "-o", str(out), *(["--scrub-secrets"] if scrub else [])])
    assert result.exit_code == 2 and not out.exists()
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"icecheck: {src}: cannot redact: a JSON string {where} runs more than "), line


@pytest.mark.parametrize("scrub", [False, True])
def test_json_outside_literals_with_no_cut_is_refused_naming_its_byte(
    monkeypatch: pytest.MonkeyPatch, scrub: bool
) -> None:
    """Text between two literals longer than ``MAX_WHOLE`` with no cut (``[[[…``): the reader refuses it
    first as "a line"; fed to the JSON stream in pieces directly, the stream refuses it and names the
    byte where that text starts (after a scrubbed secret written with an escape, in an earlier piece)."""
    from icecheck.redact import docstream
    from icecheck.redact.archive import RedactError

    monkeypatch.setattr(docstream, "MAX_WHOLE", 2000)
    standins = StandIns()
    first = '[{"password": "s3\\u0063ret"}'  # 28 bytes; scrubbed, 5 fewer
    if scrub:
        text.learn_secrets(first, standins)
    stream = docstream._JsonStream(lambda _: None, standins, scrub, 500, None)
    stream.feed(first)
    stream.feed(', "a"')  # the text outside literals starts after it, at byte 33
    with pytest.raises(RedactError, match=r"a stretch of JSON outside string literals at byte 33 runs more than "):
        for _ in range(30):
            stream.feed("[" * 100)


def test_a_document_the_check_cannot_list_whole_is_streamed() -> None:
    """A document held in memory is listed by the output check into sets (``selfcheck.identifiers``),
    past ``LISTED_WHOLE`` as a stream but held whole all the same: so one larger than that is redacted as
    a stream (16 MB of distinct IPv6 addresses peaked at 426 MB held, 80 MB streamed;
    ``benchmarks/bench_redact_shapes.py v6lines``)."""
    from icecheck.redact import files, selfcheck

    assert files.STREAM_DOCUMENT <= selfcheck.LISTED_WHOLE
