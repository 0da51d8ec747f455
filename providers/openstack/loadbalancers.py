"""Finding, creating and converging the load balancer itself (its children: `ports`).

Where it sits: the flows call `find` (ours by tags; a same-named one without them stops the
Service with a PermanentError), `create` (one call for the whole graph: listeners, pools,
members and monitors) and `converge` (name and tags); `must_recreate` compares the settings
Octavia cannot change (VIP subnet, network and address, flavor, availability zone), as recorded
in a tag when the load balancer was created.
"""

from __future__ import annotations

from lbcontroller.errors import PermanentError
from lbcontroller.provider import PlannedChange
from lbcontroller.spec import LoadBalancerRef
from providers.openstack import bodies, octavia
from providers.openstack.api import OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Desired
from providers.openstack.marks import CREATED_WITH, ownership, tag, value_of
from providers.openstack.octavia import PATH, Lb


def ours(ctx: Context, ref: LoadBalancerRef) -> list[Lb]:
    """Every load balancer tagged as `ref`'s, oldest first."""
    found = ctx.api.list("loadbalancers.list", OCTAVIA, PATH, {"tags": ",".join(ownership(ref))})
    return sorted((Lb.of(item) for item in found), key=lambda lb: (lb.created, lb.id))


def find(ctx: Context, ref: LoadBalancerRef) -> Lb | None:
    """`ref`'s load balancer; a duplicate (left by a retried create) is deleted."""
    found = ours(ctx, ref)
    if not found:
        _refuse_foreign(ctx, ref)
        return None
    first, *extras = found
    for extra in extras:
        octavia.delete(ctx, extra)
    return first


def _refuse_foreign(ctx: Context, ref: LoadBalancerRef) -> None:
    same = ctx.api.list("loadbalancers.list", OCTAVIA, PATH, {"name": ref.name})
    if same:
        raise PermanentError(
            f"load balancer name {ref.name} is taken by {same[0]['id']}, which lacks "
            f"lbcontroller's ownership tags for {ref.service_key} in cluster {ref.cluster}; "
            "it is never modified or deleted: rename or delete it"
        )


def must_recreate(lb: Lb, want: Desired) -> bool:
    """Whether a setting Octavia cannot change differs from the one `lb` was created with."""
    recorded = value_of(lb.tags, CREATED_WITH)
    return recorded is not None and tag(CREATED_WITH, recorded) != want.created_with


def create(ctx: Context, want: Desired) -> Lb:
    """Create the whole load balancer in one call and wait until it is ACTIVE."""
    detail = ", ".join(f"{key}={value}" for key, value in sorted(want.placement.items()))
    planned = PlannedChange(
        "create",
        "load-balancer",
        want.name,
        "loadbalancers.create",
        f"{detail}; ports: " + ", ".join(f"{p.protocol}/{p.port}" for p in want.ports),
    )
    answer = ctx.api.write(planned, OCTAVIA, "POST", PATH, {"loadbalancer": bodies.graph(want)})
    if ctx.api.dry_run:
        return Lb.planned(want.name, frozenset((*want.tags, want.created_with)))
    made = octavia.ready(ctx, Lb.of(answer["loadbalancer"]))
    if made is None:
        raise RuntimeError(f"load balancer {want.name} was deleted while it was being created")
    return made


def converge(ctx: Context, lb: Lb, want: Desired) -> None:
    """Put back the name and our tags (other tags stay)."""
    wanted = {*want.tags, want.created_with}
    if lb.name == want.name and wanted <= lb.tags:
        return
    stale = {t for t in lb.tags if value_of((t,), CREATED_WITH) is not None}
    tags = sorted((lb.tags - stale) | wanted)
    planned = PlannedChange(
        "update", "load-balancer", want.name, "loadbalancers.update", "name and tags"
    )
    body = {"loadbalancer": {"name": want.name, "tags": tags}}
    octavia.change(ctx, lb, planned, "PUT", f"{PATH}/{lb.id}", body)
