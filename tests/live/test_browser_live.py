"""``icecheck browser`` and ``icecheck serve`` with Debian's real Chromium and Firefox ESR, in the netns NAT lab.

Browsers run only inside the lab's client namespace (the CLI starts them there: it runs there),
behind the masquerading router, with coturn in the public namespace: what they gather is what a
laptop behind a NAT would signal (CONTRIBUTING.md, the lab). One ``icecheck
browser`` run of both browsers x all scenarios (plus a browser that is not installed) is shared
by the tests that read it; the profile, policy and serve tests launch their own. Needs root and
the Debian packages ``chromium`` and ``firefox-esr``; in CI (``CI`` set) a missing one fails.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import REPO, drain, unavailable
from tests.lab.cli import argv, icecheck, report
from tests.lab.coturn import PASSWORD, USER, Coturn
from tests.lab.netns import CLIENT_CGN, CLIENT_LAN, PUBLIC_A, PUBLIC_B, ROUTER_WAN, NatLab, require_lab

STUN, TURN = f"stun:{PUBLIC_A}:3478", f"turn:{PUBLIC_A}:3478"
BROWSERS = {"chromium": "/usr/bin/chromium", "firefox-esr": "/usr/bin/firefox-esr"}
NOT_INSTALLED = "/nonexistent/firefox"
SCHEMA = REPO / "docs" / "schema" / "report.schema.json"


def require_browsers() -> None:
    missing = [key for key in BROWSERS if shutil.which(key) is None]
    if missing:
        unavailable(f"the browser tests need Debian's {' and '.join(missing)}")


@pytest.fixture(scope="module")
def lab() -> Iterator[NatLab]:
    require_lab()
    require_browsers()
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]):
        yield lab


@pytest.fixture(scope="module")
def every_run(lab: NatLab) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Chromium and Firefox ESR in every scenario, and a browser that is not there: one JSON document."""
    browsers = [arg for key in (*BROWSERS, NOT_INSTALLED) for arg in ("--browser", key)]
    proc, _ = icecheck(lab, "browser", *browsers, "--stun", STUN, "--turn", TURN, "--turn-user", USER,
                       "--format", "json", password=PASSWORD, timeout=240)  # fmt: skip
    return proc, json.loads(proc.stdout)


def the_run(data: dict[str, Any], family: str, scenario: str) -> dict[str, Any]:
    (found,) = [r for r in data["browser_runs"] if r["name"].lower().startswith(family) and r["scenario"] == scenario
                and r["outcome"] != "missing"]  # fmt: skip
    assert found["outcome"] == "ok", found
    return found


def kinds(run: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in run["report"]["candidates"] if c["type"] == kind]


def test_chromium_default_conceals_hosts_and_shows_the_nat(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "chromium", "default")
    hosts, (srflx,), (relay,) = kinds(run, "host"), kinds(run, "srflx"), kinds(run, "relay")
    assert hosts and all(c["address_class"] == "mdns" for c in hosts)
    assert (srflx["address"], srflx["related_address"]) == (ROUTER_WAN, "0.0.0.0")
    assert (relay["address"], relay["related_address"]) == (PUBLIC_A, ROUTER_WAN)  # only host addresses are concealed
    compared = run["compared_with_gather"]
    assert {CLIENT_LAN, CLIENT_CGN} <= set(compared["hidden"]) and compared["mdns_names"] == len(
        {c["address"] for c in hosts}
    )
    assert ROUTER_WAN not in compared["hidden"] and compared["only_in_browser"] == []


def test_chromium_with_permission_shows_every_interface_raw(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "chromium", "permission")
    hosts = {c["address"] for c in kinds(run, "host")}
    assert {CLIENT_LAN, CLIENT_CGN} <= hosts and not [h for h in hosts if h.endswith(".local")]
    assert {c["transport"] for c in kinds(run, "host")} == {"udp", "tcp"}
    exposed = {e["value"] for e in run["report"]["exposures"] if e["kind"] == "interface-exposed"}
    assert exposed == {"c-lan", "c-cgn"}  # the interfaces, as icecheck's own gathering knows them
    assert run["compared_with_gather"]["hidden"] == []


def test_chromium_relay_only_signals_one_relay_without_your_address(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "chromium", "relay-only")
    cands = run["report"]["candidates"]
    assert [(c["type"], c["address"], c["related_address"]) for c in cands] == [("relay", PUBLIC_A, "0.0.0.0")]
    assert [a["target"] for a in run["report"]["attempts"] if a["kind"] in ("stun", "turn")] == [
        f"{TURN}?transport=udp"
    ]


def test_firefox_default_conceals_hosts_over_udp_and_tcp(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "firefox", "default")
    hosts, (srflx,), (relay,) = kinds(run, "host"), kinds(run, "srflx"), kinds(run, "relay")
    assert hosts and all(c["address_class"] == "mdns" for c in hosts)
    assert {c["transport"] for c in hosts} == {"udp", "tcp"}
    assert (srflx["address"], srflx["related_address"]) == (ROUTER_WAN, "0.0.0.0")
    assert (relay["address"], relay["related_address"]) == (PUBLIC_A, PUBLIC_A)  # Firefox: the relay's own address
    assert run["name"] == "Firefox ESR" and run["version"].endswith("esr")


def test_firefox_with_permission_and_a_live_capture_shows_raw_hosts(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "firefox", "permission")
    hosts = {c["address"] for c in kinds(run, "host")}
    assert {CLIENT_LAN, CLIENT_CGN} <= hosts and not [h for h in hosts if h.endswith(".local")]


def test_firefox_relay_only_keeps_the_relay_as_raddr(every_run: tuple[Any, dict[str, Any]]) -> None:
    run = the_run(every_run[1], "firefox", "relay-only")
    cands = run["report"]["candidates"]
    assert {(c["type"], c["address"], c["related_address"]) for c in cands} == {("relay", PUBLIC_A, PUBLIC_A)}


def test_each_run_says_who_ran_how_long_and_how_it_ended(every_run: tuple[Any, dict[str, Any]]) -> None:
    proc, data = every_run
    ran = [r for r in data["browser_runs"] if r["outcome"] == "ok"]
    assert [(r["name"].split()[0], r["scenario"]) for r in ran] == [
        (name, s) for name in ("Chromium", "Firefox") for s in ("default", "permission", "relay-only")
    ]
    for r in ran:
        assert re.fullmatch(r"\d+(\.\d+)+(esr)?", r["version"]) and r["executable"] in BROWSERS.values()
        assert r["duration"] > 0
        assert r["user_agent"].startswith("Mozilla/5.0") and r["report"]["inputs"][0]["kind"] == "browser"
        assert any(a["kind"] == "browser" and a["status"] == "ok" for a in r["report"]["attempts"])
    missing = [r for r in data["browser_runs"] if r["outcome"] == "missing"]
    assert len(missing) == 3 and all(r["report"] is None and NOT_INSTALLED in r["detail"] for r in missing)
    assert proc.stderr.count(f"missing: not installed (looked at {NOT_INSTALLED})") == 3
    codes = [r["report"]["exit_code"] for r in ran]
    assert proc.returncode == data["exit_code"] == max(codes) == 1  # Chromium's relay raddr gives the NAT away
    assert PASSWORD not in proc.stdout + proc.stderr
    Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)


def test_a_firefox_profile_no_host_pref_removes_every_host(lab: NatLab, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "user.js").write_text('user_pref("media.peerconnection.ice.no_host", true);\n')
    (profile / "prefs.js").write_text('user_pref("media.peerconnection.ice.relay_only", false);\n')
    before = sorted(p.name for p in profile.iterdir())
    _, data, _ = report(lab, "browser", "--browser", "firefox-esr", "--scenario", "permission", "--stun", STUN,
                           "--profile", str(profile), timeout=120)  # fmt: skip
    (run,) = data["browser_runs"]
    assert [c for c in data["candidates"] if c["type"] == "host"] == []
    srflx = {(c["address"], c["related_address"]) for c in data["candidates"] if c["type"] == "srflx"}
    assert srflx == {(ROUTER_WAN, ROUTER_WAN)}, srflx  # no host: the raddr is the public address itself
    assert run["preferences"] == {
        "media.peerconnection.ice.no_host": True,
        "media.peerconnection.ice.relay_only": False,
    }
    assert (
        run["preference_effect"].startswith("with them 0 host")
        and "without them 0 host" not in run["preference_effect"]
    )
    assert sorted(p.name for p in profile.iterdir()) == before  # the user's profile is only read


def test_chromium_enterprise_policy_applies_and_is_reported(lab: NatLab) -> None:
    if not Path("/etc/chromium").is_dir():
        unavailable("/etc/chromium (Debian's chromium package) is missing")
    # ip netns exec mounts /etc/netns/<ns>/chromium over /etc/chromium: the policy exists in the lab only.
    managed = Path(f"/etc/netns/{lab.client}/chromium/policies/managed")
    managed.mkdir(parents=True)
    try:
        (managed / "icecheck-test.json").write_text(json.dumps({"WebRtcIPHandling": "default_public_interface_only"}))
        _, data, _ = report(lab, "browser", "--browser", "chromium", "--scenario", "permission", "--stun", STUN)
    finally:
        shutil.rmtree(f"/etc/netns/{lab.client}/chromium")
    (run,) = data["browser_runs"]
    assert run["policies"] == {"WebRtcIPHandling": "default_public_interface_only"}
    assert not [c for c in data["candidates"] if c["type"] == "host"]
    assert {c["address"] for c in data["candidates"] if c["type"] == "srflx"} == {ROUTER_WAN}


def visit(url: str, out: str, limit: float) -> dict[str, Any]:
    """In the client namespace: requests without the token, then headless Chromium at ``url`` until
    ``serve --once`` wrote its report to ``out``."""
    from icecheck.live.browser_run import Launch
    from icecheck.live.browsers import choose
    from icecheck.live.page import SCENARIOS

    root = url.split("/", 3)
    refused = {}
    for path in ("/", "/favicon.ico", "/" + "A" * len(root[3].rstrip("/")) + "/"):
        try:
            urllib.request.urlopen(f"{root[0]}//{root[2]}{path}", timeout=5)
            refused[path] = 200
        except urllib.error.HTTPError as exc:
            refused[path] = exc.code
    (chromium,) = choose(["chromium"])
    start = time.monotonic()
    with Launch(chromium, SCENARIOS["default"], url):  # type: ignore[arg-type]
        while time.monotonic() - start < limit and not (os.path.exists(out) and os.path.getsize(out)):
            time.sleep(0.05)
    return refused


def test_serve_audits_what_a_browser_opening_its_url_posts(lab: NatLab, tmp_path: Path) -> None:
    out = tmp_path / "serve.jsonl"
    args = ("serve", "--once", "--listen", "0.0.0.0:0", "--stun", STUN, "--turn", TURN, "--turn-user", USER,
            "--format", "json", "-o", str(out))  # fmt: skip
    command = ["ip", "netns", "exec", lab.client, *argv(*args, password=PASSWORD)]
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        warning = serve.stderr.readline() if serve.stderr else ""
        assert warning.startswith("icecheck: warning: listening on 0.0.0.0:") and "anyone on your network" in warning
        line = serve.stderr.readline() if serve.stderr else ""
        url = re.search(r"http://127\.0\.0\.1:\d+/[\w-]+/", line)
        assert url, line
        refused, _ = lab.call(lab.client, visit, url.group(0), str(out), 30.0)
        serve.wait(30)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert set(refused.values()) == {403}
    (first,) = out.read_text().splitlines()
    data = json.loads(first)
    assert serve.returncode == data["exit_code"]
    hosts = [c for c in data["candidates"] if c["type"] == "host"]
    assert hosts and all(c["address_class"] == "mdns" for c in hosts)
    assert ROUTER_WAN in {c["address"] for c in data["candidates"] if c["type"] == "srflx"}
    (run,) = data["browser_runs"]
    assert run["scenario"] == "default" and run["name"] == "Chromium-based" and run["version"].startswith("156")


def dump_dom(page: str, shot: str) -> tuple[str, bool]:
    """In the client namespace: headless Chromium's DOM of ``page`` (a file), and a screenshot of it."""
    import tempfile

    from icecheck.live.browser_run import environment, stop_group
    from icecheck.live.browsers import choose
    from icecheck.live.page import SCENARIOS

    (chromium,) = choose(["chromium"])
    outputs = []
    for extra in (["--dump-dom"], [f"--screenshot={shot}", "--window-size=1280,2400"]):
        with tempfile.TemporaryDirectory(prefix="icecheck-test-") as profile:
            from icecheck.live.browser_run import argv as launch_argv

            command = launch_argv(chromium, SCENARIOS["default"], profile, f"file://{page}", os.geteuid() == 0)  # type: ignore[arg-type]
            proc = subprocess.Popen([*command[:-1], *extra, command[-1]], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=environment(chromium, profile),  # type: ignore[arg-type]
                                    start_new_session=True)  # fmt: skip
            try:
                outputs.append(proc.communicate(timeout=60)[0].decode())
            finally:
                stop_group(proc)  # type: ignore[arg-type]
    return outputs[0], os.path.exists(shot)


def test_html_report_in_headless_chromium_holds_every_address_and_no_injected_markup(
    lab: NatLab, tmp_path: Path
) -> None:
    from html.parser import HTMLParser

    from icecheck.render.safe import safe
    from tests.render.test_formats import HOSTILE

    hostile = tmp_path / "hostile.sdp"
    hostile.write_bytes(HOSTILE)
    inputs = [str(REPO / "samples/real/chromium-gum-raw.sdp"), str(hostile)]
    page = tmp_path / "report.html"
    icecheck(lab, "sdp", *inputs, "--format", "html", "-o", str(page), "--offline")
    _, data, _ = report(lab, "sdp", *inputs, "--offline")
    dom, shot = lab.call(lab.client, dump_dom, str(page), str(tmp_path / "report.png"))[0]

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: set[str] = set()
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.add(tag)

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    seen = Collect()
    seen.feed(dom)
    text = "".join(seen.text)
    assert seen.tags <= {"html", "head", "meta", "title", "style", "body", "main", "h2", "h3", "p", "ul", "li",
                         "table", "thead", "tbody", "tr", "th", "td", "span", "code", "strong", "a", "div", "svg",
                         "g", "rect", "text", "path"}, seen.tags  # fmt: skip
    for cand in data["candidates"]:
        assert safe(cand["address"]) in text, cand["address"]
    problems = [d["message"] for doc in data["inputs"] for d in doc["diagnostics"]]
    assert any("@team<b>&`.local" in p for p in problems) and all(safe(p) in text for p in problems)  # markup as text
    assert shot and (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # kept for a person


def test_the_timeout_bounds_the_command_and_a_late_browser_is_a_timeout(lab: NatLab) -> None:
    proc, _ = icecheck(lab, "browser", "--browser", "chromium", "--scenario", "default", "--timeout", "0.4",
                       "--format", "json")  # fmt: skip
    (run,) = json.loads(proc.stdout)["browser_runs"]
    assert (run["outcome"], run["report"], proc.returncode) == ("timeout", None, 2)
    assert proc.stderr.startswith("icecheck: Chromium (default): timeout: no result within")


def test_a_terminal_is_told_which_run_is_going_on(lab: NatLab) -> None:
    hostile = "/nonexistent/\x1b[31mfox"  # a path given with --browser is shown as text, escaped
    main, child = pty.openpty()
    try:
        command = ["ip", "netns", "exec", lab.client,
                   *argv("browser", "--browser", "chromium", "--browser", hostile, "--scenario", "default",
                         "--format", "json")]  # fmt: skip
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=child, timeout=120, check=False)
        os.close(child)
        seen = drain(main)
    finally:
        os.close(main)
    runs = json.loads(proc.stdout)["browser_runs"]  # the report on stdout, untouched
    assert [r["outcome"] for r in runs] == ["ok", "missing"]
    assert "Chromium (default): run 1 of 2" in seen and "(default): run 2 of 2" in seen
    assert "\x1b[31m" not in seen and "\\x1b[31mfox" in seen  # escaped wherever it is shown
    piped, _ = icecheck(lab, "browser", "--browser", hostile, "--scenario", "default", "--format", "json")
    assert "run 1 of 1" not in piped.stderr  # a pipe gets no spinner
