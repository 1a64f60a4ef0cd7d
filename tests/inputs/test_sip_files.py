"""SIP message files as people save them: LF-only lines, a blank line more before the body."""

from __future__ import annotations

from pathlib import Path

import pytest

from icecheck.inputs.scanner import scan_file
from icecheck.model import InputStatus

SDP = [
    "v=0",
    "o=- 1 1 IN IP4 192.0.2.10",
    "s=-",
    "c=IN IP4 192.0.2.10",
    "t=0 0",
    "m=audio 49170 RTP/AVP 0",
    "a=candidate:1 1 udp 2130706431 192.0.2.10 49170 typ host",
    "a=candidate:2 1 udp 1694498815 203.0.113.5 49170 typ srflx raddr 192.0.2.10 rport 49170",
]


def invite(newline: str, blanks: int, length: int | None = None, call: str = "a84b4c76e66710") -> str:
    """RFC 3261 §24.2 style INVITE; Content-Length counts the body as sent (CRLF line ends)."""
    body = "".join(line + "\r\n" for line in SDP)
    head = [
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "To: Bob <sip:bob@biloxi.example.com>",
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
        f"Call-ID: {call}",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@192.0.2.10>",
        "Content-Type: application/sdp",
        f"Content-Length: {len(body) if length is None else length}",
    ]
    return newline.join([*head, "", *[""] * blanks, *SDP]) + newline


@pytest.mark.parametrize(("newline", "blanks"), [("\n", 1), ("\n", 2), ("\r\n", 1), ("\n", 0), ("\r\n", 0)])
def test_body_after_extra_blank_lines_is_read(tmp_path: Path, newline: str, blanks: int) -> None:
    path = tmp_path / "invite.sip"
    path.write_text(invite(newline, blanks), newline="")
    doc = scan_file(str(path)).document
    assert doc.status is InputStatus.OK, doc.diagnostics
    assert {c.candidate.address for c in doc.candidates} == {"192.0.2.10", "203.0.113.5"}
    assert not [d for d in doc.diagnostics if "incomplete" in d.message]
    first_body_line = 12 + blanks  # 10 header lines, the blank line, the extra ones, then v=0
    assert {c.origin.line for c in doc.candidates} == {first_body_line + 6, first_body_line + 7}


def test_two_messages_with_extra_blank_lines_and_log_noise(tmp_path: Path) -> None:
    log = (
        "---- received from 192.0.2.10:5060 ----\n"
        + invite("\n", 1, call="first")
        + "\n---- sent to 198.51.100.1:5060 ----\n"
        + invite("\n", 1, call="second")
    )
    path = tmp_path / "trace.log"
    path.write_text(log)
    doc = scan_file(str(path)).document
    assert {c.origin.call for c in doc.candidates} == {"first", "second"}


def test_headers_logged_without_their_body_do_not_swallow_the_log(tmp_path: Path) -> None:
    head_only = invite("\n", 0).split("\nv=0")[0]  # Content-Length announces a body the log left out
    log = head_only + "\n\n\n---- sent to 198.51.100.1:5060 ----\n" + invite("\n", 0, call="next")
    path = tmp_path / "trace.log"
    path.write_text(log)
    doc = scan_file(str(path)).document
    assert {c.origin.call for c in doc.candidates} == {"next"}
    assert any("SIP body incomplete" in d.message for d in doc.diagnostics)
