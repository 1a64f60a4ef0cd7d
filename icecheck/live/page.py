"""The page icecheck serves on this machine for a browser to gather with, and its scenarios.

``page_html`` is the whole HTML document: no inline script and no third-party resource (its
script and style sheet come from the same server, under the one-time token), the configuration
in a JSON data block with ``<``, ``>`` and ``&`` escaped so it cannot end the block. The script
is ``icecheck/data/page.js``; the style sheet is the HTML report's (``render.html.CSS``).

Scenarios (``--scenario``): ``default`` (no camera/microphone permission), ``permission``
(granted, with fake devices and a live capture while gathering) and ``relay-only``
(``iceTransportPolicy: "relay"``, needs a TURN server).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from icecheck.live.urls import TurnServer, hostport
from icecheck.records import record

__all__ = ["SCENARIOS", "Scenario", "ice_servers", "page_config", "page_html", "page_script"]

WAIT_MS = 5000  # the page stops waiting for the end of gathering after this (a silent server)


@record
class Scenario:
    """What the page does: ``policy`` is the RTCPeerConnection's ``iceTransportPolicy``."""

    name: str
    title: str
    policy: str = "all"
    gum: bool = False  # hold a getUserMedia capture while gathering (permission granted)
    needs_turn: bool = False


SCENARIOS: dict[str, Scenario] = {
    "default": Scenario("default", "no camera/microphone permission"),
    "permission": Scenario("permission", "camera/microphone permission granted", gum=True),
    "relay-only": Scenario("relay-only", 'iceTransportPolicy "relay"', policy="relay", needs_turn=True),
}


def ice_servers(stun: Sequence[tuple[str, int]], turn: Sequence[TurnServer]) -> list[dict[str, Any]]:
    """RTCConfiguration ``iceServers`` for IP literals (icecheck resolves names first)."""
    servers: list[dict[str, Any]] = [{"urls": f"stun:{hostport(host, port)}"} for host, port in stun]
    servers += [{"urls": t.url, "username": t.username, "credential": t.password} for t in turn]
    return servers


def page_config(
    base: str,
    servers: list[dict[str, Any]],
    scenarios: Sequence[Scenario],
    scenario: str | None = None,
    run: str | None = None,
    wait_ms: int = WAIT_MS,
) -> dict[str, Any]:
    """The page's configuration: ``auto`` runs ``scenario`` at once (``icecheck browser``); ``serve``
    runs the scenarios without permission and offers a button for the permission one."""
    return {
        "mode": "auto" if scenario else "serve",
        "base": base,
        "run": run,
        "scenario": scenario,
        "iceServers": servers,
        "scenarios": [{"name": s.name, "title": s.title, "policy": s.policy, "gum": s.gum} for s in scenarios],
        "waitMs": wait_ms,
    }


def page_html(config: dict[str, Any], title: str = "icecheck: what your browser exposes") -> str:
    """The page, with ``config`` as a JSON data block; script and style from ``config["base"]``."""
    data = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    base = html.escape(config["base"], quote=True)
    intro = (
        "This page gathers your browser's ICE candidates and sends them only to the icecheck program "
        "that served it, which audits them; the browser asks only the STUN/TURN servers icecheck was given."
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{base}page.css">
<script type="application/json" id="icecheck-config">{data}</script>
<script src="{base}page.js" defer></script>
</head>
<body>
<main class="icecheck">
<h1>{html.escape(title)}</h1>
<p>{html.escape(intro)}</p>
<p id="icecheck-status" class="status">starting</p>
<p><button id="icecheck-permission" type="button" hidden>Test with camera/microphone permission</button></p>
<div id="icecheck-results"></div>
</main>
</body>
</html>
"""


def page_script() -> str:
    """The page's script (``icecheck/data/page.js``)."""
    return files("icecheck").joinpath("data/page.js").read_text(encoding="utf-8")
