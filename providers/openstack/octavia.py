"""A load balancer's life in Octavia: its record, waiting out PENDING_*, ERROR, and deletion.

Where it sits: every module that changes a load balancer or one of its children writes through
`change`, which then waits until the load balancer is ACTIVE again (Octavia answers the next
change with 409 meanwhile); the flows `ready` a load balancer before touching it. Waits poll
about 1 s x 1.2^n (`Patience`) and, past their budget, raise RetryAfter. A load balancer in
ERROR stops the flow with `LoadBalancerFailed` (a Warning Event); with deleteOnError (the
default) it is first deleted with its children, so the next sync creates it anew.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import NoReturn

from lbcontroller.errors import RetryAfter
from lbcontroller.provider import PlannedChange
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context

PATH = "/lbaas/loadbalancers"


class LoadBalancerFailed(Exception):
    """A load balancer in ERROR (or one whose deletion failed): needs attention, not a retry
    loop; the message says what was done about it."""


@dataclass(frozen=True, slots=True)
class Lb:
    """What the flows read of a load balancer."""

    id: str
    name: str
    status: str  # provisioning_status
    tags: frozenset[str]
    vip_address: str
    vip_port_id: str | None
    created: str = ""

    @classmethod
    def of(cls, body: JSON) -> Lb:
        """From Octavia's JSON."""
        return cls(
            id=body["id"],
            name=body.get("name") or "",
            status=body["provisioning_status"],
            tags=frozenset(body.get("tags") or ()),
            vip_address=body.get("vip_address") or "",
            vip_port_id=body.get("vip_port_id"),
            created=body.get("created_at") or "",
        )

    @classmethod
    def planned(cls, name: str, tags: frozenset[str]) -> Lb:
        """The stand-in for a load balancer a plan would create."""
        return cls(f"(planned {name})", name, "ACTIVE", tags, "(planned VIP)", None)

    @property
    def pending(self) -> bool:
        """Whether Octavia refuses changes to it now."""
        return self.status.startswith("PENDING_")

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"{self.name} ({self.id})"


def fetch(ctx: Context, lb_id: str) -> Lb | None:
    """The load balancer now, or None when it is gone."""
    body = ctx.api.get("loadbalancers.get", OCTAVIA, f"{PATH}/{lb_id}")
    return None if body is None else Lb.of(body["loadbalancer"])


def _poll(ctx: Context, lb: Lb) -> Lb | None:
    """Poll until `lb` leaves PENDING_* (None once it is gone)."""
    for delay in ctx.patience.delays():
        time.sleep(delay)
        current = fetch(ctx, lb.id)
        if current is None or not current.pending:
            return current
        lb = current
    raise RetryAfter(
        f"load balancer {lb.label} is still {lb.status} after {ctx.patience.budget:.0f} s",
        delay=ctx.patience.retry_after,
    )


def ready(ctx: Context, lb: Lb) -> Lb | None:
    """`lb` once it is out of PENDING_* and not in ERROR (None once it is gone)."""
    current = _poll(ctx, lb) if lb.pending else lb
    if current is not None and current.status == "ERROR":
        failed(ctx, current)
    return current


def failed(ctx: Context, lb: Lb) -> NoReturn:
    """Stop at a load balancer in ERROR, deleting it first when deleteOnError is on."""
    if not ctx.settings.delete_on_error:
        raise LoadBalancerFailed(
            f"load balancer {lb.label} is in ERROR; deleteOnError is off, so it is left for an "
            "operator to inspect and delete"
        )
    _send_delete(ctx, lb)
    raise LoadBalancerFailed(
        f"load balancer {lb.label} was in ERROR: deleted it with its children (deleteOnError); "
        "the next sync creates it anew"
    )


def change(
    ctx: Context, lb: Lb, planned: PlannedChange, method: str, path: str, body: JSON | None = None
) -> JSON:
    """One write to `lb` or a child of it; then wait until `lb` is ACTIVE again. A DELETE of
    something already gone counts as done."""
    answer: JSON = {}
    if method == "DELETE":
        ctx.api.delete(planned, OCTAVIA, path)
    else:
        answer = ctx.api.write(planned, OCTAVIA, method, path, body)
    if not ctx.api.dry_run and ready(ctx, dataclasses.replace(lb, status="PENDING_UPDATE")) is None:
        raise RuntimeError(f"load balancer {lb.label} was deleted behind our back")
    return answer


def delete(ctx: Context, lb: Lb) -> None:
    """Delete `lb` with its children (cascade) and wait until it is gone."""
    current = _poll(ctx, lb) if lb.pending else lb
    if current is None:
        return
    _send_delete(ctx, current)
    if ctx.api.dry_run:
        return
    left = _poll(ctx, dataclasses.replace(current, status="PENDING_DELETE"))
    if left is not None:
        raise LoadBalancerFailed(f"deleting load balancer {left.label} failed: it is {left.status}")


def _send_delete(ctx: Context, lb: Lb) -> None:
    detail = "cascade: with its listeners, pools, members and health monitors"
    planned = PlannedChange("delete", "load-balancer", lb.name, "loadbalancers.delete", detail)
    ctx.api.delete(planned, OCTAVIA, f"{PATH}/{lb.id}?cascade=true")
