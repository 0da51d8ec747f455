"""A pool's members: read them, and replace them in one batch call when they differ.

Where it sits: `ports` (the full converge) and `flow.update_backends` (the cheap node path)
call `converge` once per pool: one read, and at most one write, Octavia's batch member update
(PUT /v2/lbaas/pools/{id}/members with the full list), however many nodes came or went.
"""

from __future__ import annotations

from typing import Any

from lbcontroller.provider import PlannedChange
from providers.openstack import octavia
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Port
from providers.openstack.octavia import Lb

COMPARED = ("name", "address", "protocol_port", "monitor_port")


def read(ctx: Context, pool_id: str) -> list[JSON]:
    """The pool's members now."""
    return ctx.api.list("members.list", OCTAVIA, f"/lbaas/pools/{pool_id}/members", {})


def _shape(members: list[JSON] | tuple[JSON, ...]) -> list[tuple[Any, ...]]:
    return sorted(tuple(m.get(key) for key in COMPARED) for m in members)


def converge(ctx: Context, lb: Lb, port: Port, *, pool_id: str, current: list[JSON]) -> None:
    """Make the pool's members `port.members`, in one call, when they differ."""
    if _shape(current) == _shape(port.members):
        return
    nodes = ", ".join(str(m["name"]) for m in port.members) or "none"
    planned = PlannedChange(
        "update", "members", port.name, "members.batch_update", f"{len(port.members)}: {nodes}"
    )
    body = {"members": list(port.members)}
    octavia.change(ctx, lb, planned, "PUT", f"/lbaas/pools/{pool_id}/members", body)
