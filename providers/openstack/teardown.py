"""Removing what we own for a Service, and listing what we own in the cluster.

Where it sits: the provider's `ensure_deleted` / `plan_delete` call `remove`, its `list_owned`
calls `owned`. Only what carries our marks is touched: our floating IPs first (released, or
handed over when marked keep), then our load balancers, each deleted with its children
(cascade) and waited for until it is gone, so a failed deletion is retried, not forgotten.
"""

from __future__ import annotations

from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.spec import LoadBalancerRef
from providers.openstack import floating, loadbalancers, octavia
from providers.openstack.api import OCTAVIA
from providers.openstack.context import Context
from providers.openstack.marks import CLUSTER, ref_from, tag
from providers.openstack.octavia import PATH, Lb


def remove(ctx: Context, ref: LoadBalancerRef) -> None:
    """Delete everything of ours for `ref`; absent is fine."""
    for fip in floating.ours(ctx, ref):
        floating.release(ctx, fip)
    for lb in loadbalancers.ours(ctx, ref):
        octavia.delete(ctx, lb)


def owned(ctx: Context) -> list[OwnedLoadBalancer]:
    """Every load balancer tagged as this cluster's (cloud_id: its Octavia id)."""
    cluster = ctx.settings.cluster
    found = ctx.api.list("loadbalancers.list", OCTAVIA, PATH, {"tags": tag(CLUSTER, cluster)})
    out = []
    for lb in (Lb.of(item) for item in found):
        ref = ref_from(lb.tags, cluster=cluster, name=lb.name)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=lb.id))
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))
