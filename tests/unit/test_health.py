"""The health server on the loopback: /healthz, /readyz, /metrics and 404."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from lbcontroller import health
from lbcontroller.metrics import Metrics


@dataclass
class State:
    """What the probes report; tests flip these while the server runs."""

    healthy: bool = True
    ready: bool = False


@dataclass(frozen=True)
class Served:
    state: State
    port: int


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """One server for the module: shutting one down takes serve_forever's 0.5 s poll."""
    state = State()
    running = health.serve(
        "127.0.0.1:0",
        metrics=Metrics(),
        healthy=lambda: state.healthy,
        ready=lambda: state.ready,
    )
    try:
        yield Served(state, running.server_address[1])
    finally:
        running.shutdown()
        running.server_close()


@pytest.fixture
def served(server: Served) -> Served:
    """The running server, its probes reset to healthy and not ready."""
    server.state.healthy, server.state.ready = True, False
    return server


def get(served: Served, path: str) -> tuple[int, str, str]:
    """Status, Content-Type and body of GET `path`."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "healthy", "ready", "status", "body"),
    [
        pytest.param("/healthz", True, False, 200, "ok\n", id="healthy"),
        pytest.param("/healthz", False, True, 503, "not ok\n", id="unhealthy"),
        pytest.param("/readyz", True, True, 200, "ok\n", id="ready"),
        pytest.param("/readyz", True, False, 503, "not ok\n", id="not-ready"),
        pytest.param("/", True, True, 404, "not found\n", id="root"),
        pytest.param("/healthz/extra", True, True, 404, "not found\n", id="unknown"),
    ],
)
def test_probes(
    served: Served, path: str, healthy: bool, ready: bool, status: int, body: str
) -> None:
    served.state.healthy, served.state.ready = healthy, ready
    assert get(served, path) == (status, "text/plain", body)


def test_readiness_follows_the_callable(served: Served) -> None:
    assert get(served, "/readyz")[0] == 503
    served.state.ready = True
    assert get(served, "/readyz")[0] == 200


def test_metrics(served: Served) -> None:
    status, content_type, body = get(served, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    assert "# TYPE lbcontroller_workqueue_depth gauge" in body
