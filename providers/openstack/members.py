"""A pool's members: read them, and replace them in one batch call when they differ.

Where it sits: `pools` (the full converge) and `converge.refresh_backends` (the cheap node path)
ask, once per pool, for its `steps`: at most one write, Octavia's batch member update
(PUT /v2/lbaas/pools/{id}/members with the full list), however many nodes came or went. A new
pool's members are sent once the step that creates the pool has given its id.
"""

from __future__ import annotations

from typing import Any

from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Step
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Port
from providers.openstack.loadbalancer import Lb
from providers.openstack.steps import Id, now, write

COMPARED = ("name", "address", "protocol_port", "monitor_port")


def read(ctx: Context, pool_id: str) -> list[JSON]:
    """The pool's members now."""
    return ctx.api.list("members.list", OCTAVIA, f"/lbaas/pools/{pool_id}/members", {})


def _shape(members: list[JSON] | tuple[JSON, ...]) -> list[tuple[Any, ...]]:
    return sorted(tuple(m.get(key) for key in COMPARED) for m in members)


def steps(ctx: Context, lb: Lb, port: Port, *, pool_id: Id, current: list[JSON]) -> list[Step]:
    """Make the pool's members `port.members`, in one call, when they differ."""
    if _shape(current) == _shape(port.members):
        return []
    nodes = ", ".join(str(m["name"]) for m in port.members) or "none"
    change = PlannedChange(
        "update", "members", port.name, "members.batch_update", f"{len(port.members)}: {nodes}"
    )
    body = {"members": list(port.members)}

    def path() -> str:
        return f"/lbaas/pools/{now(pool_id)}/members"

    return [write(ctx, lb, change, "PUT", path, lambda: body)]
