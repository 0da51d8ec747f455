"""A load balancer's pools and each pool's health monitor: which are ours, and the steps that
create, update, replace or delete them (the members: `members`).

Where it sits: `converge` reads the pools and our monitors once, asks `find` and `monitor_of`
for each Service port's, then for its `steps`, and last for the `unused` ones to delete. A new
pool gets its members and monitor before any listener points at it; the steps after its
creation read its id from `Made`. A pool whose protocol must change (PROXY protocol on or off)
is a new pool, and the old one goes as unused. A monitor whose type changes is replaced (Octavia
cannot change it). A pool without our tags is never ours (but on the load balancer
cloud-provider-openstack made for the Service, the pool its listener serves, and CPO's monitor on
it); a monitor without them on our pool stops the Service with a PermanentError naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lbcontroller.errors import PermanentError
from lbcontroller.steps import Made, Step
from providers.openstack import desired, members
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Port
from providers.openstack.loadbalancer import Lb
from providers.openstack.ownership import tagged
from providers.openstack.steps import MONITOR, POOL, Id
from providers.openstack.upstream import Claim


def read(ctx: Context, lb: Lb) -> list[JSON]:
    """The load balancer's pools, ours or not."""
    return ctx.api.list("pools.list", OCTAVIA, "/lbaas/pools", {"loadbalancer_id": lb.id})


def monitors(ctx: Context, tags: tuple[str, ...]) -> dict[str, JSON]:
    """Our health monitors, by id."""
    found = ctx.api.list(
        "healthmonitors.list", OCTAVIA, "/lbaas/healthmonitors", {"tags": ",".join(tags)}
    )
    return {item["id"]: item for item in found}


def find(pools: Iterable[JSON], mark: Claim, port: Port, listener: JSON | None) -> JSON | None:
    """Our pool for the port, with the protocol it wants (the listener's own first); on a load
    balancer cloud-provider-openstack made, the pool its listener for the port serves."""
    serving = None if listener is None else listener.get("default_pool_id")
    fits = [
        pool
        for pool in pools
        if pool["protocol"] == port.pool_protocol
        and (
            (pool["name"] == port.name and tagged(pool, mark.tags))
            or (mark.upstream is not None and pool["id"] == serving)
        )
    ]
    fits.sort(key=lambda pool: pool["id"] != serving)
    return fits[0] if fits else None


def monitor_of(
    ctx: Context, lb: Lb, monitors: dict[str, JSON], pool: JSON, mark: Claim
) -> JSON | None:
    """The pool's health monitor (it must be ours, or CPO's on CPO's pool)."""
    monitor_id = pool.get("healthmonitor_id")
    if not monitor_id:
        return None
    if monitor_id not in monitors and mark.upstream is not None and not tagged(pool, mark.tags):
        found = ctx.api.get("healthmonitors.get", OCTAVIA, f"/lbaas/healthmonitors/{monitor_id}")
        return None if found is None else dict(found["healthmonitor"])
    if monitor_id not in monitors:
        raise PermanentError(
            f"pool {pool['name']} of load balancer {lb.label} has health monitor "
            f"{monitor_id}, which lacks lbcontroller's ownership tags"
        )
    return monitors[monitor_id]


def steps(
    ctx: Context,
    lb: Lb,
    want: Desired,
    port: Port,
    *,
    pool: JSON | None,
    monitor: JSON | None,
    made: Made,
) -> tuple[list[Step], Id]:
    """The port's pool (created or updated), its members and its monitor (`pool` and `monitor`:
    as they are now); the pool's id."""
    if pool is None:
        body = {**desired.pool(want, port), "loadbalancer_id": lb.id}
        detail = f"{port.pool_protocol}, {port.lb_algorithm}"
        pool_id: Id = POOL.made_id(made, port.name)
        out = [POOL.create(ctx, lb, body, detail=detail, made=made)]
        out += members.steps(ctx, lb, port, pool_id=pool_id, current=[])
    else:
        pool_id = str(pool["id"])
        wanted: dict[str, Any] = {"name": port.name, "lb_algorithm": port.lb_algorithm}
        if (pool.get("session_persistence") or {}).get("type") != port.persistence:
            wanted["session_persistence"] = desired.persistence(port)
        out = POOL.update(ctx, lb, pool, wanted, want.tags)
        out += members.steps(ctx, lb, port, pool_id=pool_id, current=members.read(ctx, pool_id))
    out += _monitor(ctx, lb, want, port, pool_id, monitor, made=made)
    return out, pool_id


def _monitor(
    ctx: Context,
    lb: Lb,
    want: Desired,
    port: Port,
    pool_id: Id,
    current: JSON | None,
    *,
    made: Made,
) -> list[Step]:
    wanted = port.monitor
    out = []
    if current is not None and (wanted is None or current["type"] != wanted.type):
        out.append(MONITOR.delete(ctx, lb, current, detail="not wanted, or its type changes"))
        current = None
    if wanted is None:
        return out
    if current is None:
        body = {**desired.monitor(want, port), "pool_id": pool_id}
        detail = f"{wanted.type} on the members' probe port"
        return [*out, MONITOR.create(ctx, lb, body, detail=detail, made=made)]
    return MONITOR.update(ctx, lb, current, {"name": port.name, **wanted.settings}, want.tags)


def unused(ctx: Context, lb: Lb, pools: Iterable[JSON], mark: Claim, kept: set[str]) -> list[Step]:
    """Delete our pools that no Service port wants any more (with their members and monitor)."""
    detail = "with its members and monitor; unused"
    return [
        POOL.delete(ctx, lb, pool, detail=detail)
        for pool in mark.all(pools)
        if pool["id"] not in kept
    ]
