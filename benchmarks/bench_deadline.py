"""Wall time of the live commands against ``--timeout`` when the DNS server never answers (issue 11.3).

    sudo python benchmarks/bench_deadline.py [--repo PATH] [--runs N] [--timeout S]

Runs in the netns NAT lab of tests/lab: the client namespace's only resolver is a UDP socket in
the public namespace that reads queries and never answers (tests/lab/silent_dns.py), and coturn
listens on 203.0.113.10. For the last rows the client gets the recorded public address 62.239.237.1
(a lookup key: no packet is ever sent to it), so a gathering has a public host candidate to look up;
a tree that has ``gather --lookup-timeout`` is given ``--lookup-timeout`` = ``--timeout`` there.
Each row is a fresh ``python -m icecheck`` process in the client namespace, run from ``--repo``
(default: this checkout), so the same script measures a tree before and after a change. Rule:
wall time <= timeout + 0.5 s (+ the lookup timeout where lookups follow the gathering). Also
prints the packets the client sent under ``ICECHECK_OFFLINE=1``.
Nothing leaves the lab; safest started from a private namespace, as CI does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
PUBLIC_HOST = "62.239.237.1"  # recorded in rdap-fixtures: a lookup key only


def timed(lab: object, repo: Path, args: list[str], env: dict[str, str]) -> tuple[float, dict[str, object] | str]:
    """Wall seconds of one CLI run in the client namespace, and its JSON report (or stderr)."""
    from tests.lab.netns import NatLab

    assert isinstance(lab, NatLab)
    argv = ["env", "-C", str(repo), "-u", "ICECHECK_OFFLINE", f"PYTHONPATH={repo}",
            *(f"{k}={v}" for k, v in env.items()), sys.executable, "-m", "icecheck", *args]  # fmt: skip
    start = time.perf_counter()
    proc = lab.exec(lab.client, *argv, check=False, timeout=120)
    seconds = time.perf_counter() - start
    try:
        return seconds, json.loads(proc.stdout)
    except ValueError:
        return seconds, proc.stderr.decode(errors="replace").strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose icecheck runs (PYTHONPATH)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()

    from tests.lab.coturn import Coturn
    from tests.lab.netns import PUBLIC_A, PUBLIC_B, PUBLIC_DNS, NatLab, lab_problem
    from tests.lab.silent_dns import SilentDns, add_public_address, use_as_system_resolver

    if problem := lab_problem():
        sys.exit(f"bench_deadline: {problem}")
    t = f"{args.timeout:g}"
    names = {
        "gather --stun stun:stun.example.net (system resolver)": ["gather", "--stun", "stun:stun.example.net"],
        "gather --stun stun:stun.example.net --resolver silent": [
            "gather", "--stun", "stun:stun.example.net", "--resolver", PUBLIC_DNS],
        "nat --stun stun:stun.example.net (system resolver)": ["nat", "--stun", "stun:stun.example.net"],
        "nat --stun stun:stun.example.net --resolver silent": [
            "nat", "--stun", "stun:stun.example.net", "--resolver", PUBLIC_DNS],
    }  # fmt: skip
    lookups = {
        "gather --stun 203.0.113.10, lookups (system resolver)": ["gather", "--stun", f"stun:{PUBLIC_A}"],
        "gather --stun 203.0.113.10, lookups --resolver silent": [
            "gather", "--stun", f"stun:{PUBLIC_A}", "--resolver", PUBLIC_DNS],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, NatLab("cone") as lab:
        env = {"XDG_CACHE_HOME": tmp, "COLUMNS": "200"}
        use_as_system_resolver(lab.client, PUBLIC_DNS)
        with Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]), SilentDns(lab, lab.public, PUBLIC_DNS, Path(tmp) / "dns"):
            help_text = lab.exec(lab.client, "env", "-C", str(args.repo), sys.executable, "-m", "icecheck",
                                 "gather", "--help").stdout.decode()  # fmt: skip
            bounded = ["--lookup-timeout", t] if "--lookup-timeout" in help_text else []
            print(f"tree: {args.repo}  (--timeout {t}; rule: wall <= {args.timeout + 0.5:g} s, "
                  f"+ {t} s where lookups follow)")  # fmt: skip
            print(f"{'command':<72} {'median s':>9} {'max s':>7}  report")
            rows = [(name, argv) for name, argv in names.items()]
            rows += [(name + (f" --lookup-timeout {t}" if bounded else ""), [*argv, *bounded])
                     for name, argv in lookups.items()]  # fmt: skip
            for i, (name, argv) in enumerate(rows):
                if i == len(names):
                    add_public_address(lab, PUBLIC_HOST)
                times, shown = [], ""
                for _ in range(args.runs):
                    seconds, out = timed(lab, args.repo, [*argv, "--timeout", t, "--format", "json"], env)
                    times.append(seconds)
                    shown = _summary(out)
                print(f"{name:<72} {statistics.median(times):>9.2f} {max(times):>7.2f}  {shown}")
            lab.count_client_egress()
            _, out = timed(lab, args.repo, ["gather", "--stun", f"stun:{PUBLIC_A}", "--format", "json"],
                           {**env, "ICECHECK_OFFLINE": "1"})  # fmt: skip
            print(f"\nICECHECK_OFFLINE=1 gather --stun stun:{PUBLIC_A}: {lab.client_egress()} packets left the "
                  f"client; {_summary(out)}")  # fmt: skip


def _summary(out: dict[str, object] | str) -> str:
    if isinstance(out, str):
        return out.splitlines()[-1][:100] if out else "(no output)"
    attempts = out.get("attempts") or []
    assert isinstance(attempts, list)
    return ", ".join(f"{a['kind']} {a['status']} {a['elapsed'] * 1000:.0f} ms" for a in attempts)[:160]


if __name__ == "__main__":
    os.environ.pop("ICECHECK_OFFLINE", None)
    main()
