"""The controller under test, run in this process exactly as `lbcontroller run` builds it.

Where it sits: scenarios start an `InProcessController` for a stage and stop it after; it is
the CLI's composition (config model -> `build_router` -> `Controller`) with a counting
Kubernetes client and a botocore hook on the provider's clients. Rate limits are raised (the
AWS load balancer controller's defaults, e.g. 3 modify calls a second, would measure the
token bucket, not the controller) and leader election is off (one replica).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from kubernetes.client import Configuration

from bench.counting import CloudCalls, CountingKube
from bench.kubeobjs import NODE_LABEL, SERVED_CLASS
from bench.watch import Timeout
from bench.world import World
from lbcontroller.config import Config, parse_config
from lbcontroller.controller import Controller
from lbcontroller.metrics import Metrics
from lbcontroller.registry import build_router
from providers.aws.provider import AwsLoadBalancers

PROVIDER = "aws-bench"
CLUSTER = "bench"
UNLIMITED = {"qps": 100_000, "burst": 100_000}


def config(
    world: World,
    *,
    node_group: bool,
    workers: int,
    node_sync_delay: float = 1.0,
    shipped_limits: bool = False,
) -> dict[str, Any]:
    """The controller's config (the YAML's content) for `world`; its client-side rate limits
    raised unless `shipped_limits` (the peer scenario runs the shipped defaults)."""
    provider: dict[str, Any] = {
        "name": PROVIDER,
        "type": "aws",
        "classes": [SERVED_CLASS],
        "region": world.region,
        "endpoint": world.endpoint,
        "subnets": list(world.subnets),
        "nodeSelector": {NODE_LABEL: "true"},
    }
    if not shipped_limits:
        provider["rateLimits"] = dict.fromkeys(("describe", "register", "modify"), UNLIMITED)
    if node_group:
        provider["nodeSecurityGroup"] = world.node_group
    return {
        "clusterName": CLUSTER,
        "controller": {
            "workers": workers,
            "resyncPeriod": 0,
            "nodeSyncDelay": node_sync_delay,
            "metricsAddress": "127.0.0.1:0",
            "leaderElection": {"enabled": False},
        },
        "providers": [provider],
    }


def quiet_logs(folder: Path) -> None:
    """The controller's log lines go to `folder/controller.log`, not the terminal."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "controller.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("lbcontroller", "providers"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)


class InProcessController:
    """One controller replica in a thread, with its calls counted."""

    def __init__(self, kube_config: Configuration, settings: dict[str, Any]) -> None:
        parsed: Config = parse_config(settings)
        self.metrics = Metrics()
        router = build_router(parsed, metrics=self.metrics)
        provider = router.routes[PROVIDER].provider
        if not isinstance(provider, AwsLoadBalancers):
            raise TypeError("the bench drives the AWS provider")
        self.calls = CloudCalls()
        self.calls.hook(provider.clients.all())
        self.kube = CountingKube(kube_config, pool_size=parsed.controller.workers + 8)
        self.controller = Controller(
            client=self.kube,
            router=router,
            settings=parsed.controller,
            metrics=self.metrics,
            identity="bench",
        )
        self._thread = threading.Thread(target=self.controller.run, name="bench-ctl", daemon=True)
        self.started = 0.0

    def start(self, timeout: float = 60.0) -> None:
        """Start, and wait until it leads (caches synced, workers running)."""
        self.started = time.monotonic()
        self._thread.start()
        if not self.controller.leading.wait(timeout):
            raise Timeout(f"the controller did not start within {timeout} s")

    def stop(self) -> None:
        """Stop and join."""
        self.controller.stop()
        self._thread.join(60)

    def _sample(self, name: str, **labels: str) -> float:
        value = self.metrics.registry.get_sample_value(name, labels)
        return float(value or 0.0)

    def reconciled(self, result: str = "success") -> float:
        """Reconciles with `result` so far."""
        return self._sample(
            "lbcontroller_loadbalancer_sync_total", provider=PROVIDER, result=result
        )

    def node_syncs(self) -> float:
        """Node syncs completed so far."""
        return self._sample("lbcontroller_nodesync_latency_seconds_count")

    def wait_reconciled(self, count: float, timeout: float) -> float:
        """Wait until `count` successful reconciles and an idle queue; the time it happened."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.reconciled() >= count and self.controller.queue_idle():
                return time.monotonic()
            time.sleep(0.01)
        raise Timeout(f"{self.reconciled():.0f} of {count:.0f} reconciles after {timeout} s")

    def wait_node_sync(self, count: float, timeout: float) -> float:
        """Wait until `count` node syncs completed and the queue is idle; the time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.node_syncs() >= count and self.controller.queue_idle():
                return time.monotonic()
            time.sleep(0.01)
        raise Timeout(f"node sync not done after {timeout} s")
