"""A softphone's CI gate, for real: aiortc makes offers inside the namespace lab and icecheck
gates them with a policy file (the job of docs/ci.md).

The default configuration (no ICE servers: host candidates only) must fail the gate; the
relay-only configuration, against coturn in the lab's public namespace, must pass it. aiortc
falls back to a public STUN server when ``iceServers`` is None, so the offers always pass an
explicit list; they run in the lab's client namespace, whose only links lead into the lab,
and the client's egress counter shows that the host-only offer sent nothing at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, run_cli, unavailable

LAB_MISSING = (
    "needs root (network namespaces)" if os.geteuid() != 0
    else "needs iproute2 and nftables" if shutil.which("ip") is None or shutil.which("nft") is None
    else "needs coturn" if shutil.which("turnserver") is None
    else None
)  # fmt: skip

POLICY = """\
# The softphone may only advertise relay candidates on our own TURN service.
preset = "relay-only"
fail-on = "high"
[allow]
relays = ["203.0.113.10"]
"""


async def aiortc_offer(turn: tuple[str, int] | None) -> str:
    """Offer SDP of a data-channel RTCPeerConnection; relay-only through ``turn`` when given."""
    from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
    from aiortc.rtcconfiguration import RTCIceTransportPolicy

    if turn is None:
        config = RTCConfiguration(iceServers=[])  # explicit: None would mean a public STUN server
    else:
        server = RTCIceServer(urls=f"turn:{turn[0]}:{turn[1]}?transport=udp", username="icetest",
                              credential="icepass")  # fmt: skip
        config = RTCConfiguration(iceServers=[server], iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    pc = RTCPeerConnection(configuration=config)
    try:
        pc.createDataChannel("gate")
        await pc.setLocalDescription(await pc.createOffer())  # gathers before it returns
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


@pytest.fixture(scope="module")
def lab() -> Any:
    if LAB_MISSING is not None:
        unavailable(LAB_MISSING)  # outside CI a machine without the lab skips; CI fails loudly instead
    from tests.lab.netns import NatLab

    with NatLab() as lab:
        yield lab


def gate(sdp: Path, policy: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sdp", str(sdp), "--config", str(policy), *extra)


def test_default_configuration_fails_the_gate(lab: Any, tmp_path: Path) -> None:
    policy = tmp_path / ".icecheck.toml"
    policy.write_text(POLICY)
    lab.count_client_egress()
    sdp, _ = lab.call(lab.client, aiortc_offer, None, timeout=120)
    assert lab.client_egress() == 0  # no ICE server: nothing was sent anywhere
    offer = tmp_path / "default.sdp"
    offer.write_text(sdp)
    assert "typ host" in sdp and "192.168.77.10" in sdp
    proc = gate(offer, policy, "--format", "json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["policy"] == "relay-only"
    violations = [f for f in report["findings"] if f["rule"] == "ICE014"]
    assert violations and all("not allowed" in f["message"] for f in violations)
    annotations = gate(offer, policy, "--format", "github").stdout
    assert "::error file=" in annotations and "ICE014" in annotations


def test_relay_only_configuration_passes_the_gate(lab: Any, tmp_path: Path) -> None:
    from tests.lab.coturn import Coturn
    from tests.lab.netns import PUBLIC_A

    policy = tmp_path / ".icecheck.toml"
    policy.write_text(POLICY)
    with Coturn(lab, lab.public, [PUBLIC_A]):
        sdp, _ = lab.call(lab.client, aiortc_offer, (PUBLIC_A, 3478), timeout=120)
    offer = tmp_path / "relay.sdp"
    offer.write_text(sdp)
    assert "typ relay" in sdp and "typ host" not in sdp and "192.168.77.10" not in sdp
    proc = gate(offer, policy, "--format", "sarif")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["runs"][0]["results"] == []
    # The same offer against somebody else's TURN allowlist fails: the relay is not ours.
    other = tmp_path / "other.toml"
    other.write_text(POLICY.replace("203.0.113.10", "198.51.100.7"))
    assert gate(offer, other).returncode == 1


def test_pre_commit_hook_and_action_describe_the_same_gate() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "icecheck-sdp")
    assert hook["entry"].split()[:2] == ["icecheck", "sdp"] and hook["language"] == "python"
    for each in hooks:  # a commit never looks a public address up
        assert "--offline" in each["entry"].split(), each["id"]
    assert hook["files"] == r"\.sdp$"
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert any("upload-sarif" in str(s.get("uses", "")) for s in steps)
    script = "\n".join(str(s.get("run", "")) for s in steps)
    assert "--format sarif" in script and "${{ inputs." not in script  # inputs reach the shell only via env
    assert action["inputs"]["offline"]["default"] == "true" and "args+=(--offline)" in script


@pytest.mark.parametrize(("sample", "code"), [("rules/clean-relay-only.sdp", "0"), ("rules/ICE006.sdp", "1")])
def test_action_audit_step_runs(tmp_path: Path, sample: str, code: str) -> None:
    """The action's Audit step, run by bash as the runner would, with inputs through env."""
    if shutil.which("icecheck") is None:
        unavailable("icecheck console script not installed")

    steps = yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"]
    script = next(s["run"] for s in steps if s.get("id") == "audit")
    env = {**os.environ, "FILES": f"samples/{sample}", "COMMAND": "sdp", "CONFIG": "", "FAIL_ON": "", "OFFLINE": "true",
           "SARIF": str(tmp_path / "out.sarif"), "GITHUB_OUTPUT": str(tmp_path / "output"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}  # fmt: skip
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "output").read_text() == f"exit-code={code}\n"
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "summary.md").read_text().startswith("## icecheck: ")
    assert ("::error " in proc.stdout) == (code == "1")
