"""Removing what we own for a Service.

Where it sits: the provider's `ensure_deleted` runs these `steps` with a `Journal` that applies
them, `plan_delete` with one that only lists them. Only what carries our marks is touched: our
floating IPs first (released, or handed over when marked keep), then our load balancers, each
deleted with its children (cascade) and waited for until it is gone, so a failed deletion is
retried, not forgotten.
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Step
from providers.openstack import floating_ip, loadbalancer
from providers.openstack.context import Context


def steps(ctx: Context, ref: LoadBalancerRef) -> list[Step]:
    """Delete everything of ours for `ref`; absent is fine."""
    out = [floating_ip.release(ctx, fip) for fip in floating_ip.ours(ctx, ref)]
    for lb in loadbalancer.ours(ctx, ref):
        out += loadbalancer.delete(ctx, lb)
    return out
