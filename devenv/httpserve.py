"""What our loopback HTTP servers (the GCE fake, the fault proxy) share: every method goes to
one `_serve`, HTTP/1.1 keep-alive, and request logs only with --verbose.

Where it sits: `devenv.gcefake.server.Handler` and `devenv.faultproxy.Handler` derive from
`Dispatching` and implement `_serve`.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Protocol


class _Verbose(Protocol):
    verbose: bool


class Dispatching(BaseHTTPRequestHandler):
    """GET, POST, PUT, PATCH and DELETE all go to `_serve`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:
        """GET"""
        self._serve()

    def do_POST(self) -> None:
        """POST"""
        self._serve()

    def do_PUT(self) -> None:
        """PUT"""
        self._serve()

    def do_PATCH(self) -> None:
        """PATCH"""
        self._serve()

    def do_DELETE(self) -> None:
        """DELETE"""
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet unless the server was started with --verbose."""
        server: _Verbose = self.server  # type: ignore[assignment]
        if server.verbose:
            super().log_message(format, *args)
