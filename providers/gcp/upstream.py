"""What cloud-provider-gcp (the upstream GCE cloud controller manager) names and marks, read
from its source: providers/gce/gce_loadbalancer_naming.go, gce_loadbalancer_external.go,
gce_loadbalancer_internal.go and gce_instancegroup.go (pure facts, no calls).

Where it sits: `adoption` finds and removes what upstream made for a Service with these names;
`desired` names the cluster's instance groups upstream's way when `upstreamClusterId` is set.

Upstream names a Service's load balancer `a` + its UID without dashes, cut to 32 characters,
and gives that name to its forwarding rule, target pool (external) or backend service
(internal), and to its health check when externalTrafficPolicy is Local. Their descriptions
are JSON naming the Service: `{"kubernetes.io/service-name":"<ns>/<name>"}` (firewalls add
`"kubernetes.io/service-ip"`). Firewalls: `k8s-fw-<lb>` for the Service ports (internal ones
were once named `<lb>`; `k8s-fw-<lb>-deny` when upstream's deny rules are on); the probers'
rule is `k8s-<lb>-http-hc` (external, Local) or `<lb>-hc` (internal, Local, described ""). What the
cluster's Services share is named from the cluster id: the nodes' health check
`k8s-<id>-node` (a legacy httpHealthCheck for target pools, described
`{"kubernetes.io/service-name":"k8s-<id>-node"}`; a global healthCheck with an empty
description for internal ones), its firewall `k8s-<id>-node-http-hc` (described
`{"kubernetes.io/cluster-id":"<id>"}`) or `k8s-<id>-node-hc` (empty description), and the
unmanaged instance groups `k8s-ig--<id>` (no description). Upstream demotes the IP it
reserved to an ephemeral one once its forwarding rule holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lbcontroller.spec import LoadBalancerRef
from providers.gcp.context import Where
from providers.gcp.ownership import read

SERVICE_NAME = "kubernetes.io/service-name"
CLUSTER_ID = "kubernetes.io/cluster-id"
NAME = re.compile(r"a[0-9a-f]{31}")


def upstream_name(uid: str) -> str:
    """The name upstream gives a Service's load balancer (`GetLoadBalancerName`)."""
    return ("a" + uid.replace("-", ""))[:32]


def group_name(cluster_id: str) -> str:
    """Upstream's unmanaged instance group, the same name in every zone."""
    return f"k8s-ig--{cluster_id}"


def service_of(description: str) -> str:
    """The `<ns>/<name>` an upstream description names ("" when it names none)."""
    return read(description).get(SERVICE_NAME, "")


def tied(description: str, service_key: str) -> bool:
    """Whether an upstream description names exactly this Service."""
    return service_of(description) == service_key


@dataclass(frozen=True, slots=True)
class Names:
    """The names of what upstream made for one Service, and of what its Services share."""

    lb: str
    cluster_id: str

    @property
    def service_firewalls(self) -> tuple[str, ...]:
        """The Service ports' firewall, its old internal name, its deny rule (when upstream's
        deny rules are on), and the Local probers' rules."""
        return (
            f"k8s-fw-{self.lb}",
            self.lb,
            f"k8s-fw-{self.lb}-deny",
            f"k8s-{self.lb}-http-hc",
            f"{self.lb}-hc",
        )

    @property
    def nodes_health_check(self) -> str:
        """The shared health check of kube-proxy's port (legacy or global, same name)."""
        return f"k8s-{self.cluster_id}-node"

    @property
    def nodes_http_firewall(self) -> str:
        """The probers' firewall of the shared legacy health check (target pools)."""
        return f"k8s-{self.cluster_id}-node-http-hc"

    @property
    def nodes_firewall(self) -> str:
        """The probers' firewall of the shared global health check (internal)."""
        return f"k8s-{self.cluster_id}-node-hc"

    def service_tied(self, name: str, description: str, service_key: str) -> bool:
        """Whether one of the Service's upstream firewalls is upstream's for this Service (the
        internal Local probers' rule `<lb>-hc` has an empty description: its name is the tie)."""
        if name == f"{self.lb}-hc" and not description:
            return True
        return tied(description, service_key)

    def shared_tied(self, name: str, description: str) -> bool:
        """Whether a shared resource bears upstream's description for it in this cluster."""
        if name == self.nodes_http_firewall:
            return read(description).get(CLUSTER_ID) == self.cluster_id
        if name == self.nodes_health_check and description:
            return service_of(description) == name  # the legacy check names itself
        return description == ""


def names_for(ref: LoadBalancerRef, where: Where) -> Names | None:
    """Upstream's names for `ref` (None without the Service's UID); the cluster id is
    `upstreamClusterId`, else the cluster's name."""
    if not ref.uid:
        return None
    return Names(lb=upstream_name(ref.uid), cluster_id=where.upstream_cluster or where.cluster)
