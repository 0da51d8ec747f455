"""Our Compute Engine REST fake (`devenv.gcefake`), run as its own server on loopback.

Where it sits: `devenv.__main__ up` starts it beside the other stand-ins and exports its
endpoint as `GCE_ENDPOINT_URL`; the GCP provider's tests point google-cloud-compute at it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devenv.procs import Proc, free_port, http_ok, start, wait_ready


def start_gcefake(state: Path) -> tuple[Proc, str]:
    """The fake on a free loopback port."""
    port = free_port()
    proc = start(
        "gcefake",
        [sys.executable, "-m", "devenv.gcefake", "--port", str(port)],
        logs=state / "logs",
        env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, lambda: http_ok(f"{url}/_fake/calls"), timeout=30)
    return proc, url
