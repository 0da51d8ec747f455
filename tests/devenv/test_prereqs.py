"""A missing prerequisite stops env-up with one clear line naming it, and exit code 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE_PATH = "/usr/bin:/bin"  # bash and coreutils, but no Go, no pyenv shims


def _env_up(tmp_path: Path, components: str, **env: str) -> subprocess.CompletedProcess[str]:
    cleaned = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "PYENV"))}
    return subprocess.run(
        [sys.executable, "-m", "devenv", "up"],
        cwd=ROOT,
        env={
            **cleaned,
            "LBC_ENV": components,
            "LBC_DEVENV_DIR": str(tmp_path / "env"),
            "LBC_CACHE": str(tmp_path / "cache"),
            "HOME": str(tmp_path / "home"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {done.stderr}"
    assert "Traceback" not in done.stderr
    return lines[0]


def test_no_go_toolchain(tmp_path: Path) -> None:
    line = _one_line(_env_up(tmp_path, "kube", PATH=BASE_PATH))
    assert line.startswith("env-up: ") and "Go toolchain (go) is not installed" in line


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:1", "off"])
def test_go_proxy_unreachable(tmp_path: Path, proxy: str) -> None:
    go_bin = str(Path(subprocess.check_output(["go", "env", "GOROOT"], text=True).strip()) / "bin")
    done = _env_up(
        tmp_path,
        "kube",
        PATH=f"{go_bin}:{BASE_PATH}",
        GOPROXY=proxy,
        GOMODCACHE=str(tmp_path / "gomod"),
        GOFLAGS="-mod=mod",
    )
    line = _one_line(done)
    assert line.startswith("env-up: cannot download k8s.io/kubernetes@")


def test_no_python_313_for_localstack(tmp_path: Path) -> None:
    line = _one_line(_env_up(tmp_path, "localstack", PATH=BASE_PATH))
    assert line.startswith("env-up: Python 3.13 is required for LocalStack")
