"""The bench's own local environment: kube-apiserver, etcd and moto_server, via `devenv`.

Where it sits: the runner enters `environment()` once. It brings the environment up (or reuses
a running one) with `devenv.env.up()` in a state folder of the bench's own (`.devenv/bench`, or
`--env-dir` / LBC_BENCH_DEVENV_DIR), so it never shares servers with a test session, and stops
it at the end only if it started it. LBC_BENCH_ENV picks the components (default kube,moto).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import urllib3

from devenv import env as devenv
from devenv.state import EnvState, load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".devenv" / "bench"
COMPONENTS = "kube,moto"
_HTTP = urllib3.PoolManager(num_pools=2, maxsize=2)


def env_dir(given: str | None) -> Path:
    """The state folder: --env-dir, else LBC_BENCH_DEVENV_DIR, else `.devenv/bench`."""
    return Path(given or os.environ.get("LBC_BENCH_DEVENV_DIR") or DEFAULT_DIR)


@contextmanager
def _pointed_at(folder: Path) -> Iterator[None]:
    """LBC_DEVENV_DIR / LBC_ENV set for `devenv` while inside; restored afterwards."""
    saved = {key: os.environ.get(key) for key in ("LBC_DEVENV_DIR", "LBC_ENV")}
    os.environ["LBC_DEVENV_DIR"] = str(folder)
    os.environ["LBC_ENV"] = os.environ.get("LBC_BENCH_ENV", COMPONENTS)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def environment(folder: Path) -> Iterator[tuple[EnvState, bool]]:
    """The running environment and whether it was already up (then it is left running)."""
    with _pointed_at(folder):
        before = load(folder)
        was_up = before is not None and before.all_alive()
        state = devenv.up()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        if key in state.env:
            os.environ[key] = state.env[key]
    try:
        yield state, was_up
    finally:
        if not was_up and not os.environ.get("LBC_KEEP_ENV"):
            with _pointed_at(folder):
                devenv.down()


def reset_moto(endpoint: str) -> None:
    """Empty moto_server (every account and region)."""
    resp = _HTTP.request("POST", f"{endpoint}/moto-api/reset", body=b"", timeout=30.0)
    if resp.status >= 300:
        raise RuntimeError(f"moto reset answered {resp.status}")


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """A GET on loopback (readiness, metrics)."""
    resp = _HTTP.request("GET", url, timeout=timeout, retries=False)
    return resp.status, resp.data
