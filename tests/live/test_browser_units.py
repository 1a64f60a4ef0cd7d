"""``icecheck browser`` without a browser: install locations, settings files, the posted result, the verdict.

Discovery runs against folders laid out as each platform installs browsers, with small
executables that answer ``--version`` the way the real ones do (Chromium on Windows prints
nothing: its version is a folder beside it). The real browsers are in test_browser_live.py.
"""

from __future__ import annotations

import json
import plistlib
import stat
from pathlib import Path

import pytest

from icecheck.analysis.policy import preset
from icecheck.inputs.candidate import parse_candidate
from icecheck.live.browser_audit import (
    compare,
    posted_document,
    preference_effect,
    read_posted,
    server_attempts,
    user_agent_name,
)
from icecheck.live.browser_run import argv, environment, firefox_prefs
from icecheck.live.browser_settings import Setting, managed_policies, profile_prefs
from icecheck.live.browsers import KINDS, Browser, Missing, choose, find_installed, locations
from icecheck.live.page import SCENARIOS
from icecheck.model import BrowserRun, CandidateRecord, InputDocument, InputKind, InputStatus, InterfaceInfo, Origin
from icecheck.report import runs_exit_code

MDNS = "80723198-75e9-412e-8743-e152057d9667.local"
CHROMIUM_DEFAULT = [
    {"candidate": f"candidate:1 1 udp 2113937151 {MDNS} 39670 typ host generation 0", "url": None},
    {"candidate": "candidate:2 1 udp 1677729535 203.0.113.1 39670 typ srflx raddr 0.0.0.0 rport 0",
     "url": "stun:203.0.113.10:3478"},
    {"candidate": "candidate:3 1 udp 50339839 203.0.113.10 49191 typ relay raddr 203.0.113.1 rport 39670",
     "url": "turn:203.0.113.10:3478?transport=udp"},
]  # fmt: skip


def executable(path: Path, prints: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\nprintf '{prints}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_every_kind_has_a_place_on_every_platform() -> None:
    for kind in KINDS:
        for platform in ("linux", "darwin", "win32"):
            found = locations(kind, platform, {"PROGRAMFILES": "C:/Program Files"}, "/Users/me")
            assert found, (kind.key, platform)
    mac = locations(KINDS[1], "darwin", {}, "/Users/me")
    assert mac == ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                   "/Users/me/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"]  # fmt: skip


def test_windows_layout_and_a_version_folder(tmp_path: Path) -> None:
    env = {"PROGRAMFILES": str(tmp_path / "pf"), "LOCALAPPDATA": str(tmp_path / "local")}
    chrome = executable(tmp_path / "local/Google/Chrome/Application/chrome.exe")  # prints no version
    (chrome.parent / "156.0.8078.114").mkdir()
    (chrome.parent / "155.0.1.2").mkdir()
    executable(tmp_path / "pf/Mozilla Firefox/firefox.exe", "Mozilla Firefox 153.0\\n")
    found = find_installed("win32", env)
    assert [(b.key, b.name, b.version) for b in found] == [
        ("chrome", "Google Chrome", "156.0.8078.114"),
        ("firefox", "Firefox", "153.0"),
    ]
    assert found[0].executable == str(chrome) and found[0].title == "Google Chrome 156.0.8078.114"


def test_two_launchers_of_one_browser_count_once_and_esr_is_named(tmp_path: Path) -> None:
    env = {"LOCALAPPDATA": str(tmp_path)}
    executable(tmp_path / "Mozilla Firefox ESR/firefox.exe", "Mozilla Firefox 153.8.0esr\\n")
    executable(tmp_path / "Mozilla Firefox/firefox.exe", "Mozilla Firefox 153.8.0esr\\n")
    (only,) = find_installed("win32", env)
    assert (only.key, only.name, only.version) == ("firefox-esr", "Firefox ESR", "153.8.0esr")


def test_browser_option_takes_names_and_paths(tmp_path: Path) -> None:
    fake = executable(tmp_path / "bin/my-firefox", "Mozilla Firefox 140.1.0\\n")
    chosen = choose(["edge", str(fake), str(tmp_path / "nowhere/chrome")], "win32", {})
    edge, mine, gone = chosen
    assert isinstance(edge, Missing) and edge.name == "Microsoft Edge" and edge.looked_at == ()
    assert isinstance(mine, Browser) and (mine.family, mine.version) == ("firefox", "140.1.0")
    assert (
        isinstance(gone, Missing)
        and gone.family == "chromium"
        and gone.looked_at == (str(tmp_path / "nowhere/chrome"),)
    )
    with pytest.raises(ValueError, match="not a browser icecheck knows"):
        choose(["netscape"])


def test_managed_policies_are_read_like_chromium_reads_them(tmp_path: Path) -> None:
    managed = tmp_path / "etc/chromium/policies/managed"
    managed.mkdir(parents=True)
    (managed / "a.json").write_text(json.dumps({"WebRtcIPHandling": "default", "HomepageLocation": "x"}))
    (managed / "b.json").write_text(json.dumps({"WebRtcIPHandling": "disable_non_proxied_udp",
                                                "WebRtcUdpPortRange": "10000-10100"}))  # fmt: skip
    (managed / "c.json").write_text("{broken")
    (managed / "notes.txt").write_text("ignored")
    found, problems = managed_policies("chromium", "linux", str(tmp_path))
    assert [(s.name, json.loads(s.value)) for s in found] == [
        ("WebRtcIPHandling", "disable_non_proxied_udp"),  # later files win, as Chromium reads them in order
        ("WebRtcUdpPortRange", "10000-10100"),
    ]
    assert len(problems) == 1 and "c.json" in problems[0]
    assert managed_policies("chrome", "linux", str(tmp_path)) == ([], [])


def test_macos_policies_come_from_the_managed_plist(tmp_path: Path) -> None:
    folder = tmp_path / "Library/Managed Preferences"
    folder.mkdir(parents=True)
    with open(folder / "com.google.Chrome.plist", "wb") as f:
        plistlib.dump({"WebRtcLocalIpsAllowedUrls": ["https://meet.example"], "Other": 1}, f)
    found, problems = managed_policies("chrome", "darwin", str(tmp_path))
    assert [(s.name, json.loads(s.value)) for s in found] == [("WebRtcLocalIpsAllowedUrls", ["https://meet.example"])]
    assert problems == []


def test_profile_prefs_are_read_not_written_and_user_js_wins(tmp_path: Path) -> None:
    (tmp_path / "prefs.js").write_text(
        '// Mozilla User Preferences\nuser_pref("media.peerconnection.ice.no_host", false);\n'
        'user_pref("media.peerconnection.ice.obfuscate_host_addresses", true);\n'
        'user_pref("browser.startup.page", 3);\nuser_pref("media.peerconnection.x\\x41", true);\n'
    )
    (tmp_path / "user.js").write_text('user_pref("media.peerconnection.ice.no_host", true);\n')
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    prefs = {s.name: json.loads(s.value) for s in profile_prefs(str(tmp_path))}
    assert prefs == {
        "media.peerconnection.ice.no_host": True,
        "media.peerconnection.ice.obfuscate_host_addresses": True,
    }
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Firefox profile"):
        profile_prefs(str(tmp_path / "empty"))


def test_throw_away_prefs_reencode_every_value() -> None:
    hostile = Setting('media.peerconnection.a");\nuser_pref("x', json.dumps('v");user_pref("y", 1);//'), "p")
    text = firefox_prefs(SCENARIOS["permission"], [hostile])
    tail = text[text.index("// WebRTC prefs read from --profile") :]
    lines = [line for line in tail.splitlines() if line.startswith("user_pref(")]
    assert len(lines) == 4  # the hostile pref stays one line, then the three permission prefs
    assert 'user_pref("media.navigator.permission.fake", true);' in lines
    assert "network.captive-portal-service.enabled" in text  # the base prefs come first


def test_launch_flags_per_family_and_scenario() -> None:
    chromium = Browser("chromium", "Chromium", "chromium", "/usr/bin/chromium", "156.0")
    firefox = Browser("firefox-esr", "Firefox ESR", "firefox", "/usr/bin/firefox-esr", "153.8.0esr")
    plain = argv(chromium, SCENARIOS["default"], "/tmp/p", "http://127.0.0.1:1/t/run/r")
    assert plain[0] == "/usr/bin/chromium" and plain[-1] == "http://127.0.0.1:1/t/run/r"
    assert "--headless=new" in plain and "--user-data-dir=/tmp/p" in plain and "--disable-sync" in plain
    assert "--no-sandbox" not in plain and "--use-fake-ui-for-media-stream" not in plain
    granted = argv(chromium, SCENARIOS["permission"], "/tmp/p", "u", as_root=True)
    assert "--use-fake-ui-for-media-stream" in granted and "--no-sandbox" in granted
    assert argv(firefox, SCENARIOS["permission"], "/tmp/p", "u") == [
        "/usr/bin/firefox-esr", "--headless", "--no-remote", "--profile", "/tmp/p", "u"]  # fmt: skip
    env = environment(firefox, "/tmp/p", {"HOME": "/home/me", "PATH": "/bin"})
    assert env["HOME"] == "/tmp/p" and env["PATH"] == "/bin" and env["MOZ_CRASHREPORTER_DISABLE"] == "1"


def posted(cands: list[dict[str, object]], errors: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"run": "r", "scenario": "default", "userAgent": "Mozilla/5.0 HeadlessChrome/156.0.0.0",
            "candidates": cands, "errors": errors or [], "finished": "complete", "elapsedMs": 120}  # fmt: skip


def test_a_posted_result_becomes_an_input_with_one_attempt_per_server() -> None:
    result = read_posted(posted(CHROMIUM_DEFAULT))
    urls = ["stun:203.0.113.10:3478", "turn:203.0.113.10:3478?transport=udp", "stun:203.0.113.99:3478"]
    doc = posted_document(result, "Chromium 156 (default)", None, urls)
    assert doc.kind == "browser" and doc.status is InputStatus.OK and len(doc.candidates) == 3
    assert [r.origin.location() for r in doc.candidates] == [f"Chromium 156 (default):{n}" for n in (1, 2, 3)]
    assert [(a.kind, a.status) for a in doc.attempts] == [("stun", "ok"), ("turn", "ok"), ("stun", "timeout")]


def test_browser_errors_name_the_failure() -> None:
    errors = [
        {"url": "turn:203.0.113.10:3478?transport=udp", "errorCode": 401, "errorText": "Unauthorized"},
        {"url": "stun:203.0.113.99:3478", "errorCode": 701, "errorText": "STUN binding request timed out."},
    ]
    attempts = server_attempts(read_posted(posted(CHROMIUM_DEFAULT[:1], errors)),
                               ["turn:203.0.113.10:3478", "stun:203.0.113.99:3478"])  # fmt: skip
    assert [(a.status, a.detail) for a in attempts] == [
        ("auth-failed", "the browser reported 401 Unauthorized"),
        ("timeout", "the browser reported 701 STUN binding request timed out."),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"candidates": "candidate:1 1 udp 1 192.0.2.1 1 typ host"},
        {"candidates": [{"candidate": "x" * 5000}]},
        {"candidates": [{"candidate": 42}]},
        {"candidates": [{"candidate": "c"}] * 1001},
        {"candidates": [], "elapsedMs": "soon"},
    ],
)
def test_a_malformed_result_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        read_posted({**posted([]), **bad})


def test_a_hostile_candidate_is_a_diagnostic_on_its_line() -> None:
    cands = [{"candidate": "candidate:1 1 udp 1 jane\x1b[31m\n-laptop.local 5 typ host", "url": None},
             {"candidate": CHROMIUM_DEFAULT[1]["candidate"], "url": None}]  # fmt: skip
    doc = posted_document(read_posted(posted(cands)), "serve", None, ())
    assert len(doc.candidates) == 1 and doc.diagnostics and doc.diagnostics[0].origin.line == 1


def record(text: str, iface: InterfaceInfo | None = None) -> CandidateRecord:
    return CandidateRecord(parse_candidate(text), Origin("live"), interface=iface)


def test_comparison_with_the_gathering_and_interfaces_taken_from_it() -> None:
    lan = InterfaceInfo("c-lan", "ethernet", True)
    gathered = InputDocument("live", InputKind.GATHER, InputStatus.OK, (
        record("candidate:1 1 udp 1 192.168.77.10 5000 typ host", lan),
        record("candidate:2 1 udp 1 100.64.10.10 5001 typ host", InterfaceInfo("c-cgn", "ethernet")),
        record("candidate:3 1 udp 1 203.0.113.1 5000 typ srflx raddr 192.168.77.10 rport 5000", lan)))  # fmt: skip
    cands = [
        {"candidate": "candidate:9 1 udp 2122063615 192.168.77.10 54159 typ host", "url": None},
        *CHROMIUM_DEFAULT[:2],
        {"candidate": "candidate:8 1 tcp 1 198.51.100.9 9 typ host", "url": None},
    ]
    doc = posted_document(read_posted(posted(cands)), "b", gathered)
    assert doc.candidates[0].interface == lan and doc.candidates[1].interface is None
    cmp = compare(doc, gathered)
    assert cmp.gathered == ("192.168.77.10", "100.64.10.10", "203.0.113.1")
    assert cmp.hidden == ("100.64.10.10",) and cmp.only_browser == ("198.51.100.9",) and cmp.mdns_names == 1
    assert "no change" in preference_effect(doc, doc)
    assert preference_effect(doc, None).startswith("not measured")
    assert "without them 0 host, 1 srflx" in preference_effect(
        doc, posted_document(read_posted(posted(cands[2:3])), "b")
    )


def test_user_agents_name_the_browser() -> None:
    assert user_agent_name("Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0") == (
        "Firefox",
        "153.0",
    )
    assert (
        user_agent_name("Mozilla/5.0 AppleWebKit/537.36 Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0")[0]
        == "Microsoft Edge"
    )
    assert user_agent_name("curl/8") == ("a browser", None)


def run(outcome: str, result: object = None) -> BrowserRun:
    return BrowserRun("Chromium", "156", "/usr/bin/chromium", "default", outcome, 1.0, result=result)  # type: ignore[arg-type]


def test_the_exit_code_of_several_runs() -> None:
    from icecheck.audit import AuditSettings, audit

    clean = audit([InputDocument("b", InputKind.BROWSER, InputStatus.OK, (record(CHROMIUM_DEFAULT[0]["candidate"]),))],
                  AuditSettings(preset("default")))  # fmt: skip
    assert runs_exit_code([run("missing"), run("timeout")], strict=False)[0] == 2
    assert runs_exit_code([run("ok", clean), run("missing")], strict=False) == (0, [0, 0])
    assert runs_exit_code([run("ok", clean), run("missing")], strict=True)[0] == 3
    assert runs_exit_code([run("ok", clean), run("skipped")], strict=True)[0] == 0


def test_a_browser_that_does_not_start_is_a_failed_run(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    broken = executable(tmp_path / "bin/chromium-broken", "cannot open display\\n")  # exits at once
    args = ("browser", "--browser", str(broken), "--scenario", "default", "--format", "json", "--strict")
    proc = run_cli(*args, env={"ICECHECK_OFFLINE": ""})  # it gathers with no server: only host candidates
    (only,) = json.loads(proc.stdout)["browser_runs"]
    assert (only["outcome"], only["report"], proc.returncode) == ("failed", None, 2)
    assert "exited (code 0) before the page sent a result" in only["detail"]
    assert proc.stderr.count("\n") == 1 and "failed: exited" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--browser", "netscape"], "not a browser icecheck knows"),
        (["--browser", "/nonexistent/chrome", "--format", "sarif"], "--format sarif shows one run"),
        (["--profile", "/nonexistent/profile"], "not a folder"),
        (["--turn", "turn:203.0.113.10"], "--turn needs --turn-user"),
        (["--browser", "/nonexistent/chrome"], "ICECHECK_OFFLINE=1 sends no packet, and a browser announces its mDNS"),
    ],
)
def test_browser_usage_errors_are_one_line(args: list[str], message: str) -> None:
    from tests.conftest import run_cli

    proc = run_cli("browser", *args)
    assert proc.returncode == 2 and proc.stdout == "" and message in proc.stderr, proc.stderr
    assert proc.stderr.startswith("icecheck: ") and proc.stderr.count("\n") == 1


def test_serve_stops_cleanly_on_ctrl_c() -> None:
    import os
    import signal
    import subprocess
    import sys

    def as_from_a_shell() -> None:
        """SIGINT as a terminal's shell leaves it: handled by default, not blocked. A child inherits
        an ignored or blocked SIGINT from pytest's process, and the full suite's CI once hung here."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "ICECHECK_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "icecheck", "serve"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=as_from_a_shell)  # fmt: skip
    try:
        line = proc.stderr.readline() if proc.stderr else ""
        assert line.startswith("icecheck: open http://127.0.0.1:") and "(Ctrl-C stops)" in line
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)  # a hang guard: it exits in ~0.1 s
        except subprocess.TimeoutExpired:
            with open(f"/proc/{proc.pid}/status") as status:
                state = [row.strip() for row in status if row.startswith(("SigPnd", "ShdPnd", "SigBlk", "SigIgn"))]
            raise AssertionError(f"serve did not stop on SIGINT: {state}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and out == "" and "Traceback" not in err


def test_listening_beyond_loopback_is_warned_about() -> None:
    from icecheck.live.serve import exposed_warning

    assert exposed_warning("127.0.0.1", 8478) is None and exposed_warning("::1", 8478) is None
    assert exposed_warning("localhost", 8478) is None
    warning = exposed_warning("0.0.0.0", 8478)
    assert warning is not None and "anyone on your network" in warning and "0.0.0.0:8478" in warning
    assert exposed_warning("192.168.1.5", 1) is not None


@pytest.mark.parametrize(
    "args",
    [["--stun", "stun:203.0.113.10"], ["--public-stun"], ["--listen", "0.0.0.0:0"]],
)
def test_serve_offline_sends_nothing_so_refuses_servers_and_other_listeners(args: list[str]) -> None:
    from tests.conftest import run_cli

    proc = run_cli("serve", "--offline", *args)
    assert proc.returncode == 2 and proc.stderr.startswith("icecheck: --offline sends no packet"), proc.stderr
