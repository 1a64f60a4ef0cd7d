"""Terminal layout: wrapping, columns and trees fit the width, keep styles and never lose a character."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.render.layout import PARAGRAPH, columns, paragraph, tree, tree_head, wrap
from icecheck.render.terminal import Detail, render

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").glob("*/*.sdp"))
SENTENCE = "The relay candidate 203.0.113.10 names your own address 203.0.113.1 as its related address."


def words(lines: list[Text], prefix: int = 0) -> list[str]:
    return " ".join(line.plain[prefix:] for line in lines).split()


def test_wrap_fits_keeps_every_word_and_indents_the_rest() -> None:
    lines = wrap(Text(SENTENCE), 30, "  • ", "    ")
    assert all(cell_len(line.plain) <= 30 for line in lines) and len(lines) == 4
    assert lines[0].plain.startswith("  • The") and all(line.plain.startswith("    ") for line in lines[1:])
    assert words(lines)[1:] == SENTENCE.split()  # nothing lost, nothing reordered ('•' first)
    assert "203.0.113.10" in " ".join(line.plain for line in lines)  # an address is never split


def test_wrap_keeps_styles_on_the_right_characters() -> None:
    text = Text("aaa bbb ccc ddd")
    text.stylize("red", 8, 11)  # ccc
    lines = wrap(text, 8)
    styled = [(line.plain[s.start : s.end], s.style) for line in lines for s in line.spans]
    assert [line.plain for line in lines] == ["aaa bbb", "ccc ddd"] and styled == [("ccc", "red")]


def test_a_word_longer_than_a_line_stands_whole_on_a_line_of_its_own() -> None:
    name = "x" * 95 + ".example"
    lines = wrap(Text(f"host {name} end"), 40, "> ")
    assert [line.plain for line in lines] == ["> host", f"  {name}", "  end"]


def test_wide_characters_count_as_two_cells() -> None:
    lines = wrap(Text("名前 " * 20), 21)
    assert all(cell_len(line.plain) <= 21 for line in lines) and len(lines) == 5  # 4 words of 4 cells a line


def test_paragraphs_stop_at_100_cells_however_wide_the_terminal() -> None:
    lines = paragraph(Text(SENTENCE * 5), 250, "  • ", "    ")
    assert max(cell_len(line.plain) for line in lines) <= PARAGRAPH < 250 and len(lines) > 3


def test_columns_align_and_move_details_below_when_narrow() -> None:
    rows = [
        (Text("c1"), Text("host/udp"), Text("192.168.77.10"), Text("Tailscale or carrier-grade NAT range")),
        (Text("c2"), Text("srflx/udp"), Text("2001:db8:77:0:11:22ff:fe33:4455"), Text("")),
    ]
    wide = columns(("id", "type", "address", "details"), rows, 120)
    assert wide[0].plain.split() == ["id", "type", "address", "details"]
    starts = {line.plain.index(a) for line, a in zip(wide[1:], ("192.168", "2001:"), strict=True)}
    assert len(starts) == 1  # the address column is aligned
    narrow = columns(("id", "type", "address", "details"), rows, 60)
    assert narrow[0].plain.split() == ["id", "type", "address"]  # details move below their row,
    assert narrow[1].plain == "      details"  # and their title below the others
    assert narrow[3].plain.strip() == "Tailscale or carrier-grade NAT range" and narrow[3].plain.startswith("      ")
    assert "2001:db8:77:0:11:22ff:fe33:4455" in narrow[4].plain and len(narrow) == 5
    tiny = [line.plain for line in columns(("id", "type", "address", "details"), rows, 38, foldable=(2,))]
    # the IPv6 address is too wide for its column: whole, on a line of its own below its row
    assert tiny == ["  id  type       address", "      details", "  c1  host/udp   192.168.77.10",
                    "      Tailscale or carrier-grade NAT", "      range", "  c2  srflx/udp",
                    "      2001:db8:77:0:11:22ff:fe33:4455"]  # fmt: skip


def test_a_hostile_address_is_never_cut_it_moves_below_its_row() -> None:
    evil = "a" * 300 + ".local"
    rows = [(Text("c1"), Text(evil), Text("hostname")), (Text("c2"), Text("10.0.0.1"), Text("private"))]
    lines = [line.plain for line in columns(("id", "address", "class"), rows, 80, foldable=(1,), wrap_last=False)]
    assert lines == ["  id  address   class", "  c1            hostname", f"      {evil}", "  c2  10.0.0.1  private"]


def test_a_column_whose_cells_would_mostly_move_moves_out_whole() -> None:
    rows = [(Text(f"c{n}"), Text(f"capture-number-{n}.pcapng#1{n}"), Text("10.0.0.1"), Text("")) for n in range(5)]
    lines = [line.plain for line in columns(("id", "where", "address", "details"), rows, 30, foldable=(1, 2))]
    assert lines[:3] == ["  id  address   details", "      where", "  c0  10.0.0.1"]
    assert lines[3] == "      capture-number-0.pcapng#10"


def test_tree_guides_and_wrapped_labels() -> None:
    node = ("root", [("branch " + "w" * 10 + " more words here", [("leaf", [])]), ("last", [])])
    lines = tree(node, lambda n: Text(n[0]), lambda n: n[1], 24)
    plain = [line.plain for line in lines]
    assert plain[0] == "root" and plain[1].startswith("├── branch") and plain[-1] == "└── last"
    assert any(p.startswith("│   ") and "words" in p for p in plain)  # continuation under its own guide
    assert "│   └── leaf" in plain


@pytest.mark.parametrize("limit", [0, 1, 3, 7, 1000])
@pytest.mark.parametrize("width", [12, 24, 80])
def test_tree_head_builds_the_first_lines_and_counts_the_rest_as_tree_draws_them(width: int, limit: int) -> None:
    long = "a label long enough to wrap at narrow widths " * 2
    node = (
        "root",
        [(f"{i} {long if i % 2 else 'short'}", [(f"{i}.{j} {long}", []) for j in range(i)]) for i in range(4)],
    )
    whole = [line.plain for line in tree(node, lambda n: Text(n[0]), lambda n: n[1], width, "  ")]
    head, total = tree_head(node, lambda n: Text(n[0]), lambda n: n[1], width, "  ", limit, lambda n: n[0])
    assert total == len(whole) and len(whole) > 12
    assert [line.plain for line in head] == whole[:limit]


@pytest.mark.parametrize("width", [40, 60, 80, 132])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_report_fits_the_width_but_for_words_wider_than_a_line(sample: Path, width: int) -> None:
    result = audit([read_sdp_path(str(sample))], AuditSettings(preset("default")))
    text = render(result, 1, width)
    too_wide = [line for line in text.plain.splitlines() if cell_len(line) > width]
    assert [line for line in too_wide if max(cell_len(w) for w in line.split()) + 8 <= width] == []
    for cand in result.candidates:  # every address appears whole
        assert any(cand.record.candidate.address in line for line in text.plain.splitlines())


def test_tables_name_several_inputs_by_file_name_unless_two_share_one(tmp_path: Path) -> None:
    line = "a=candidate:1 1 udp 2122260223 10.0.0.{} 5000 typ host\n"
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    for folder, n in (("a", 1), ("b", 2)):
        (tmp_path / folder / "offer.sdp").write_text("v=0\n" + line.format(n))
    (tmp_path / "answer.sdp").write_text("v=0\n" + line.format(3))
    one = render(audit([read_sdp_path(str(tmp_path / "answer.sdp"))], AuditSettings(preset("default"))), 0).plain
    assert "  id  line  type" in one and "  c1  2     host/udp" in one
    docs = [read_sdp_path(str(p)) for p in (tmp_path / "a" / "offer.sdp", tmp_path / "answer.sdp")]
    two = render(audit(docs, AuditSettings(preset("default"))), 0, 120).plain
    assert "  id  where         type" in two and "offer.sdp:2 " in two and "answer.sdp:2 " in two
    docs = [read_sdp_path(str(tmp_path / f / "offer.sdp")) for f in ("a", "b")]
    same = render(audit(docs, AuditSettings(preset("default"))), 0, 200).plain
    assert f"{tmp_path / 'a' / 'offer.sdp'}:2" in same and f"{tmp_path / 'b' / 'offer.sdp'}:2" in same


def test_a_huge_offer_gives_a_bounded_report_that_says_what_it_left_out(tmp_path: Path) -> None:
    lines = [f"a=candidate:{i} 1 udp 2122260223 10.{i // 250}.{i % 250}.1 {5000 + i} typ host\n" for i in range(600)]
    lines += [f"a=candidate:s{i} 1 udp 1686052607 198.51.100.{i} 6000 typ srflx raddr 10.0.{i}.1 rport 5000\n"
              for i in range(200)]  # fmt: skip
    (tmp_path / "huge.sdp").write_text("v=0\n" + "".join(lines))
    result = audit([read_sdp_path(str(tmp_path / "huge.sdp"))], AuditSettings(preset("default")))
    text = render(result, 1, 100).plain
    assert "  … 300 more candidates in -v and --format json" in text
    assert "more lines of the map in -v" in text and "more exposures in -v and" in text
    assert len(text.splitlines()) < 2000  # 500 rows, 300 map lines, 200 sentences with their wrapping
    assert len(result.findings) > 0 and text.splitlines()[-1] == text.splitlines()[0]  # the verdict, again
    verbose = render(result, 1, 100, Detail.VERBOSE).plain
    assert "more candidates" not in verbose and "c800" in verbose
