"""`/healthz`, `/readyz` and `/metrics` over HTTP.

Where it sits: started by the controller on `controller.metricsAddress`; the Helm chart points
its probes here and Prometheus scrapes `/metrics`. Readiness means the caches have synced;
health means the controller's threads are alive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from lbcontroller.metrics import Metrics


def serve(
    address: str,
    *,
    metrics: Metrics,
    healthy: Callable[[], bool],
    ready: Callable[[], bool],
) -> ThreadingHTTPServer:
    """Start serving on `host:port` in a daemon thread; return the server (port may be 0)."""
    host, _, port = address.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            checks = {"/healthz": healthy, "/readyz": ready}
            if self.path == "/metrics":
                self._answer(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif self.path in checks:
                ok = checks[self.path]()
                self._answer(200 if ok else 503, b"ok\n" if ok else b"not ok\n", "text/plain")
            else:
                self._answer(404, b"not found\n", "text/plain")

        def _answer(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), Handler)  # noqa: S104
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
