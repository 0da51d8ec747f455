"""The quick chaos run, inside `make test`: it must break things and the invariants must hold.

`python -m chaos --quick` runs as its own process with its own environment (etcd,
kube-apiserver, moto, the GCE fake, four fault proxies, two controller replicas) in a
temporary folder, and writes its figures as JSON. This test asserts that the chaos happened
(kills, an API-server restart, a hand-over, every fault kind injected) and that every
invariant held at the end, and that the checker flagged each violation planted to test it.
It never asserts a duration.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
HARD_LIMIT = 840  # seconds: far above the run's own bounds (schedule, convergence, set-up)


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _run(tmp: Path) -> dict[str, Any]:
    report, output = tmp / "report.json", tmp / "chaos.log"
    command = [sys.executable, "-m", "chaos", "--quick", "--seed", "1"]
    command += ["--state-dir", str(tmp / "env"), "--json", str(report), "--no-doc"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LBC_DEVENV_DIR", None)
    with output.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            proc.wait(HARD_LIMIT)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)  # it tears its environment down on the way out
            proc.wait(180)
            pytest.fail(f"the chaos run did not finish; its output:\n{_tail(output)}")
    if not report.exists():
        pytest.fail(f"the chaos run wrote no report (exit {proc.returncode}):\n{_tail(output)}")
    figures: dict[str, Any] = json.loads(report.read_text())
    figures["output"] = _tail(output, 60)
    return figures


@pytest.mark.timeout(HARD_LIMIT + 240)
def test_quick_chaos_run_keeps_every_invariant(tmp_path: Path) -> None:
    figures = _run(tmp_path)
    chaos, faults, services = figures["chaos"], figures["faults"], figures["services"]
    assert chaos["kills"] == 3 and chaos["api_restarts"] == 1 and chaos["terms"] == 1, chaos
    assert chaos["leader_changes"] >= 2, chaos
    # a replica that loses its Lease (the API server was down past the renew deadline) exits
    # by design, and is restarted; an exception ending one is a bug
    crashes = [e for e in chaos["unexpected_exits"] if e["reason"].startswith("crash: ")]
    assert crashes == [], crashes
    assert chaos["liveness_kills"] == 0, chaos
    assert faults["faulted"] >= 10 and len([n for n in faults["by_kind"].values() if n]) >= 3
    assert faults["by_cloud"]["aws"]["faulted"] and faults["by_cloud"]["gce"]["faulted"], faults
    assert services["created"] >= 24 and services["changed"] and services["deleted"], services
    failed = {
        name: result["examples"][:10]
        for name, result in figures["invariants"].items()
        if not result["ok"]
    }
    assert not failed, f"invariants violated: {json.dumps(failed, indent=2)}\n{figures['output']}"
    assert figures["gc_orphans"].get("Service not found", 0) == 0, figures["gc_orphans"]
    assert figures["checker_self_test"]["ok"], figures["checker_self_test"]
