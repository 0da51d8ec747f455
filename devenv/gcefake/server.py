"""The HTTP layer: a ThreadingHTTPServer on 127.0.0.1 speaking JSON, HTTP/1.1 keep-alive.

/compute/v1/... goes to `api`, /_fake/... to `admin`; every Compute call is logged (method,
path, API method, collection, status) for GET /_fake/calls.
"""

from __future__ import annotations

import json
import socketserver
import sys
import threading
import traceback
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from devenv.httpserve import Dispatching

from . import admin, api
from .errors import JSON, ApiError
from .store import State


def _json_body(raw: bytes) -> JSON:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"Invalid JSON payload received. {exc}", "parseError") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received: not an object.", "parseError")
    return body


class Handler(Dispatching):
    """One connection; every method funnels into `_serve`."""

    server: FakeServer

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        st = self.server.state
        entry: JSON | None = None
        try:
            body = _json_body(raw)
            if url.path.startswith("/_fake/"):
                status, out = 200, admin.handle(st, self.command, url.path, query, body)
            else:
                entry = {"method": self.command, "path": url.path, "verb": None}
                call = api.route(self.command, url.path, query, body)
                entry.update(verb=call.api_method, collection=call.collection)
                status, out = 200, api.handle(st, call)
        except ApiError as err:
            status, out = err.code, err.body()
        except Exception as exc:  # a fake bug: say so loudly, answer 500
            traceback.print_exc(file=sys.stderr)
            status, out = 500, ApiError(500, f"gcefake internal error: {exc!r}").body()
        if entry is not None:
            entry["status"] = status
            with st.lock:
                st.calls.append(entry)
        self._send(status, out)

    def _send(self, status: int, body: JSON) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeServer(ThreadingHTTPServer):
    """The fake, bound to 127.0.0.1 (port 0: a free one); `url` says where."""

    daemon_threads = True

    def __init__(self, port: int = 0, op_delay: float = 0.05, verbose: bool = False) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.port: int = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = State(self.url, op_delay)
        self.verbose = verbose

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer.server_bind does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.socket.getsockname()[1]

    def start_background(self) -> threading.Thread:
        """Serve from a daemon thread (in-process use); stop with shutdown()."""
        thread = threading.Thread(target=self.serve_forever, name="gcefake", daemon=True)
        thread.start()
        return thread
