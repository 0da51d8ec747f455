"""The order of things for `ensure` / `plan` and for `update_backends`.

Where it sits: the provider's verbs call `converge` (full) or `refresh_backends` (members only) with
the desired load balancer and a `Journal` that applies the steps or only lists them; one code path
decides both. `converge`: find ours (by tags), wait out PENDING_* (ERROR stops here, see
`loadbalancer.ready`), recreate when a setting Octavia cannot change differs, else converge in place
(the load balancer cloud-provider-openstack made for a served Service included: its children are
claimed by CPO's names and tags, see `claim`, then renamed and tagged as ours): the load balancer's
name and tags, then per Service port the pool (with its members and monitor) before its listener,
then our listeners and pools no port wants any more; last, the floating IP. Each part's current
state is read just before its steps are decided, so a converged load balancer costs reads only and
anything changed behind our back is put back. What a later write needs of an earlier one (a new load
balancer's VIP, a new pool's id) is read from `Made` when that later step runs; a plan runs none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from lbcontroller.spec import family_of
from lbcontroller.steps import Journal, Made, Step
from providers.openstack import floating_ip, listeners, loadbalancer, members, pools
from providers.openstack.api import JSON
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Port
from providers.openstack.loadbalancer import Lb, Vip
from providers.openstack.upstream import Claim


@dataclass(frozen=True, slots=True)
class Slot:
    """One Service port's listener, pool and the pool's monitor now (each None when missing)."""

    port: Port
    listener: JSON | None
    pool: JSON | None
    monitor: JSON | None


def converge(ctx: Context, want: Desired, *, journal: Journal) -> Callable[[], tuple[str, ...]]:
    """Create or converge (or plan) the load balancer of `want`; the addresses of its status,
    to ask once the journal has run."""
    made = Made()
    found, why = loadbalancer.find(ctx, want)
    for extra in found[1:]:  # left by a retried create
        journal.do(loadbalancer.delete(ctx, extra))
    lb = loadbalancer.ready(ctx, found[0], journal) if found else None
    if lb is not None:
        lb = dataclasses.replace(lb, upstream=found[0].upstream)
        why = loadbalancer.must_recreate(lb, want)
    if lb is not None and why:
        journal.do(loadbalancer.delete(ctx, lb))
        lb = None
    if lb is None:
        journal.do([loadbalancer.create(ctx, want, made=made, why=why)])
    else:
        journal.do(loadbalancer.converge(ctx, lb, want))
        journal.do(_children(ctx, lb, want, made=made))
    vip = None if lb is None else lb.vip
    steps, address = floating_ip.steps(ctx, want, vip, made=made)
    journal.do(steps)
    return lambda: addresses(Vip.now(vip, made), None if address is None else address())


def addresses(vip: Vip, floating: str | None) -> tuple[str, ...]:
    """The status' addresses: the floating IP in place of the IPv4 VIP (floating IPs are IPv4
    only), the IPv6 VIPs as they are."""
    every = (vip.address, *vip.additional)
    if floating is None:
        return every
    return (floating, *(a for a in every if family_of(a) == "IPv6"))


def claim(lb: Lb, want: Desired) -> Claim:
    """Which of `lb`'s children are ours: tagged so, or on the load balancer that
    cloud-provider-openstack made for the Service, CPO's own."""
    return Claim(want.tags, want.upstream if want.upstream.named(lb.name) else None)


def _slots(
    ctx: Context, lb: Lb, want: Desired, mark: Claim
) -> tuple[list[Slot], list[JSON], list[JSON]]:
    """Each port's parts now (refusing, before any write, a part held by someone else); all
    listeners and pools."""
    mine = pools.monitors(ctx, want.tags)
    found_listeners = listeners.read(ctx, lb)
    found_pools = pools.read(ctx, lb)
    out = []
    for port in want.ports:
        listener = listeners.find(lb, found_listeners, mark, port)
        pool = pools.find(found_pools, mark, port, listener)
        monitor = None if pool is None else pools.monitor_of(ctx, lb, mine, pool, mark)
        out.append(Slot(port, listener, pool, monitor))
    return out, found_listeners, found_pools


def _children(ctx: Context, lb: Lb, want: Desired, *, made: Made) -> list[Step]:
    """The steps that make the load balancer's children what `want` says."""
    mark = claim(lb, want)
    slots, found_listeners, found_pools = _slots(ctx, lb, want, mark)
    out: list[Step] = []
    for slot in slots:
        steps, pool_id = pools.steps(
            ctx, lb, want, slot.port, pool=slot.pool, monitor=slot.monitor, made=made
        )
        out += steps
        out += listeners.steps(ctx, lb, want, slot.port, slot.listener, pool_id=pool_id, made=made)
    kept_listeners = {str(s.listener["id"]) for s in slots if s.listener is not None}
    kept_pools = {str(s.pool["id"]) for s in slots if s.pool is not None}
    out += listeners.unused(ctx, lb, found_listeners, mark, kept_listeners)
    out += pools.unused(ctx, lb, found_pools, mark, kept_pools)
    return out


def refresh_backends(ctx: Context, want: Desired, *, journal: Journal) -> None:
    """Only the members, one batch call per pool that differs (nothing before it exists)."""
    lb = next(iter(loadbalancer.ours(ctx, want.ref)), None)
    if lb is not None:
        lb = loadbalancer.ready(ctx, lb, journal)
    if lb is None:
        return
    found = pools.read(ctx, lb)
    for port in want.ports:
        pool = pools.find(found, Claim(want.tags), port, None)
        if pool is not None:
            current = members.read(ctx, pool["id"])
            journal.do(members.steps(ctx, lb, port, pool_id=pool["id"], current=current))
