"""Terminal layout: wrapping, columns and trees fit the width, keep styles and never lose a character."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.render.layout import columns, fold, tree, wrap
from icecheck.render.terminal import render

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


def test_a_word_longer_than_a_line_is_cut_not_lost() -> None:
    name = "x" * 95 + ".example"
    lines = wrap(Text(f"host {name} end"), 40, "> ")
    assert all(cell_len(line.plain) <= 40 for line in lines)
    joined = "".join(line.plain[2:].replace(" ", "") for line in lines)
    assert joined == f"host{name}end"


def test_wide_characters_count_as_two_cells() -> None:
    lines = wrap(Text("名前 " * 20), 21)
    assert all(cell_len(line.plain) <= 21 for line in lines) and len(lines) == 5  # 4 words of 4 cells a line
    assert fold(Text("名" * 10), 5)[0].plain == "名名"


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
    tiny = columns(("id", "type", "address", "details"), rows, 36, foldable=(2,))
    assert all(cell_len(line.plain) <= 36 for line in tiny)
    assert "2001:db8:77:0:11:22ff:fe33:4455" not in "\n".join(line.plain for line in tiny)  # too wide: folded
    assert "c2srflx/udp2001:db8:77:0:11:22ff:fe33:4455" in "".join(line.plain.replace(" ", "") for line in tiny)


def test_a_hostile_address_folds_within_its_column() -> None:
    evil = "a" * 300 + ".local"
    lines = columns(("id", "address", "class"), [(Text("c1"), Text(evil), Text("hostname"))], 80, foldable=(1,),
                    wrap_last=False)  # fmt: skip
    assert all(cell_len(line.plain) <= 80 for line in lines)
    joined = "".join(line.plain.replace(" ", "") for line in lines[1:])
    assert joined.replace("hostname", "", 1) == f"c1{evil}" and len(lines) > 4


def test_tree_guides_and_wrapped_labels() -> None:
    node = ("root", [("branch " + "w" * 10 + " more words here", [("leaf", [])]), ("last", [])])
    lines = tree(node, lambda n: Text(n[0]), lambda n: n[1], 24)
    plain = [line.plain for line in lines]
    assert plain[0] == "root" and plain[1].startswith("├── branch") and plain[-1] == "└── last"
    assert any(p.startswith("│   ") and "words" in p for p in plain)  # continuation under its own guide
    assert "│   └── leaf" in plain


@pytest.mark.parametrize("width", [60, 80, 132])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_report_fits_the_width(sample: Path, width: int) -> None:
    result = audit([read_sdp_path(str(sample))], AuditSettings(preset("default")))
    text = render(result, 1, width)
    too_wide = [line for line in text.plain.splitlines() if cell_len(line) > width]
    assert too_wide == []
    for cand in result.candidates:  # every address appears whole when it fits the column
        if width >= 80 and len(cand.record.candidate.address) <= 45:
            assert cand.record.candidate.address in text.plain


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
    assert "  … 300 more candidates in --format json" in text
    assert "more lines of the map in --format mermaid" in text and "more exposures in --format json" in text
    assert len(text.splitlines()) < 1800  # 500 rows, 300 map lines, 200 sentences with their wrapping
    assert len(result.findings) > 0 and text.splitlines()[-1].startswith(f"{len(result.findings)} findings (")
