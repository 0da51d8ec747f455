"""What an existing load balancer's children look like now, and which of them are ours.

Where it sits: `ports.converge` reads once (three calls: listeners and pools of the load
balancer, our health monitors by tag) and then asks, per Service port, for its listener, pool and
monitor. A child without our tags is never modified or deleted; when one stands where ours must
go (the port's listener, the pool's monitor) the Service gets a PermanentError naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lbcontroller.errors import PermanentError
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Port
from providers.openstack.octavia import Lb


def _tagged(item: JSON, tags: Iterable[str]) -> bool:
    return set(item.get("tags") or ()).issuperset(tags)


@dataclass(frozen=True, slots=True)
class Slot:
    """One Service port's listener, pool and the pool's monitor now (each None when missing)."""

    port: Port
    listener: JSON | None
    pool: JSON | None
    monitor: JSON | None


@dataclass(frozen=True, slots=True)
class Seen:
    """The children of one load balancer."""

    lb: Lb
    tags: tuple[str, ...]  # ours
    listeners: list[JSON]  # all of them
    pools: list[JSON]  # all of them
    monitors: dict[str, JSON]  # ours, by id

    def ours(self, items: list[JSON]) -> list[JSON]:
        """The items carrying our tags."""
        return [item for item in items if _tagged(item, self.tags)]

    def listener_for(self, port: Port) -> JSON | None:
        """Our listener on the port's protocol and number."""
        for item in self.listeners:
            if (item["protocol"], item["protocol_port"]) != (port.protocol, port.port):
                continue
            if not _tagged(item, self.tags):
                raise PermanentError(
                    f"{port.protocol} port {port.port} of load balancer {self.lb.label} is "
                    f"taken by listener {item['id']}, which lacks lbcontroller's ownership tags"
                )
            return item
        return None

    def pool_for(self, port: Port, listener: JSON | None) -> JSON | None:
        """Our pool for the port, with the protocol it wants (the listener's own first)."""
        fits = [
            pool
            for pool in self.ours(self.pools)
            if (pool["name"], pool["protocol"]) == (port.name, port.pool_protocol)
        ]
        serving = None if listener is None else listener.get("default_pool_id")
        fits.sort(key=lambda pool: pool["id"] != serving)
        return fits[0] if fits else None

    def monitor_of(self, pool: JSON) -> JSON | None:
        """The pool's health monitor (it must be ours)."""
        monitor_id = pool.get("healthmonitor_id")
        if not monitor_id:
            return None
        if monitor_id not in self.monitors:
            raise PermanentError(
                f"pool {pool['name']} of load balancer {self.lb.label} has health monitor "
                f"{monitor_id}, which lacks lbcontroller's ownership tags"
            )
        return self.monitors[monitor_id]

    def slots(self, ports: Iterable[Port]) -> list[Slot]:
        """Each port's parts now; refuses (before any write) a part held by someone else."""
        out = []
        for port in ports:
            listener = self.listener_for(port)
            pool = self.pool_for(port, listener)
            monitor = None if pool is None else self.monitor_of(pool)
            out.append(Slot(port, listener, pool, monitor))
        return out


def pools_of(ctx: Context, lb: Lb) -> list[JSON]:
    """The load balancer's pools, ours or not."""
    return ctx.api.list("pools.list", OCTAVIA, "/lbaas/pools", {"loadbalancer_id": lb.id})


def look(ctx: Context, lb: Lb, want: Desired) -> Seen:
    """Read the load balancer's listeners and pools, and our health monitors."""
    api = ctx.api
    monitors = api.list(
        "healthmonitors.list", OCTAVIA, "/lbaas/healthmonitors", {"tags": ",".join(want.tags)}
    )
    listeners = api.list("listeners.list", OCTAVIA, "/lbaas/listeners", {"loadbalancer_id": lb.id})
    return Seen(
        lb=lb,
        tags=want.tags,
        listeners=listeners,
        pools=pools_of(ctx, lb),
        monitors={item["id"]: item for item in monitors},
    )
