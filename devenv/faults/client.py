"""Starting fault proxies and talking to their admin endpoint.

Where it sits: the chaos run (`chaos.world`) and `tests/devenv/test_faultproxy.py` start one proxy
process per upstream with `start_proxy` (recorded like every devenv server, so it is stopped
by pid) and configure, read and reset it through `FaultAdmin`.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from devenv.procs import Proc, free_port, http_ok, start, wait_ready

ROOT = Path(__file__).resolve().parent.parent.parent


class FaultAdmin:
    """The admin endpoint of one proxy (`url` is the proxy's base URL)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            err.close()
            raise ValueError(f"faultproxy {method} {path}: {err.code} {detail}") from None

    def configure(self, **spec: Any) -> dict[str, Any]:
        """POST /_faults with the given keys (rate, kinds, operations, seed, ...)."""
        answer: dict[str, Any] = self._call("POST", "/_faults", spec)
        return answer

    def off(self) -> None:
        """No more faults (the rest of the configuration stays)."""
        self.configure(rate=0.0, operations={})

    def config(self) -> dict[str, Any]:
        """GET /_faults."""
        answer: dict[str, Any] = self._call("GET", "/_faults")
        return answer

    def limits(self, **spec: Any) -> dict[str, Any]:
        """POST /_faults/limits with `enabled` and/or `scale` (every bucket starts full)."""
        answer: dict[str, Any] = self._call("POST", "/_faults/limits", spec)
        return answer

    def stats(self) -> dict[str, Any]:
        """GET /_faults/stats."""
        answer: dict[str, Any] = self._call("GET", "/_faults/stats")
        return answer

    def log(self, since: int = 0) -> dict[str, Any]:
        """GET /_faults/log?since=N."""
        answer: dict[str, Any] = self._call("GET", f"/_faults/log?since={since}")
        return answer

    def reset(self) -> None:
        """Zero the tallies and the log."""
        self._call("POST", "/_faults/reset", {})


def start_proxy(
    name: str, upstream: str, *, logs: Path, seed: int | None = None, aws_like: bool = False
) -> tuple[Proc, str]:
    """Start `python -m devenv.faultproxy` in front of `upstream` on a free loopback port
    (`aws_like`: moto's answers fixed where AWS's differ)."""
    port = free_port()
    argv = [sys.executable, "-m", "devenv.faultproxy", "--upstream", upstream, "--port", str(port)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    if aws_like:
        argv.append("--aws-like")
    proc = start(name, argv, logs=logs, env={"PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, lambda: http_ok(f"{url}/_faults/health"), timeout=30)
    return proc, url
