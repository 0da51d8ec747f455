"""Making and reading Kubernetes objects in tests, through the real API server."""

from __future__ import annotations

import uuid
from typing import Any

from lbcontroller.events import COMPONENT
from lbcontroller.kube import JSON, KubeClient, NotFound
from lbcontroller.model import Service, service_from_json


def create_service(
    kube: KubeClient,
    namespace: str,
    name: str,
    *,
    lb_class: str | None,
    ports: list[JSON] | None = None,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> Service:
    """A `type: LoadBalancer` Service (unless spec says otherwise)."""
    body: JSON = {
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {
            "type": "LoadBalancer",
            "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP"}],
            **({"loadBalancerClass": lb_class} if lb_class else {}),
            **spec,
        },
    }
    return service_from_json(
        kube.request("POST", f"/api/v1/namespaces/{namespace}/services", body=body)
    )


def get_service(kube: KubeClient, namespace: str, name: str) -> Service | None:
    """The Service as the API server has it now, or None."""
    try:
        return service_from_json(
            kube.request("GET", f"/api/v1/namespaces/{namespace}/services/{name}")
        )
    except NotFound:
        return None


def patch_service(kube: KubeClient, namespace: str, name: str, patch: JSON) -> Service:
    """A merge patch of the Service."""
    return service_from_json(kube.patch_service(namespace, name, patch))


def delete_service(kube: KubeClient, namespace: str, name: str) -> None:
    """Delete (the finalizer then holds it until the controller lets go)."""
    kube.request("DELETE", f"/api/v1/namespaces/{namespace}/services/{name}")


def node_body(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    ip: str = "10.0.0.1",
    provider_id: str | None = None,
) -> JSON:
    """A Ready Node with an InternalIP and a providerID (AWS-style unless given)."""
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"providerID": provider_id or f"aws:///us-east-1a/i-{uuid.uuid4().hex[:17]}"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}],
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


class Nodes:
    """Nodes made by one test, deleted afterwards."""

    def __init__(self, kube: KubeClient) -> None:
        self._kube = kube
        self.prefix = f"n-{uuid.uuid4().hex[:6]}"
        self.names: list[str] = []

    def add(self, suffix: str, **kwargs: Any) -> str:
        """Create node `<prefix>-<suffix>`."""
        name = f"{self.prefix}-{suffix}"
        self._kube.request("POST", "/api/v1/nodes", body=node_body(name, **kwargs))
        self.names.append(name)
        return name

    def label(self, name: str, labels: dict[str, str | None]) -> None:
        """Set (or with None remove) labels."""
        self._kube.request(
            "PATCH",
            f"/api/v1/nodes/{name}",
            body={"metadata": {"labels": labels}},
            content_type="application/merge-patch+json",
        )

    def remove(self, name: str) -> None:
        """Delete one node."""
        self._kube.request("DELETE", f"/api/v1/nodes/{name}")
        self.names.remove(name)

    def cleanup(self) -> None:
        """Delete every node this test made."""
        for name in list(self.names):
            try:
                self.remove(name)
            except NotFound:
                self.names.remove(name)


def events_for(kube: KubeClient, namespace: str, name: str) -> list[JSON]:
    """lbcontroller's Events on Service `name` (not the API server's own, such as the
    ClusterIP repair loop's ClusterIPNotAllocated, which a busy API server may post on a new
    Service)."""
    items, _ = kube.list(f"/api/v1/namespaces/{namespace}/events")
    return [
        e
        for e in items
        if e["involvedObject"]["name"] == name and e.get("reportingComponent") == COMPONENT
    ]


def ingress_of(kube: KubeClient, namespace: str, name: str) -> str | None:
    """The Service's first ingress address (hostname or IP), or None while it has none."""
    svc = get_service(kube, namespace, name)
    if svc is None or not svc.ingress:
        return None
    return svc.ingress[0].hostname or svc.ingress[0].ip
