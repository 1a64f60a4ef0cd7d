"""A line of a wrapped base64 run read alone starts inside whatever its bytes encode: the output check
read the tail of an mDNS name cut there (``1.local`` of ``….e1a5cc457821.local``) as a name of its own.
A stand-in name cut at the same place with the same last character read alike, so the check refused
a redaction with nothing left in it (exit 3, about one run in six of a MIME body of host candidates).
The lines of a run whose joined reading decodes are now read only joined; lines that are not whole
quanta (read alone, they decode to other bytes) are still read alone too.
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.redact.selfcheck import identifiers, survivors


def _mime(text: str, width: int = 76) -> bytes:
    encoded = base64.b64encode(text.encode()).decode()
    return ("Content-Transfer-Encoding: base64\n\n" + "\n".join(textwrap.wrap(encoded, width)) + "\n\n").encode()


def _cut_before_tail(name: str) -> str:
    """An SDP line (after a line of padding) in which the last character of ``name`` before ``.local``
    is the first byte a 76-character line encodes (of 57: byte 114, the third line's first)."""
    head = "a=candidate:1 1 udp 2122260223 "
    pad = "x" * (114 - 2 - len(head) - len(name) + len("1.local")) + "\r\n"
    return pad + head + name + " 5000 typ host\r\n"


ORIGINAL = "935ddd72-5129-fb7c-6288-e1a5cc457821.local"
STAND_IN = "0c5ad0f1-6f4b-4b8e-9a51-3c2d1e0f9a71.local"  # also ends in 1, cut at the same byte


def test_a_stand_in_cut_where_the_original_was_is_no_survivor() -> None:
    original, redacted = _mime(_cut_before_tail(ORIGINAL)), _mime(_cut_before_tail(STAND_IN))
    third = original.split(b"\n")[4]
    assert base64.b64decode(third).startswith(b"1.local")  # the cut this test is about
    assert survivors(original, redacted, lambda _: False) == []
    assert f"name {ORIGINAL}" in identifiers(original)


def test_the_original_name_is_still_a_survivor() -> None:
    original = _mime(_cut_before_tail(ORIGINAL))
    assert survivors(original, original, lambda _: False) == [f"name {ORIGINAL}"]


def test_lines_that_are_not_whole_quanta_are_still_read_alone() -> None:
    """A second line that decodes to an address alone, after a first line of 18 characters (the run
    joined reads it at another byte offset): read both ways."""
    first = base64.b64encode(b"just some text!").decode() + "QUJ"  # 20 + 3 = 23 characters
    second = base64.b64encode(b"peer 10.1.2.3 ").decode()
    doc = f"body\n{first[:18]}\n{second}\n\nend\n".encode()
    assert "10.1.2.3" in identifiers(doc)


def test_redact_of_a_mime_body_of_mdns_candidates_is_kept(tmp_path: Path) -> None:
    """Every run of the CLI, whatever stand-ins it draws: the names replaced, nothing refused."""
    names = [f"{i:08x}-5129-fb7c-6288-e1a5cc45782{i % 10}.local" for i in range(30)]
    blocks = [_cut_before_tail(name) + "y" * 32 + "\r\n" for name in names]
    assert {len(block) for block in blocks} == {3 * 57}  # each name cut before its last character
    src = tmp_path / "mail.txt"
    src.write_bytes(_mime("".join(blocks)))
    for run in range(8):
        out = tmp_path / f"out{run}.txt"
        result = CliRunner().invoke(cli, ["redact", str(src), "-o", str(out), "--offline"])
        assert result.exit_code == 0, result.output
        decoded = base64.b64decode(b"".join(out.read_bytes().split(b"\n\n")[1].split(b"\n")))
        assert b"e1a5cc4578" not in decoded
        assert decoded.count(b".local") == 30
