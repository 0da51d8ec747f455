"""A fault-injecting HTTP proxy in front of one cloud stand-in (moto_server or the GCE fake).

    python -m devenv.faultproxy --upstream http://127.0.0.1:PORT --port N [--rate 0.2]
        [--kinds throttle=3,error=3,timeout=1,drop_before=1,drop_after=2] [--seed S]
        [--timeout-seconds 3] [--operations JSON] [--aws-limits [--limits-scale 0.1]] [--aws-like]

Where it sits: clients (the controller, tests) point their cloud endpoint at the proxy, which
listens on 127.0.0.1 only and forwards each request to the upstream (loopback only) with
http.client, keeping one upstream connection per client connection. With AWS's request limits
on (`devenv.faults.limits`), an AWS call its account's token bucket has no token for is
throttled as AWS throttles it, before anything else. For each other recognised cloud
call (`devenv.faults.calls`) the injector (`devenv.faults.rules`) may decide to answer instead:
throttling or a 5xx in the service's own format (`devenv.faults.answers`), a timeout (the
request is held, then the connection dropped), a connection dropped before forwarding (the
upstream never sees it) or after (the upstream made the change; the client never hears).
With `--aws-like`, the few answers of moto's that differ from AWS's for a controller retrying a
half-done create are replaced by AWS's (`devenv.faults.fixups`).
The admin endpoint: GET/POST /_faults (configuration), GET/POST /_faults/limits (AWS's limits:
enabled, scale), GET /_faults/stats, GET /_faults/log, POST /_faults/reset, GET /_faults/health.
Prints `READY <url>` once listening.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import socketserver
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devenv.faults import answers, fixups
from devenv.faults.calls import CloudCall, recognise
from devenv.faults.limits import AwsLimits
from devenv.faults.rules import ConfigError, Decision, FaultConfig, Injector
from devenv.httpserve import Dispatching

LOOPBACK = ("127.0.0.1", "localhost", "::1")
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer"}
    | {"upgrade", "content-length"}
)
_NOT_COPIED = HOP_BY_HOP | {"server", "date"}
UPSTREAM_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class Reply:
    """The upstream's whole answer."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Handler(Dispatching):
    """One client connection (HTTP/1.1 keep-alive) and its upstream connection."""

    server: FaultProxy
    _upstream: http.client.HTTPConnection | None = None

    def do_HEAD(self) -> None:
        """HEAD"""
        self._serve()

    def finish(self) -> None:
        """Close the upstream connection with the client's."""
        try:
            super().finish()
        finally:
            if self._upstream is not None:
                self._upstream.close()

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._body()
        if urlsplit(self.path).path.startswith("/_faults"):
            self._admin(body)
            return
        call = recognise(self.command, self.path, self.headers.get("Content-Type", ""), body)
        injector = self.server.injector
        if call is None:
            injector.passed_through()
            self._forward(body)
            return
        if not self.server.limits.admit(call):
            answered = self._answer(answers.throttled(call, 0))
            injector.limited(call.qualified, write=call.write, status=answered)
            return
        decision = injector.decide(call.qualified, call.operation, gce=call.cloud == "gce")
        status = self._apply(call, decision, body)
        outcome = decision.kind or ("ok" if status is not None else "upstream_error")
        injector.record(call.qualified, write=call.write, outcome=outcome, status=status)

    def _apply(self, call: CloudCall, decision: Decision, body: bytes) -> int | None:
        """Carry out the decision; the status the client got (None: no answer)."""
        if decision.kind == "throttle":
            return self._answer(answers.throttled(call, decision.code))
        if decision.kind == "error":
            return self._answer(answers.server_error(call, decision.code))
        if decision.kind is None:
            return self._forward(body, call)
        if decision.kind == "timeout":
            self.server.stopping.wait(decision.hold)
        elif decision.kind == "drop_after":
            self._exchange(body)
        self.close_connection = True  # no answer: the connection just closes
        return None

    def _answer(self, answer: answers.Answer) -> int:
        self._send(answer.status, [("Content-Type", answer.content_type)], answer.body)
        return answer.status

    def _exchange(self, body: bytes) -> Reply | None:
        """Send the request upstream and read the whole response (None if unreachable)."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        for attempt in range(2):
            fresh = self._upstream is None
            if self._upstream is None:
                host, port = self.server.upstream
                self._upstream = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT)
            try:
                self._upstream.request(self.command, self.path, body=body, headers=headers)
                response = self._upstream.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self._upstream.close()
                self._upstream = None
                if fresh or attempt:  # a stale kept-alive connection gets one fresh try
                    self.server.injector.upstream_error()
                    return None
                continue
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _NOT_COPIED]
            return Reply(response.status, kept, data)
        return None

    def _forward(self, body: bytes, call: CloudCall | None = None) -> int | None:
        reply = self._exchange(body)
        if reply is None:
            self._send(502, [("Content-Type", "text/plain")], b"faultproxy: upstream unreachable")
            return None
        if call is not None and self.server.aws_like:
            reply = self._as_aws(call, body, reply)
        self._send(reply.status, reply.headers, reply.body)
        return reply.status

    def _as_aws(self, call: CloudCall, body: bytes, reply: Reply) -> Reply:
        """AWS's answer where moto's differs (`devenv.faults.fixups`)."""

        def exchange(request: bytes) -> tuple[int, bytes] | None:
            got = self._exchange(request)
            return None if got is None else (got.status, got.body)

        fixed = fixups.fix(call, body, reply.status, reply.body, exchange)
        if fixed is None:
            return reply
        kept = [(k, v) for k, v in reply.headers if k.lower() != "content-type"]
        return Reply(200, [*kept, ("Content-Type", answers.XML)], fixed)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _admin(self, body: bytes) -> None:
        url = urlsplit(self.path)
        route = _ADMIN.get((self.command, url.path.rstrip("/")))
        if route is None:
            self._json(404, {"error": f"no admin endpoint {self.command} {url.path}"})
            return
        try:
            spec = json.loads(body) if body.strip() else {}
            if not isinstance(spec, dict):
                raise ConfigError("a JSON object is needed")
            out = route(self.server, spec, parse_qs(url.query))
        except (ConfigError, ValueError) as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, out)

    def _json(self, status: int, body: object) -> None:
        self._send(status, [("Content-Type", "application/json")], json.dumps(body).encode())


class FaultProxy(ThreadingHTTPServer):
    """The proxy bound to 127.0.0.1 (port 0: a free one); `url` says where."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str,
        port: int = 0,
        *,
        config: FaultConfig | None = None,
        limits: AwsLimits | None = None,
        verbose: bool = False,
        aws_like: bool = False,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK or parts.port is None:
            raise ValueError(f"the upstream must be http://127.0.0.1:PORT, not {upstream}")
        super().__init__(("127.0.0.1", port), Handler)
        self.upstream = (parts.hostname, parts.port)
        self.port: int = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.injector = Injector(config)
        self.limits = limits or AwsLimits()
        self.stopping = threading.Event()
        self.verbose = verbose
        self.aws_like = aws_like  # moto's answers fixed where AWS's differ (fixups)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer.server_bind does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.socket.getsockname()[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a stopped controller) is no error; print the others."""
        if not isinstance(sys.exc_info()[1], ConnectionResetError):
            super().handle_error(request, client_address)

    def start_background(self) -> threading.Thread:
        """Serve from a daemon thread (in-process use); stop with `stop()`."""
        thread = threading.Thread(target=self.serve_forever, name="faultproxy", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Release held requests, stop serving, close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()


def _log(server: FaultProxy, spec: dict[str, Any], query: dict[str, list[str]]) -> Any:
    since = (query.get("since") or ["0"])[0]
    return server.injector.log(int(since) if since.isdigit() else 0)


def _reset(server: FaultProxy, spec: dict[str, Any], query: dict[str, list[str]]) -> Any:
    server.injector.reset()
    return {"reset": True}


AdminRoute = Callable[[FaultProxy, dict[str, Any], dict[str, list[str]]], Any]
_ADMIN: dict[tuple[str, str], AdminRoute] = {
    ("POST", "/_faults"): lambda server, spec, q: server.injector.configure(spec).to_json(),
    ("GET", "/_faults"): lambda server, spec, q: server.injector.config.to_json(),
    ("POST", "/_faults/limits"): lambda server, spec, q: server.limits.configure(spec),
    ("GET", "/_faults/limits"): lambda server, spec, q: server.limits.to_json(),
    ("GET", "/_faults/stats"): lambda server, spec, q: server.injector.stats(),
    ("GET", "/_faults/log"): _log,
    ("POST", "/_faults/reset"): _reset,
    ("GET", "/_faults/health"): lambda server, spec, q: {"ok": True, "upstream": server.upstream},
}


def _kinds(text: str) -> dict[str, float]:
    out = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        kind, _, weight = item.partition("=")
        out[kind.strip()] = float(weight or 1)
    return out


def _config(args: argparse.Namespace) -> FaultConfig:
    spec: dict[str, Any] = {"rate": args.rate, "timeout_seconds": args.timeout_seconds}
    if args.kinds:
        spec["kinds"] = _kinds(args.kinds)
    if args.seed is not None:
        spec["seed"] = args.seed
    if args.operations:
        spec["operations"] = json.loads(args.operations)
    return FaultConfig().updated(spec)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the proxy until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m devenv.faultproxy", description=__doc__)
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the stand-in")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--rate", type=float, default=0.0, help="share of cloud calls faulted")
    parser.add_argument("--kinds", default="", help="weights, e.g. throttle=3,error=1,drop_after=1")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout-seconds", type=float, default=3.0, help="hold time of a timeout")
    parser.add_argument("--operations", default="", help="per-operation overrides as JSON")
    parser.add_argument("--aws-limits", action="store_true", help="enforce AWS's request limits")
    parser.add_argument("--limits-scale", type=float, default=1.0, help="scale of every bucket")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--aws-like", action="store_true", help="answer as AWS where moto differs (fixups)"
    )
    args = parser.parse_args(argv)
    try:
        limits = AwsLimits(enabled=args.aws_limits, scale=args.limits_scale)
        server = FaultProxy(
            args.upstream,
            args.port,
            config=_config(args),
            limits=limits,
            verbose=args.verbose,
            aws_like=args.aws_like,
        )
    except (ValueError, ConfigError) as exc:
        parser.error(str(exc))
    signal.signal(signal.SIGTERM, _stop)
    print(f"READY {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
