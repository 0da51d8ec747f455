"""What each Service wants, read from the Service itself, and the findings of a check.

Where it sits: the invariant checks (`chaos.invariants`, `chaos.check_aws`, `chaos.check_gce`)
derive every expectation from `want_of(service)`: its type, class, annotations, ports,
NodePorts, traffic policy and source ranges, never from the schedule; `Expect` holds what
they know beyond the Services (cluster, nodes, network, decoys); `Findings` collects the
violations by invariant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chaos.settings import (
    AWS_CLASS,
    AWS_OPEN_CLASS,
    AWS_OPEN_PROVIDER,
    AWS_PROVIDER,
    GCP_CLASS,
    GCP_PROVIDER,
)
from chaos.shapes import AWS_TYPE, EXPECT, GCP_TYPE

INVARIANTS = ("converged", "no_leaks", "no_duplicates", "no_stuck_finalizers", "decoys_untouched")
FINALIZER = "lbcontroller.io/load-balancer-cleanup"
PROVIDER_ANNOTATION = "lbcontroller.io/provider"
KUBE_PROXY_PORT = 10256
SERVICE_TAG = "kubernetes.io/service-name"


@dataclass(frozen=True)
class Expect:
    """What the checker knows beyond the Services: the cluster, nodes, network, decoys."""

    cluster: str
    aws_instances: frozenset[str]
    gce_members: dict[str, frozenset[str]]
    node_group: str
    vpc_cidrs: tuple[str, ...]
    baseline: dict[str, Any]


@dataclass(frozen=True)
class Want:
    """One Service, as far as load balancers go."""

    key: str
    cloud: str | None  # aws, gcp, or None (wants nothing)
    kind: str  # nlb, classic, external, internal
    wanted_provider: str | None  # the provider entry that should serve it
    node_rules: bool  # AWS: its provider opens the nodes' security group
    refused: bool
    ports: tuple[tuple[int, str, int], ...]  # port, protocol, NodePort
    health_port: int
    ranges: tuple[str, ...]
    ingress: tuple[dict[str, Any], ...]
    finalizers: tuple[str, ...]
    provider: str | None
    deleting: bool

    @property
    def address(self) -> str | None:
        """The first ingress entry's hostname or IP."""
        first = self.ingress[0] if self.ingress else {}
        return first.get("hostname") or first.get("ip")


def want_of(service: dict[str, Any]) -> Want:
    """Read a Service's wishes from its JSON."""
    meta, spec = service["metadata"], service.get("spec", {})
    notes = meta.get("annotations") or {}
    deleting = bool(meta.get("deletionTimestamp"))
    lb_class = spec.get("loadBalancerClass") if spec.get("type") == "LoadBalancer" else None
    cloud = {AWS_CLASS: "aws", AWS_OPEN_CLASS: "aws", GCP_CLASS: "gcp"}.get(lb_class or "")
    providers = {AWS_CLASS: AWS_PROVIDER, AWS_OPEN_CLASS: AWS_OPEN_PROVIDER}
    providers |= {GCP_CLASS: GCP_PROVIDER}
    if cloud == "aws":
        kind = "classic" if notes.get(AWS_TYPE) in ("classic", "elb") else "nlb"
    else:
        kind = "internal" if notes.get(GCP_TYPE) == "Internal" else "external"
    local = spec.get("externalTrafficPolicy") == "Local" and spec.get("healthCheckNodePort")
    ports = tuple(
        sorted(
            (int(p["port"]), str(p["protocol"]), int(p.get("nodePort") or 0))
            for p in spec.get("ports", [])
        )
    )
    return Want(
        key=f"{meta['namespace']}/{meta['name']}",
        cloud=None if deleting else cloud,
        kind=kind,
        wanted_provider=providers.get(lb_class or ""),
        node_rules=lb_class == AWS_CLASS,
        refused=notes.get(EXPECT) == "refused",
        ports=ports,
        health_port=int(spec["healthCheckNodePort"]) if local else KUBE_PROXY_PORT,
        ranges=tuple(sorted(spec.get("loadBalancerSourceRanges") or ["0.0.0.0/0"])),
        ingress=tuple(service.get("status", {}).get("loadBalancer", {}).get("ingress") or ()),
        finalizers=tuple(meta.get("finalizers") or ()),
        provider=notes.get(PROVIDER_ANNOTATION),
        deleting=deleting,
    )


@dataclass
class Findings:
    """Violations by invariant, each `subject: detail`."""

    by: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in INVARIANTS})

    def add(self, invariant: str, subject: str, detail: str) -> None:
        """Record one violation."""
        self.by[invariant].append(f"{subject}: {detail}")

    @property
    def ok(self) -> bool:
        """Whether every invariant holds."""
        return not any(self.by.values())
