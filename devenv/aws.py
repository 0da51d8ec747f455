"""The AWS stand-ins: moto_server (default) and LocalStack on the host (second backend).

Where it sits: `devenv.__main__ up` starts both; `.devenv/env.sh` exports each endpoint and
`AWS_ENDPOINT_URL` for the one `AWS_BACKEND` names (moto unless told otherwise), with dummy
credentials and region. Tests reset them between tests through their own reset endpoints.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devenv.procs import EnvError, Proc, free_port, http_ok, run_script, start, wait_ready

ROOT = Path(__file__).resolve().parent.parent
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def start_moto(state: Path) -> tuple[Proc, str]:
    """moto_server from the project's venv (with `moto_serve`'s fix), on a free loopback port."""
    port = free_port()
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        raise EnvError(f"moto_server is not installed in {moto.parent} (run `make venv`)")
    argv = [sys.executable, "-m", "devenv.moto_serve", "-H", "127.0.0.1", "-p", str(port)]
    proc = start("moto", argv, logs=state / "logs", env={"PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, lambda: http_ok(f"{url}/moto-api/data.json"), timeout=30)
    return proc, url


def install_localstack() -> Path:
    """The LocalStack venv (made on first use by localstack/install.sh)."""
    return Path(run_script(ROOT / "localstack" / "install.sh"))


def start_localstack(state: Path) -> tuple[Proc, str]:
    """LocalStack's runtime on the host, serving ec2, elb and elbv2."""
    install_localstack()
    port = free_port()
    data = state / "localstack"
    data.mkdir(parents=True, exist_ok=True)
    proc = start(
        "localstack",
        ["bash", str(ROOT / "localstack" / "start.sh"), str(port), str(data)],
        logs=state / "logs",
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, lambda: http_ok(f"{url}/_localstack/health"), timeout=90)
    return proc, url
