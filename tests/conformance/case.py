"""What a conformance case does to a Service and waits for: the jig of the upstream tests,
ours. It acts only through the API server and looks only at the API server and the cloud.

Where it sits: `conftest.py` makes one `Stage` per cloud (the stand-in, the Nodes, the running
controller) and one `Case` per test (a namespace on that stage); the test modules drive a
`Case` step by step, as the upstream test drives its jig.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lbcontroller.controller import Controller
from lbcontroller.kube import JSON, KubeClient, NotFound
from lbcontroller.model import FINALIZER
from lbcontroller.naming import lb_name
from lbcontroller.spec import LoadBalancerRef
from tests.support.harness import wait_for
from tests.support.objects import events_for

from .clouds import RACES, Cloud, Seen

TCP = [{"name": "tcp", "port": 80, "protocol": "TCP", "targetPort": 80}]
UDP = [{"name": "udp", "port": 80, "protocol": "UDP", "targetPort": 80}]
TIMEOUT = 60.0  # seconds a change may take to reach the cloud (Octavia is the slowest)


@dataclass
class Stage:
    """One cloud, its Nodes, and the controller serving a class of its own."""

    kube: KubeClient
    cloud: Cloud
    controller: Controller
    cluster: str
    lb_class: str
    nodes: tuple[str, ...]

    def close(self) -> None:
        """Release what the cloud's stand-in keeps between modules (OpenStack's)."""
        closer = getattr(self.cloud, "close", None)
        if closer is not None:
            closer()


@dataclass
class Case:
    """One test's namespace on a stage."""

    stage: Stage
    namespace: str

    @property
    def cloud(self) -> Cloud:
        return self.stage.cloud

    @property
    def kube(self) -> KubeClient:
        return self.stage.kube

    def _path(self, name: str = "") -> str:
        base = f"/api/v1/namespaces/{self.namespace}/services"
        return f"{base}/{name}" if name else base

    def ref(self, name: str) -> LoadBalancerRef:
        """The load balancer the controller makes for Service `name`."""
        cluster = self.stage.cluster
        return LoadBalancerRef(
            cluster, self.namespace, name, lb_name(cluster, self.namespace, name)
        )

    def create(
        self,
        name: str,
        *,
        ports: list[JSON] | None = None,
        annotations: dict[str, str] | None = None,
        **spec: Any,
    ) -> JSON:
        """A Service of this cloud (its annotations), `type: LoadBalancer` of our class unless
        `spec` gives another type."""
        kind = spec.pop("type", "LoadBalancer")
        body: JSON = {
            "metadata": {
                "name": name,
                "annotations": {**self.cloud.annotations, **(annotations or {})},
            },
            "spec": {
                "type": kind,
                "selector": {"app": name},
                "ports": ports or TCP,
                **({"loadBalancerClass": self.stage.lb_class} if kind == "LoadBalancer" else {}),
                **spec,
            },
        }
        return dict(self.kube.request("POST", self._path(), body=body))

    def get(self, name: str) -> JSON | None:
        """The Service as the API server has it, or None."""
        try:
            return dict(self.kube.request("GET", self._path(name)))
        except NotFound:
            return None

    def patch(
        self, name: str, spec: JSON | None = None, annotations: dict[str, Any] | None = None
    ) -> JSON:
        """A merge patch of the Service's spec (and annotations)."""
        body: JSON = {"spec": spec or {}}
        if annotations is not None:
            body["metadata"] = {"annotations": annotations}
        return dict(self.kube.patch_service(self.namespace, name, body))

    def to_load_balancer(self, name: str, **spec: Any) -> JSON:
        """Make it `type: LoadBalancer` of our class."""
        return self.patch(
            name, {"type": "LoadBalancer", "loadBalancerClass": self.stage.lb_class, **spec}
        )

    def to_cluster_ip(self, name: str) -> JSON:
        """Make it `type: ClusterIP` (the class goes with the type)."""
        return self.patch(name, {"type": "ClusterIP", "loadBalancerClass": None})

    def address(self, name: str, *, want: str | None = None) -> str:
        """Wait for the Service's status address (`want`, when given)."""

        def found() -> str | None:
            ingress = self.status_ingress(name)
            got = (ingress[0].get("ip") or ingress[0].get("hostname")) if ingress else None
            return got if want is None or got == want else None

        return str(wait_for(found, timeout=TIMEOUT, what=f"{name}'s address {want or ''}"))

    def status_ingress(self, name: str) -> list[JSON]:
        return list(
            (self.get(name) or {}).get("status", {}).get("loadBalancer", {}).get("ingress") or []
        )

    def seen(
        self, name: str, check: Callable[[Seen], bool] = lambda _: True, what: str = ""
    ) -> Seen:
        """Wait until the cloud holds Service `name`'s load balancer and `check` holds of it."""
        ref = self.ref(name)

        def look() -> Seen | None:
            try:
                got = self.cloud.seen(ref)
            except RACES:
                return None  # read while the controller changed it: look again
            return got if got is not None and check(got) else None

        found = wait_for(
            look, timeout=TIMEOUT, what=what or f"{name}'s load balancer in {self.cloud.name}"
        )
        assert found is not None
        return found

    def gone(self, name: str) -> None:
        """Wait until nothing of Service `name`'s load balancer is left in the cloud."""
        ref = self.ref(name)

        def nothing_left() -> bool:
            try:
                return not self.cloud.remains(ref)
            except RACES:
                return False  # read while the controller deleted it: look again

        wait_for(nothing_left, timeout=TIMEOUT, what=f"{name}'s load balancer to go")

    def finalized(self, name: str, present: bool) -> None:
        """Wait until our cleanup finalizer is (or is not) on the Service."""

        def check() -> bool:
            finalizers = (self.get(name) or {}).get("metadata", {}).get("finalizers") or []
            return (FINALIZER in finalizers) == present

        wait_for(check, timeout=TIMEOUT, what=f"the finalizer {'on' if present else 'off'} {name}")

    def warned(self, name: str, field: str) -> str:
        """Wait for a Warning Event on the Service naming `field`; its message."""

        def found() -> str | None:
            for event in events_for(self.kube, self.namespace, name):
                if event.get("type") == "Warning" and field in event.get("message", ""):
                    return str(event["message"])
            return None

        return str(wait_for(found, timeout=TIMEOUT, what=f"a Warning naming {field} on {name}"))

    def delete(self, name: str) -> None:
        """Delete the Service and wait until it and its load balancer are gone."""
        self.kube.request("DELETE", self._path(name))
        wait_for(lambda: self.get(name) is None, timeout=TIMEOUT, what=f"{name} to be deleted")
        self.gone(name)

    def settle(self) -> None:
        """Wait until the controller has nothing left to do."""
        wait_for(self.stage.controller.queue_idle, timeout=TIMEOUT, what="the queue to drain")


def node_port(svc: JSON, index: int = 0) -> int:
    """The Service's `index`th port's NodePort (0: none)."""
    return int(svc["spec"]["ports"][index].get("nodePort") or 0)
