"""Running a controller inside a test, against the real API server.

`running_controller` starts a `Controller` in a thread with a provider serving one
loadBalancerClass of the test's own, so tests never see each other's Services, and stops it
afterwards. `wait_for` polls a condition (tests wait on state, never on sleeps alone).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from lbcontroller.config import ControllerSettings, LeaderElection
from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings
from tests.support.objects import ingress_of

T = TypeVar("T")
CLUSTER = "test-cluster"


def wait_for(check: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def settings(**overrides: Any) -> ControllerSettings:
    """Fast settings for tests: short delays, no leader election unless asked."""
    base: dict[str, Any] = {
        "workers": 2,
        "resync_period": 0,
        "node_sync_delay": 0.2,
        "retry_base_delay": 0.2,
        "retry_max_delay": 2.0,
        "shutdown_timeout": 5.0,
        "leader_election": LeaderElection(enabled=False),
    }
    return ControllerSettings(**{**base, **overrides})


def make_controller(
    kube: KubeClient,
    providers: dict[str, tuple[Provider, str]],
    *,
    identity: str = "test",
    node_selector: dict[str, str] | None = None,
    cluster: str = CLUSTER,
    default: str | None = None,
    **overrides: Any,
) -> Controller:
    """A controller whose providers (name -> (provider, class)) serve only the given classes.

    `default`: the provider that also serves class-less Services (the config's
    `defaultProvider`).
    """
    routes = {
        name: Route(
            provider,
            SpecSettings(
                cluster=cluster,
                node_selector=node_selector or {},
                needs_node_ports=provider.needs_node_ports,
            ),
        )
        for name, (provider, _) in providers.items()
    }
    classes = {cls: name for name, (_, cls) in providers.items()}
    return Controller(
        client=kube,
        router=Router(routes=routes, classes=classes, default=default),
        settings=settings(**overrides),
        metrics=Metrics(),
        identity=identity,
    )


@contextmanager
def running(controller: Controller) -> Iterator[Controller]:
    """Run `controller` in a thread until the block ends."""
    thread = threading.Thread(target=controller.run, daemon=True)
    thread.start()
    wait_for(controller.leading.is_set, what="the controller to start")
    try:
        yield controller
    finally:
        controller.stop()
        thread.join(10)


def wait_for_ingress(
    kube: KubeClient, namespace: str, *names: str, timeout: float = 30.0
) -> dict[str, str]:
    """Wait until every named Service has an ingress address; return them by name."""
    found: dict[str, str] = {}
    for name in names:
        found[name] = str(
            wait_for(
                partial(ingress_of, kube, namespace, name),
                timeout=timeout,
                what=f"{name}'s ingress",
            )
        )
    return found
