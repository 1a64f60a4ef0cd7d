"""The fast paths give what the plain ones give: block reading, duplicate folding, parser memos."""

from __future__ import annotations

import io
import random

import pytest

from icecheck.inputs import candidate as cand_mod
from icecheck.inputs import sdp as sdp_mod
from icecheck.inputs import sdpfile
from icecheck.inputs.candidate import CandidateSyntaxError, parse_candidate
from icecheck.inputs.sdp import SdpParser
from icecheck.inputs.sdpfile import read_sdp_stream
from icecheck.model import InputDocument, Origin

GOOD = b"a=candidate:1 1 udp 2122260223 192.168.1.9 5000 typ host generation 0\n"


def _reference(data: bytes, name: str) -> InputDocument:
    """The reader's contract, line by line: LF ends a line, trailing CRs go, bad lines alone."""
    parser = SdpParser(Origin(name))
    if sdpfile._looks_binary(data[: sdpfile._SNIFF]):
        return parser.result(fatal="binary data, not SDP text")
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    for lineno, raw in enumerate(pieces, 1):  # the reader's one-line path, for every line
        sdpfile._feed_one(parser, raw, lineno)
    if not parser.found_anything:
        return parser.result(fatal="no SDP or ICE candidate lines found")
    return parser.result()


def _messy(rnd: random.Random) -> bytes:
    parts = []
    for i in range(rnd.randrange(50, 400)):
        r = rnd.random()
        end = rnd.choice([b"\n", b"\r\n", b"\r\r\n", b"\r\n", b"\n"])
        if r < 0.45:
            parts.append(GOOD.replace(b"5000", str(rnd.randrange(70000)).encode()).replace(b"\n", end))
        elif r < 0.55:
            parts.append(b"s=caf\xc3\xa9 \xe2\x98\x83" + rnd.choice([b"\n", b"\r\n", b"\r\r\n", b"\rx\n"]))
        elif r < 0.65:
            junk = bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 12)))
            parts.append(b"a=x:" + junk + rnd.choice([b"\n", b"\r\n"]))
        elif r < 0.7:
            parts.append(b"a=x:" + b"A" * rnd.choice([60, 63, 64, 65, 200]) + b"\n")  # around MAX_LINE below
        elif r < 0.8:
            parts.append(b"v=0\nm=audio 9 RTP/AVP 0\na=mid:%d%sc=IN IP4 10.%d.0.1\n" % (i, end, rnd.randrange(256)))
        else:
            parts.append(b"a=candidate:%d 1 udp 1 10.0.%d.1 9 typ host\r\n" % (i, rnd.randrange(256)))
    data = b"".join(parts)
    return data if rnd.random() < 0.5 else data.rstrip(b"\n")


@pytest.mark.parametrize("seed", range(40))
def test_block_reader_matches_the_line_by_line_contract(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    monkeypatch.setattr(sdpfile, "MAX_LINE", 64)  # small numbers put every case on a block edge
    monkeypatch.setattr(sdpfile, "BLOCK", rnd.choice([1, 2, 3, 7, 16, 64]))
    monkeypatch.setattr(sdpfile, "_SNIFF", rnd.choice([1, 5, 64]))
    data = b"v=0\n" + _messy(rnd)  # starts as text: the binary sniff is not under test here
    assert read_sdp_stream(io.BytesIO(data), "m.sdp") == _reference(data, "m.sdp")


def test_over_long_line_limit_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdpfile, "MAX_LINE", 64)
    monkeypatch.setattr(sdpfile, "BLOCK", 16)
    monkeypatch.setattr(sdpfile, "_SNIFF", 16)  # blocks and the sniffed head never exceed MAX_LINE
    good = b"a=candidate:1 1 udp 1 10.0.0.9 9 typ host\n"
    for size in (63, 64, 65, 64 * 5):
        data = good + b"a=x:" + b"A" * (size - 5) + b"\r\n" + good.replace(b"10.0.0.9", b"10.0.0.1")  # CR counts
        doc = read_sdp_stream(io.BytesIO(data), "l.sdp")
        skipped = [d.origin.line for d in doc.diagnostics if "longer than" in d.message]
        assert skipped == ([2] if size > 64 else []) and len(doc.candidates) == 2, size


def test_a_repeated_line_in_one_section_is_folded_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def counting(text: str) -> object:
        calls.append(text)
        return parse_candidate(text)

    monkeypatch.setattr(sdp_mod, "parse_candidate", counting)
    line = GOOD.decode().strip()
    doc = sdp_mod.parse_sdp_text(f"v=0\nm=audio 9 X 0\n{line}\n{line}\nm=video 9 X 0\n{line}\n", Origin("d.sdp"))
    assert len(calls) == 2 and doc.duplicates == 1 and len(doc.candidates) == 2


def test_numbers_of_any_length_are_syntax_errors() -> None:
    """int() refuses over 4300 digits (CVE-2020-10735 limit): the parser must still explain (such
    a number makes the candidate longer than ``MAX_LENGTH``, refused first; the full parser too)."""
    for digits in (500, 5000):
        huge, zeros = "9" * digits, "0" * (digits // 2) + "1"
        texts = (f"1 1 udp 1 1.2.3.4 {huge} typ host", f"1 1 udp {huge} 1.2.3.4 5 typ host",
                 f"1 {huge} udp 1 1.2.3.4 5 typ host", f"1 1 udp 1 1.2.3.4 5 typ host generation {huge}")  # fmt: skip
        for text in texts:
            with pytest.raises(CandidateSyntaxError, match="out of range" if digits < 4300 else "longer than"):
                parse_candidate(text)
            with pytest.raises(CandidateSyntaxError, match="out of range"):
                cand_mod._parse_full(text)
        text = f"1 1 udp 1 1.2.3.4 {zeros} typ host raddr 10.0.0.1 rport {zeros}"
        c = parse_candidate(text) if digits < 4300 else cand_mod._parse_full(text)
        assert c.port == 1 and c.related_port == 1


def test_unknown_and_odd_extensions_agree_with_the_full_parser() -> None:
    head = "1 1 udp 2122260223 10.0.0.1 9 typ host"
    for tail in ("foo bar", "generation 0 foo bar", "Generation 0", "generation 0 generation 1", "raddr [::1] rport 9",
                 "ufrag", "rport 65536", "tcptype Active", "network-cost 0999", "raddr  rport 1"):  # fmt: skip
        text = f"{head} {tail}"
        try:
            fast: object = parse_candidate(text)
        except CandidateSyntaxError as exc:
            fast = ("error", exc.reason, exc.token, exc.column)
        try:
            full: object = cand_mod._parse_full(text)
        except CandidateSyntaxError as exc:
            full = ("error", exc.reason, exc.token, exc.column)
        assert fast == full, text


def test_parser_memos_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cand_mod, "_PLANS", {})
    monkeypatch.setattr(cand_mod, "_PRIORITIES", {})
    monkeypatch.setattr(cand_mod, "_MAX_PLANS", 5)
    monkeypatch.setattr(cand_mod, "_MAX_PRIORITIES", 7)
    names = ["raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"]
    values = {"raddr": "1.2.3.4", "rport": "9", "tcptype": "so", "ufrag": "u"}
    for i in range(40):
        layout = random.Random(i).sample(names, 3)
        tail = " ".join(f"{n} {values.get(n, '1')}" for n in layout)
        assert parse_candidate(f"1 1 udp {i} 10.0.0.1 9 typ host {tail}").priority == i
    assert len(cand_mod._PLANS) == 5 and len(cand_mod._PRIORITIES) == 7


def test_a_malformed_line_is_checked_once_by_the_full_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    full = cand_mod._parse_full

    def counting(text: str) -> object:
        calls.append(text)
        return full(text)

    monkeypatch.setattr(cand_mod, "_parse_full", counting)
    head = "1 1 udp 1 10.0.0.1"
    for text in (f"{head} 70000 typ host", f"{head} 9 typ host rport 70000", f"{head} 9 typ host generation x", "a b"):
        calls.clear()
        with pytest.raises(CandidateSyntaxError):
            parse_candidate(text)
        assert len(calls) == 1, text


def test_extension_tail_memo_stays_bounded_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """A remembered tail gives what checking it again gives, under any head; long tails are not kept."""
    monkeypatch.setattr(cand_mod, "_TAILS", {})
    monkeypatch.setattr(cand_mod, "_MAX_TAILS", 3)
    tails = [f"generation {i} ufrag u{i} network-id 1" for i in range(6)] + ["raddr 10.0.0.1 rport 9"]
    heads = ["1 1 udp 7 10.0.0.2 9 typ host", "candidate:2 2 UDP 8 ::1 10 typ srflx", "3 1 tcp 9 x.local 11 typ relay"]
    for _ in range(2):  # the second round hits the memo where the first filled it
        for head in heads:
            for tail in tails:
                text = f"{head} {tail}"
                assert parse_candidate(text) == cand_mod._parse_full(text), text
    assert len(cand_mod._TAILS) == 3
    long_tail = "ufrag " + "u" * cand_mod._MAX_TAIL
    monkeypatch.setattr(cand_mod, "_TAILS", {})
    assert parse_candidate(f"{heads[0]} {long_tail}").ufrag == "u" * cand_mod._MAX_TAIL
    assert cand_mod._TAILS == {}
    assert parse_candidate(f"{heads[0]} raddr 10.0.0.1 rport 9").related_port == 9
    assert cand_mod._TAILS == {}  # a related address is one candidate's own


def test_a_remembered_tail_does_not_change_what_the_rest_of_the_line_gives() -> None:
    tail = "generation 0 ufrag EsXb network-id 1 network-cost 10"
    head = "1 1 udp 7 10.0.0.2 9 typ host"
    assert parse_candidate(f"{head} {tail}").network_cost == 10  # now remembered
    variants = [f"1 1 udp 7 10.0.0.256 9 typ host {tail}", f"{head} {tail} ", f"{head} {tail} x", f"{head} {tail}\r\n",
                f"{head} {tail}\r\n\r\n", f"{head}  {tail}", f"{head} {tail} generation 1"]  # fmt: skip
    for text in variants:
        outcomes: list[object] = []
        for parse in (parse_candidate, cand_mod._parse_full):
            try:
                outcomes.append(parse(text))
            except CandidateSyntaxError as exc:
                outcomes.append(("error", exc.reason, exc.token, exc.column))
        assert outcomes[0] == outcomes[1], text
