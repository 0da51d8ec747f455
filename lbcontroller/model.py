"""Slim, immutable views of the Kubernetes objects the controller reads.

Where it sits: `kube` fetches raw JSON, `model` turns it into these small frozen records, the
cache holds them, and the pure core (`spec`, `nodes`) reads them. Holding only the fields we use
keeps 10,000 Services and 5,000 Nodes in little memory (the client's generated models are
several times larger).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Our cleanup finalizer. Not upstream's `service.kubernetes.io/load-balancer-cleanup`: an
# upstream service controller strips that one from any Service being deleted or leaving type
# LoadBalancer without looking at its class, so beside a running CCM ours would be taken off
# before our load balancer is deleted, and it would leak.
FINALIZER = "lbcontroller.io/load-balancer-cleanup"
# The cleanup finalizers of the controllers we take Services over from (the upstream service
# controller, which older lbcontroller versions also used, and GKE's L4 controllers): replaced
# by ours when we take a Service over, so none is left to hold a deleted Service forever.
TAKEN_OVER_FINALIZERS = frozenset(
    {
        "service.kubernetes.io/load-balancer-cleanup",
        "gke.networking.io/l4-ilb-v1",
        "gke.networking.io/l4-netlb-v1",
    }
)
CLEANUP_FINALIZERS = TAKEN_OVER_FINALIZERS | {FINALIZER}
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One entry of `spec.ports`."""

    name: str
    protocol: str
    port: int
    node_port: int | None


@dataclass(frozen=True, slots=True)
class Ingress:
    """One entry of `status.loadBalancer.ingress`."""

    ip: str | None = None
    hostname: str | None = None
    ip_mode: str | None = None

    def to_json(self) -> JSON:
        """The wire form, without empty fields."""
        out: JSON = {}
        if self.ip:
            out["ip"] = self.ip
        if self.hostname:
            out["hostname"] = self.hostname
        if self.ip_mode:
            out["ipMode"] = self.ip_mode
        return out


@dataclass(frozen=True, slots=True)
class Service:
    """The fields of a Service that decide its load balancer."""

    namespace: str
    name: str
    uid: str
    resource_version: str
    type: str
    lb_class: str | None
    ports: tuple[ServicePort, ...]
    annotations: Mapping[str, str]
    source_ranges: tuple[str, ...]
    external_traffic_policy: str
    health_check_node_port: int | None
    load_balancer_ip: str | None
    ip_families: tuple[str, ...]
    ip_family_policy: str
    session_affinity: str
    finalizers: tuple[str, ...]
    deleting: bool
    ingress: tuple[Ingress, ...]
    created: str

    @property
    def key(self) -> str:
        """The work-queue key, `namespace/name`."""
        return f"{self.namespace}/{self.name}"

    @property
    def has_finalizer(self) -> bool:
        """Whether our cleanup finalizer is on the object."""
        return FINALIZER in self.finalizers


@dataclass(frozen=True, slots=True)
class Node:
    """The fields of a Node that decide whether, and where, it backs load balancers."""

    name: str
    labels: Mapping[str, str]
    taints: tuple[str, ...]
    provider_id: str
    internal_ips: tuple[str, ...]  # the InternalIP addresses, in the Node's order (one a family)
    deleting: bool

    @property
    def internal_ip(self) -> str | None:
        """The first InternalIP (the node's primary family), if any."""
        return self.internal_ips[0] if self.internal_ips else None


def _ports(raw: list[JSON]) -> tuple[ServicePort, ...]:
    return tuple(
        ServicePort(
            name=p.get("name", ""),
            protocol=p.get("protocol", "TCP"),
            port=int(p["port"]),
            node_port=p.get("nodePort"),
        )
        for p in raw
    )


def _ingress(raw: list[JSON]) -> tuple[Ingress, ...]:
    return tuple(
        Ingress(ip=i.get("ip"), hostname=i.get("hostname"), ip_mode=i.get("ipMode")) for i in raw
    )


def service_from_json(obj: JSON) -> Service:
    """Build a slim Service from the API server's JSON."""
    meta, spec = obj["metadata"], obj.get("spec", {})
    status = obj.get("status", {}).get("loadBalancer", {})
    return Service(
        namespace=meta["namespace"],
        name=meta["name"],
        uid=meta["uid"],
        resource_version=meta.get("resourceVersion", ""),
        type=spec.get("type", "ClusterIP"),
        lb_class=spec.get("loadBalancerClass"),
        ports=_ports(spec.get("ports", [])),
        annotations=dict(meta.get("annotations") or {}),
        source_ranges=tuple(spec.get("loadBalancerSourceRanges") or ()),
        external_traffic_policy=spec.get("externalTrafficPolicy", "Cluster"),
        health_check_node_port=spec.get("healthCheckNodePort"),
        load_balancer_ip=spec.get("loadBalancerIP") or None,
        ip_families=tuple(spec.get("ipFamilies") or ()),
        ip_family_policy=spec.get("ipFamilyPolicy") or "SingleStack",
        session_affinity=spec.get("sessionAffinity") or "None",
        finalizers=tuple(meta.get("finalizers") or ()),
        deleting=bool(meta.get("deletionTimestamp")),
        ingress=_ingress(status.get("ingress") or []),
        created=meta.get("creationTimestamp", ""),
    )


def _internal_ips(status: JSON) -> tuple[str, ...]:
    return tuple(
        str(addr["address"])
        for addr in status.get("addresses") or []
        if addr.get("type") == "InternalIP"
    )


def node_from_json(obj: JSON) -> Node:
    """Build a slim Node from the API server's JSON."""
    meta, spec = obj["metadata"], obj.get("spec", {})
    return Node(
        name=meta["name"],
        labels=dict(meta.get("labels") or {}),
        taints=tuple(t["key"] for t in spec.get("taints") or ()),
        provider_id=spec.get("providerID", ""),
        internal_ips=_internal_ips(obj.get("status", {})),
        deleting=bool(meta.get("deletionTimestamp")),
    )
