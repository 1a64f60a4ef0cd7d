"""``--format html``: one self-contained file, the network map as inline SVG, every input string inert.

The rendering in a real browser (headless Chromium's DOM and a screenshot) is in
tests/live/test_browser_live.py; here the file itself is checked.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from icecheck.analysis.links import rule_url
from icecheck.analysis.netmap import MapNode
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.model import AttemptStatus, BrowserComparison, BrowserRun
from icecheck.render.html import CSS, fragment, runs_html, to_html
from icecheck.render.svgmap import MAX_NODES, svg_map
from tests.conftest import SAMPLES, run_cli
from tests.render.test_formats import HOSTILE

ALLOWED = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "ul", "li", "table",
           "thead", "tbody", "tr", "th", "td", "span", "code", "strong", "a", "div", "section", "svg", "g", "rect",
           "text", "path"}  # fmt: skip


class Tags(HTMLParser):
    """Every element and attribute the parser sees, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


def test_hostile_sdp_is_text_never_markup(tmp_path: Path) -> None:
    f = tmp_path / "a<img src=x onerror=alert(1)>.sdp"
    f.write_bytes(HOSTILE)
    proc = run_cli("sdp", str(f), "--format", "html", "--offline")
    page = proc.stdout
    seen = parsed(page)
    assert seen.tags <= ALLOWED and "img" not in seen.tags and "b" not in seen.tags, seen.tags
    assert not [a for a in seen.attrs if a.startswith("on")] and "src" not in seen.attrs
    text = "".join(seen.text)
    assert "<img src=x onerror=alert(1)>" in text and "@team<b>&`.local" in text  # shown, as text
    assert "\x1b" not in page and "\\x1b" in text


def test_the_file_is_self_contained_and_its_style_is_allowed_by_hash() -> None:
    result = audit([read_sdp_path(str(SAMPLES / "real" / "chromium-gum-raw.sdp"))], AuditSettings(preset("default")))
    page = to_html(result, 1)
    assert "<script" not in page and "<link" not in page and " src=" not in page and "url(" not in page
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and f"style-src 'sha256-{digest}'" in csp.group(1) and "default-src 'none'" in csp.group(1)
    assert f"<style>{CSS}</style>" in page
    for cand in result.candidates:
        assert cand.record.candidate.address in page
    for heading in ("Candidates", "The network map an attacker can draw", "What an attacker learns", "Findings"):
        assert f"<h3>{heading}</h3>" in page
    body = fragment(result, 1)
    assert "<style>" not in body and "<html" not in body and "<svg" in body  # serve's page shows this part


def test_the_map_is_well_formed_svg_with_a_box_per_node() -> None:
    leaves = tuple(MapNode(f"Interface {i} <&\"'>", "interface") for i in range(3))
    root = MapNode("This device", "device", (MapNode("NAT 203.0.113.1", "nat", leaves), MapNode("x" * 200, "relay")))
    svg, left_out = svg_map(root)
    tree = ET.fromstring(svg)  # parses: labels escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert len(tree.findall(f"{ns}g")) == 6 and len(tree.findall(f"{ns}path")) == 5 and left_out == 0
    labels = [t.text for t in tree.iter(f"{ns}text")]
    assert "Interface 0 <&\"'>" in labels and any(label and label.endswith("…") for label in labels)
    assert "style=" not in svg  # classes only: the strict CSP of serve allows it


def test_a_map_too_large_says_how_much_is_left_out() -> None:
    root = MapNode(
        "This device", "device", tuple(MapNode(f"Interface {i}", "interface") for i in range(MAX_NODES + 20))
    )
    svg, left_out = svg_map(root)
    assert left_out == 21 and svg.count("<rect") == MAX_NODES


def test_browser_runs_page_has_every_run_and_its_report() -> None:
    result = audit(
        [read_sdp_path(str(SAMPLES / "real" / "chromium-default-mdns.sdp"))], AuditSettings(preset("default"))
    )
    cmp = BrowserComparison(("192.168.77.10",), ("192.168.77.10",), (), 1)
    runs = [
        BrowserRun("Chromium", "156.0", "/usr/bin/chromium", "default", "ok", 1.2, "gathering complete",
                   policies=(("WebRtcIPHandling", '"default"'),), comparison=cmp, result=result),
        BrowserRun("Firefox <ESR>", None, None, "default", "missing", 0.0, "not installed (looked at /x)"),
    ]  # fmt: skip
    page = runs_html(runs, [1, 0], 1, [["The browser kept back 1 of the 1 addresses."], []])
    seen = parsed(page)
    assert seen.tags <= ALLOWED and page.count('<section class="run">') == 2
    text = "".join(seen.text)
    assert "Firefox <ESR>" in text and "WebRtcIPHandling" in text and "kept back 1 of the 1" in text
    assert "203.0.113.1" in text


def test_rules_diff_and_nat_write_html_too(tmp_path: Path) -> None:
    from io import StringIO

    from icecheck.commands.liveopts import write_nat
    from icecheck.model import Attempt, NatBehaviour

    rules = run_cli("rules", "--format", "html").stdout
    assert parsed(rules).tags <= ALLOWED and f'href="{rule_url("ICE006")}"' in rules
    hostile = tmp_path / "b<script>.sdp"
    hostile.write_bytes(HOSTILE)
    diff = run_cli("diff", str(SAMPLES / "real" / "chromium-relay-only.sdp"), str(hostile), "--format", "html")
    assert diff.returncode == 2 and "(not allowed without --allow-partial)" in diff.stdout  # the hostile side: partial
    assert "<script>" not in diff.stdout and "b&lt;script&gt;.sdp" in diff.stdout
    assert "\x1b" not in diff.stdout and parsed(diff.stdout).tags <= ALLOWED | {"pre"}
    out = StringIO()
    nat = NatBehaviour("endpoint-independent", "address-dependent", ("203.0.113.1:4000",), mapping_reason="<i>x")
    write_nat(nat, Attempt("nat", "stun:203.0.113.10:3478", AttemptStatus.OK, "", 0.5), "html", out, 0)
    assert "&lt;i&gt;x" in out.getvalue() and "203.0.113.1:4000" in out.getvalue() and "<i>" not in out.getvalue()
