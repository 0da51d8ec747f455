"""The stage of an end-to-end test: the test's namespace on the real API server, a provider on
one cloud's stand-in, what records its calls, and a controller running that provider for a
loadBalancerClass of the test's own.

Where it sits: each cloud's `tests/<cloud>/test_service_e2e.py` extends `Stage` with its view
of the cloud and builds it in its `stage` fixture; its tests drive Services through the API
server and look at the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from tests.support.harness import wait_for
from tests.support.objects import Nodes

P = TypeVar("P")
R = TypeVar("R")


def lb_class(cloud: str, namespace: str) -> str:
    """The loadBalancerClass one test's controller serves on `cloud`."""
    return f"test.lbcontroller.io/{cloud}-{namespace}"


@dataclass
class Stage(Generic[P, R]):
    """One test's namespace, provider, call recorder and running controller."""

    CLOUD: ClassVar[str]
    SETTLE: ClassVar[float] = 20.0  # seconds the queue may take to drain

    kube: KubeClient
    namespace: str
    provider: P
    calls: R
    nodes: Nodes
    controller: Controller

    @property
    def lb_class(self) -> str:
        """The loadBalancerClass of this test's Services."""
        return lb_class(self.CLOUD, self.namespace)

    def settle(self) -> None:
        """Wait until the controller has nothing left to do."""
        wait_for(self.controller.queue_idle, timeout=self.SETTLE, what="the queue to drain")
