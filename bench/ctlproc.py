"""The controller as its own process (`python -m lbcontroller.cli run`), for its RSS.

Where it sits: the memory scenario starts it with a config file pointing the AWS provider at
moto, waits on `/readyz` (both caches synced), samples VmRSS and VmHWM from /proc for a few
seconds, and stops it with SIGTERM (only this pid; killed if it does not exit in time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.env import ROOT, http_get
from devenv.procs import free_port


@dataclass(frozen=True)
class Footprint:
    """The controller's memory once its caches are synced."""

    rss: int  # bytes, the last sample
    hwm: int  # bytes, the peak so far (VmHWM)
    ready_seconds: float


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def _ready(url: str) -> bool:
    try:
        return http_get(url, timeout=2.0)[0] == 200
    except Exception:  # not listening yet
        return False


def measure(settings: dict[str, Any], *, kubeconfig: str, work: Path, timeout: float) -> Footprint:
    """Run the controller with `settings` until ready, sample its memory, stop it."""
    port = free_port()
    settings["controller"]["metricsAddress"] = f"127.0.0.1:{port}"
    work.mkdir(parents=True, exist_ok=True)
    path = work / "controller.yaml"
    path.write_text(json.dumps(settings))  # JSON is YAML
    argv = [sys.executable, "-m", "lbcontroller.cli", "run", "--config", str(path)]
    argv += ["--kubeconfig", kubeconfig, "--log-level", "WARNING"]
    with (work / "controller-process.log").open("ab") as log:
        proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
    try:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"the controller exited with {proc.returncode}; see {work}")
            if _ready(f"http://127.0.0.1:{port}/readyz"):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the controller was not ready within {timeout} s")
        ready = time.monotonic() - started
        samples = []
        for _ in range(10):
            samples.append(_status(proc.pid))
            time.sleep(0.3)
        return Footprint(rss=samples[-1]["VmRSS"], hwm=samples[-1]["VmHWM"], ready_seconds=ready)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
