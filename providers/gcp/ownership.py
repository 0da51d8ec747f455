"""Ownership: what makes a Compute resource ours, the refusal when it is not, and the list of
every load balancer this cluster owns.

Where it sits: every resource the provider creates carries a JSON `description` naming the
cluster and the Service (forwarding rules and addresses also carry labels); every step checks
the mark before it changes or deletes anything. The provider's `list_owned` (the core's garbage
collection) rebuilds each load balancer's ref from its backend service's mark: the backend
service is created before its forwarding rules and deleted after them. Per-zone instance groups
are shared by the cluster's load balancers: their mark names only the cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from google.cloud import compute_v1

from lbcontroller.errors import PermanentError
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.spec import LoadBalancerRef
from providers.gcp.context import Context

CLUSTER = "lbcontroller.io/cluster"
SERVICE = "lbcontroller.io/service"
CLUSTER_LABEL = "lbcontroller-cluster"
LB_LABEL = "lbcontroller-lb"
# On forwarding rules made while taking over cloud-provider-gcp's load balancer: its name, so
# that deleting the Service looks for what upstream may have left (`teardown`).
TOOK_OVER = "lbcontroller-took-over"
LABELLED = (compute_v1.ForwardingRule, compute_v1.Address)
R = TypeVar("R")


def read(description: str) -> dict[str, str]:
    """The mark in a description ({} when it holds none)."""
    try:
        found = json.loads(description)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): str(v) for k, v in found.items()}


@dataclass(frozen=True, slots=True)
class Mark:
    """The mark of one load balancer's resources, or (service None) of a shared resource."""

    cluster: str
    service: str | None = None  # namespace/name
    lb: str | None = None  # the load balancer's name, for labels

    @classmethod
    def of(cls, ref: LoadBalancerRef) -> Mark:
        """The mark of the resources of `ref`'s load balancer."""
        return cls(cluster=ref.cluster, service=ref.service_key, lb=ref.name)

    def _fields(self) -> dict[str, str]:
        out = {CLUSTER: self.cluster}
        if self.service is not None:
            out[SERVICE] = self.service
        return out

    @property
    def description(self) -> str:
        """The JSON description every marked resource carries."""
        return json.dumps(self._fields(), sort_keys=True, separators=(",", ":"))

    @property
    def labels(self) -> dict[str, str]:
        """The labels of marked forwarding rules and addresses."""
        return {CLUSTER_LABEL: self.cluster, LB_LABEL: self.lb or ""}

    def on(self, resource: Any) -> bool:
        """Whether `resource` carries this mark (labels too where it has them)."""
        found = read(resource.description)
        if any(found.get(key) != value for key, value in self._fields().items()):
            return False
        if isinstance(resource, LABELLED):
            return dict(resource.labels).get(CLUSTER_LABEL) == self.cluster
        return True

    def check(self, resource: Any, kind: str) -> None:
        """Refuse to touch a same-named resource that is not ours."""
        if not self.on(resource):
            raise PermanentError(
                f"the {kind} {resource.name!r} exists but does not carry lbcontroller's mark "
                f"for {self.service or 'cluster ' + self.cluster}; it was left untouched "
                "(rename or delete it, or change the Service)"
            )

    def checked(self, resource: R | None, kind: str) -> R | None:
        """`resource` (None when absent), after refusing it if it is not ours."""
        if resource is not None:
            self.check(resource, kind)
        return resource

    def all_checked(self, found: dict[str, R], kind: str) -> dict[str, R]:
        """`found`, after refusing it if any of it is not ours."""
        for item in found.values():
            self.check(item, kind)
        return found


def ref_from(description: str, *, cluster: str, name: str) -> LoadBalancerRef | None:
    """The ref of a load balancer of `cluster`, rebuilt from one of its resources' marks."""
    found = read(description)
    namespace, sep, service = found.get(SERVICE, "").partition("/")
    if found.get(CLUSTER) != cluster or not sep:
        return None
    return LoadBalancerRef(cluster=cluster, namespace=namespace, service=service, name=name)


def list_owned(ctx: Context) -> list[OwnedLoadBalancer]:
    """Our backend services in the region (cloud_id: the selfLink), sorted by Service."""
    out = []
    for service in ctx.api.listed(ctx.backend_services, ""):
        ref = ref_from(service.description, cluster=ctx.where.cluster, name=service.name)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=service.self_link))
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))
