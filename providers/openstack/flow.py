"""The order of things for `ensure` / `plan` and for `update_backends`.

Where it sits: the provider's verbs call these with the desired load balancer. `ensure`: find
ours (by tags), wait out PENDING_* (ERROR stops here, see `octavia.failed`), recreate when a
setting Octavia cannot change differs, else converge in place; then the floating IP. Every part
is read and compared on every call, so a converged load balancer costs reads only and anything
changed behind our back is put back.
"""

from __future__ import annotations

from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus
from providers.openstack import floating, loadbalancers, octavia, ports
from providers.openstack.context import Context
from providers.openstack.desired import Desired


def ensure(ctx: Context, want: Desired) -> LoadBalancerStatus:
    """Create or converge the load balancer of `want`; its status."""
    lb = loadbalancers.find(ctx, want.ref)
    if lb is not None:
        lb = octavia.ready(ctx, lb)
    if lb is not None and loadbalancers.must_recreate(lb, want):
        octavia.delete(ctx, lb)
        lb = None
    if lb is None:
        lb = loadbalancers.create(ctx, want)
    else:
        loadbalancers.converge(ctx, lb, want)
        ports.converge(ctx, lb, want)
    address = floating.converge(ctx, lb, want) or lb.vip_address
    return LoadBalancerStatus(ingress=(Ingress(ip=address, ip_mode=want.ip_mode),))


def update_backends(ctx: Context, want: Desired) -> None:
    """Only the members, one batch call per pool that differs (nothing before it exists)."""
    lb = next(iter(loadbalancers.ours(ctx, want.ref)), None)
    if lb is not None:
        lb = octavia.ready(ctx, lb)
    if lb is not None:
        ports.members_only(ctx, lb, want)
