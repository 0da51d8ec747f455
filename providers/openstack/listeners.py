"""A load balancer's listeners: which is ours on a Service port, and the steps that create,
update (repoint) or delete them.

Where it sits: `converge` reads the listeners once, asks `find` for each Service port's (a
listener without our tags on the port's protocol and number stops the Service with a
PermanentError, before any write), then for its `step`s after the port's pool's, and last for
the `unused` ones to delete. A listener is pointed at its pool after the pool has its members
and monitor, so traffic keeps flowing; a new pool's id is read from `Made` when the step runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from lbcontroller.errors import PermanentError
from lbcontroller.steps import Made, Step
from providers.openstack import desired
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Port
from providers.openstack.loadbalancer import Lb
from providers.openstack.steps import LISTENER, Id
from providers.openstack.upstream import Claim


def read(ctx: Context, lb: Lb) -> list[JSON]:
    """The load balancer's listeners, ours or not."""
    return ctx.api.list("listeners.list", OCTAVIA, "/lbaas/listeners", {"loadbalancer_id": lb.id})


def find(lb: Lb, listeners: Iterable[JSON], mark: Claim, port: Port) -> JSON | None:
    """Our listener on the port's protocol and number (`mark` tells ours)."""
    for item in listeners:
        if (item["protocol"], item["protocol_port"]) != (port.protocol, port.port):
            continue
        if not mark(item):
            raise PermanentError(
                f"{port.protocol} port {port.port} of load balancer {lb.label} is "
                f"taken by listener {item['id']}, which lacks lbcontroller's ownership tags"
            )
        return item
    return None


def steps(
    ctx: Context,
    lb: Lb,
    want: Desired,
    port: Port,
    current: JSON | None,
    *,
    pool_id: Id,
    made: Made,
) -> list[Step]:
    """Create the port's listener on `pool_id`, or update it (and repoint it there)."""
    if current is None:
        body = {
            **desired.listener(want, port),
            "loadbalancer_id": lb.id,
            "default_pool_id": pool_id,
        }
        detail = f"{port.protocol}/{port.port}"
        return [LISTENER.create(ctx, lb, body, detail=detail, made=made)]
    wanted = {"name": port.name, "default_pool_id": pool_id, **port.listener}
    return LISTENER.update(ctx, lb, current, wanted, want.tags)


def unused(
    ctx: Context, lb: Lb, listeners: Iterable[JSON], mark: Claim, kept: set[str]
) -> list[Step]:
    """Delete our listeners that no Service port wants any more."""
    return [
        LISTENER.delete(ctx, lb, item, detail="no Service port wants it")
        for item in mark.all(listeners)
        if item["id"] not in kept
    ]
