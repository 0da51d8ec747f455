"""Removing what we own for a Service.

Where it sits: the provider's `ensure_deleted` runs these `steps` with a `Journal` that applies
them, `plan_delete` with one that only lists them. Only what carries our marks is touched: our
floating IPs first (released, or handed over when marked keep), then our load balancers, each
deleted with its children (cascade) and waited for until it is gone, so a failed deletion is
retried, not forgotten. With none of ours, the load balancer cloud-provider-openstack made for
the Service and nobody adopted (`upstream`: a Service deleted before lbcontroller took it over,
or `gc`) goes the same way, with the floating IP CPO made on its VIP (CPO's own rule; the
Service's keep-floatingip cannot be read any more).
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Step
from providers.openstack import floating_ip, loadbalancer, upstream
from providers.openstack.context import Context
from providers.openstack.loadbalancer import Lb


def steps(ctx: Context, ref: LoadBalancerRef) -> list[Step]:
    """Delete everything of ours for `ref`; absent is fine."""
    out = [floating_ip.release(ctx, fip) for fip in floating_ip.ours(ctx, ref)]
    lbs = loadbalancer.ours(ctx, ref)
    for lb in lbs:
        out += loadbalancer.delete(ctx, lb)
    return out if lbs else out + _upstream(ctx, ref)


def _upstream(ctx: Context, ref: LoadBalancerRef) -> list[Step]:
    names = upstream.Upstream.of(ref, ctx.settings.cpo_cluster, None)
    made, _ = upstream.find(ctx, names)
    if made is None:
        return []
    lb = Lb.of(made)
    fips = [fip for fip in upstream.on_vip(ctx, lb.vip.port_id) if names.fip(fip, ref)]
    return [floating_ip.release(ctx, fip) for fip in fips] + loadbalancer.delete(ctx, lb)
