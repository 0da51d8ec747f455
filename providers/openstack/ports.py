"""Converging an existing load balancer's listeners, pools, monitors and members in place.

Where it sits: `flow.ensure` calls `converge` for a load balancer that already exists (a new one
is created whole by `loadbalancers.create`); `flow.update_backends` calls `members_only`. Order
keeps traffic flowing: per Service port, the pool first (a new one gets its members and monitor
before any listener points at it), then the listener (created, or changed and repointed); last,
our listeners and pools no port wants any more are deleted. A pool whose protocol must change
(PROXY protocol on or off) is replaced that way, without touching the load balancer.
"""

from __future__ import annotations

from providers.openstack import bodies, members
from providers.openstack.api import JSON
from providers.openstack.children import LISTENER, MONITOR, POOL
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Port
from providers.openstack.octavia import Lb
from providers.openstack.seen import Seen, Slot, look, pools_of


def converge(ctx: Context, lb: Lb, want: Desired) -> None:
    """Make the load balancer's children what `want` says."""
    seen = look(ctx, lb, want)
    kept_listeners, kept_pools = set(), set()
    for slot in seen.slots(want.ports):
        pool_id = _pool(ctx, lb, want, slot)
        kept_pools.add(pool_id)
        kept_listeners.add(_listener(ctx, lb, want, slot, pool_id))
    for item in seen.ours(seen.listeners):
        if item["id"] not in kept_listeners:
            LISTENER.delete(ctx, lb, item, detail="no Service port wants it")
    for item in seen.ours(seen.pools):
        if item["id"] not in kept_pools:
            POOL.delete(ctx, lb, item, detail="with its members and monitor; unused")


def members_only(ctx: Context, lb: Lb, want: Desired) -> None:
    """Converge only the members of the pools that exist already (one batch call per pool)."""
    seen = Seen(lb=lb, tags=want.tags, listeners=[], pools=pools_of(ctx, lb), monitors={})
    for port in want.ports:
        pool = seen.pool_for(port, None)
        if pool is not None:
            current = members.read(ctx, pool["id"])
            members.converge(ctx, lb, port, pool_id=pool["id"], current=current)


def _pool(ctx: Context, lb: Lb, want: Desired, slot: Slot) -> str:
    port = slot.port
    if slot.pool is None:
        body = {**bodies.pool(want, port), "loadbalancer_id": lb.id}
        detail = f"{port.pool_protocol}, {port.lb_algorithm}"
        pool_id = POOL.create(ctx, lb, port.name, body, detail=detail)
        members.converge(ctx, lb, port, pool_id=pool_id, current=[])
        _monitor(ctx, lb, want, port, pool_id, None)
        return pool_id
    pool_id = str(slot.pool["id"])
    wanted = {"name": port.name, "lb_algorithm": port.lb_algorithm}
    POOL.update(ctx, lb, slot.pool, wanted, want.tags)
    members.converge(ctx, lb, port, pool_id=pool_id, current=members.read(ctx, pool_id))
    _monitor(ctx, lb, want, port, pool_id, slot.monitor)
    return pool_id


def _monitor(
    ctx: Context, lb: Lb, want: Desired, port: Port, pool_id: str, current: JSON | None
) -> None:
    wanted = port.monitor
    if current is not None and (wanted is None or current["type"] != wanted.type):
        MONITOR.delete(ctx, lb, current, detail="not wanted, or its type changes")
        current = None
    if wanted is None:
        return
    if current is None:
        body = {**bodies.monitor(want, port), "pool_id": pool_id}
        MONITOR.create(ctx, lb, port.name, body, detail=f"{wanted.type} on the members' probe port")
        return
    MONITOR.update(ctx, lb, current, {"name": port.name, **wanted.settings}, want.tags)


def _listener(ctx: Context, lb: Lb, want: Desired, slot: Slot, pool_id: str) -> str:
    port = slot.port
    if slot.listener is None:
        body = {**bodies.listener(want, port), "loadbalancer_id": lb.id, "default_pool_id": pool_id}
        return LISTENER.create(ctx, lb, port.name, body, detail=f"{port.protocol}/{port.port}")
    wanted = {"name": port.name, "default_pool_id": pool_id, **port.listener}
    LISTENER.update(ctx, lb, slot.listener, wanted, want.tags)
    return str(slot.listener["id"])
