"""scripts/build-helm.sh: cached, idempotent, and one clear line when Go is missing.

Where it sits: the script `make prereqs` runs and the `helm` fixture calls (`chart.py`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helm.chart import BUILD_SCRIPT, Helm, HelmMissing, build_helm


def _path_without_go() -> str:
    go = shutil.which("go")
    assert go, "Go is on PATH for the rest of the suite"
    folder = str(Path(go).parent)
    return os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != folder)


def test_a_cached_helm_is_found_at_once_and_runs(helm: Helm) -> None:
    started = time.monotonic()
    again = build_helm()
    assert time.monotonic() - started < 5
    assert again == helm.binary
    assert again.parent.name.startswith("helm-v3.")
    done = helm.run("version", "--short")
    assert done.returncode == 0
    assert done.stdout.startswith(again.parent.name.removeprefix("helm-"))


def test_a_missing_go_is_one_env_up_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_without_go())
    monkeypatch.setenv("LBC_CACHE", str(tmp_path))
    done = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "env-up: the Go toolchain (go) is not installed; it builds helm"
    ]
    with pytest.raises(HelmMissing, match="env-up: the Go toolchain"):
        build_helm()
