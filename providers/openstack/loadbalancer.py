"""The Octavia load balancer itself: its record, finding ours, waiting out PENDING_*, ERROR, and
the steps that create, converge and delete it.

Where it sits: `converge` finds ours (`find`: by tags; a same-named one without them stops the
Service with a PermanentError; for a Service already served, none of ours: the one
cloud-provider-openstack made, see `upstream`), `ready`s it, and takes its steps: `create` (one call
for the whole graph: listeners, pools, members and monitors), `converge` (name and tags) or, when
`must_recreate` (a setting Octavia cannot change differs from the one recorded in a tag at creation,
or on CPO's load balancer from the one it has), `delete` then `create`. CPO's is taken over in place
by `converge` (an `adopt`: our tags added, its name, VIP and id kept). `teardown` deletes with
`delete` too. Every write's run to the load balancer or a child of it (`steps.write`) then waits
until it is ACTIVE again (`settle`: Octavia answers the next change with 409 meanwhile). Waits poll
about 1 s x 1.2^n (`Patience`) and, past their budget, raise RetryAfter. A load balancer in ERROR
stops the run with `LoadBalancerFailed` (a Warning Event); with deleteOnError (the default) it is
first deleted with its children, so the next sync creates it anew.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from lbcontroller.errors import PermanentError, RetryAfter
from lbcontroller.provider import PlannedChange
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Journal, Made, Step
from providers.openstack.api import JSON, LOADBALANCERS, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.desired import Desired, graph
from providers.openstack.ownership import CREATED_WITH, ownership, tag, value_of
from providers.openstack.upstream import ORIGIN, Upstream, by_id
from providers.openstack.upstream import find as find_upstream

KIND = "load-balancer"
PLACEMENT = ("vip_subnet_id", "vip_network_id", "vip_address", "flavor_id", "availability_zone")


class LoadBalancerFailed(Exception):
    """A load balancer in ERROR (or one whose deletion failed): needs attention, not a retry
    loop; the message says what was done about it."""


@dataclass(frozen=True, slots=True)
class Vip:
    """Where a load balancer takes traffic: what its floating IP and the status need."""

    label: str  # the load balancer, as messages name it
    address: str
    port_id: str | None
    additional: tuple[str, ...] = ()  # the additional VIPs' addresses

    def put(self, made: Made) -> None:
        """Record the VIP of the load balancer a step has just made."""
        made.put("vip.label", self.label)
        made.put("vip.address", self.address)
        made.put("vip.port_id", self.port_id or "")
        made.put("vip.additional", " ".join(self.additional))

    @classmethod
    def now(cls, known: Vip | None, made: Made) -> Vip:
        """`known`, or (None) the VIP of the load balancer this run has made."""
        if known is not None:
            return known
        port, more = made.get("vip.port_id"), made.get("vip.additional")
        return cls(
            made.get("vip.label"), made.get("vip.address"), port or None, tuple(more.split())
        )


@dataclass(frozen=True, slots=True)
class Lb:
    """What the steps read of a load balancer."""

    id: str
    name: str
    status: str  # provisioning_status
    tags: frozenset[str]
    vip: Vip
    created: str = ""
    placement: Mapping[str, str] = field(default_factory=dict)  # where Octavia put it
    additional_vips: tuple[str, ...] = ()  # the subnets of its additional VIPs
    upstream: bool = False  # cloud-provider-openstack's, not yet ours

    @classmethod
    def of(cls, body: JSON) -> Lb:
        """From Octavia's JSON."""
        name = body.get("name") or ""
        more = body.get("additional_vips") or []
        vip = Vip(
            f"{name} ({body['id']})",
            body.get("vip_address") or "",
            body.get("vip_port_id"),
            tuple(str(v["ip_address"]) for v in more if v.get("ip_address")),
        )
        return cls(
            id=body["id"],
            name=name,
            status=body["provisioning_status"],
            tags=frozenset(body.get("tags") or ()),
            vip=vip,
            created=body.get("created_at") or "",
            placement={key: str(body[key]) for key in PLACEMENT if body.get(key)},
            additional_vips=tuple(str(v["subnet_id"]) for v in more),
        )

    @property
    def pending(self) -> bool:
        """Whether Octavia refuses changes to it now."""
        return self.status.startswith("PENDING_")

    @property
    def label(self) -> str:
        """How messages name it."""
        return self.vip.label


def ours(ctx: Context, ref: LoadBalancerRef) -> list[Lb]:
    """Every load balancer tagged as `ref`'s, oldest first."""
    tags = ",".join(ownership(ref))
    found = ctx.api.list("loadbalancers.list", OCTAVIA, LOADBALANCERS, {"tags": tags})
    return sorted((Lb.of(item) for item in found), key=lambda lb: (lb.created, lb.id))


def find(ctx: Context, want: Desired) -> tuple[list[Lb], str]:
    """`want`'s load balancers, oldest first (more than one: a retried create left
    duplicates); else, for a Service already served, the one cloud-provider-openstack made for
    it (`Lb.upstream`); else none, after checking that no load balancer without our tags holds
    our name, with why one under CPO's names is not taken (to say so on the create)."""
    ref = want.ref
    found = ours(ctx, ref)
    if found:
        _annotated(ctx, want.upstream, found)
        return found, ""
    why = ""
    if want.upstream.served:
        made, why = find_upstream(ctx, want.upstream)
        if made is not None:
            return [dataclasses.replace(Lb.of(made), upstream=True)], ""
    same = ctx.api.list("loadbalancers.list", OCTAVIA, LOADBALANCERS, {"name": ref.name})
    if same:
        raise PermanentError(
            f"load balancer name {ref.name} is taken by {same[0]['id']}, which lacks "
            f"lbcontroller's ownership tags for {ref.service_key} in cluster {ref.cluster}; "
            "it is never modified or deleted: rename or delete it"
        )
    return [], why


def _annotated(ctx: Context, upstream: Upstream, found: list[Lb]) -> None:
    """Refuse a load-balancer-id annotation naming another load balancer that exists."""
    if upstream.lb_id is None or upstream.lb_id in {lb.id for lb in found}:
        return
    by_id(ctx, upstream)  # raises when it exists and is not this Service's


def fetch(ctx: Context, lb_id: str) -> Lb | None:
    """The load balancer now, or None when it is gone."""
    body = ctx.api.get("loadbalancers.get", OCTAVIA, f"{LOADBALANCERS}/{lb_id}")
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


def ready(ctx: Context, lb: Lb, journal: Journal) -> Lb | None:
    """`lb` once it is out of PENDING_* and not in ERROR (None once it is gone); one in ERROR
    stops here, deleted through `journal` first when deleteOnError is on."""
    current = _poll(ctx, lb) if lb.pending else lb
    if current is not None and current.status == "ERROR":
        _failed(ctx, current, journal)
    return current


def _failed(ctx: Context, lb: Lb, journal: Journal) -> NoReturn:
    if not ctx.settings.delete_on_error:
        raise LoadBalancerFailed(
            f"load balancer {lb.label} is in ERROR; deleteOnError is off, so it is left for an "
            "operator to inspect and delete"
        )
    change = _deletion(lb)
    journal.do([Step(change, lambda: _send_delete(ctx, lb, change))])
    raise LoadBalancerFailed(
        f"load balancer {lb.label} was in ERROR: deleted it with its children (deleteOnError); "
        "the next sync creates it anew"
    )


def settle(ctx: Context, lb: Lb) -> None:
    """After a write to `lb` or a child of it (in a step's run): wait until `lb` is ACTIVE
    again; ERROR stops the run as in `ready`."""
    busy = dataclasses.replace(lb, status="PENDING_UPDATE")
    if ready(ctx, busy, Journal(apply=True)) is None:
        raise RuntimeError(f"load balancer {lb.label} was deleted behind our back")


def must_recreate(lb: Lb, want: Desired) -> str:
    """Why `lb` must be made anew ("": it need not): a setting Octavia cannot change differs
    from the one it was created with (recorded in a tag), or, on cloud-provider-openstack's,
    from the one it has."""
    if lb.upstream:
        moved = [k for k, v in want.placement.items() if lb.placement.get(k) != v]
        changes = ", ".join(f"{k} {lb.placement.get(k)} -> {want.placement[k]}" for k in moved)
        if sorted(lb.additional_vips) != sorted(want.additional_vips):
            extra = f"additional VIPs {list(lb.additional_vips)} -> {list(want.additional_vips)}"
            changes = ", ".join(filter(None, (changes, extra)))
        if not changes:
            return ""
        return f"replaces {lb.label}, {ORIGIN}'s, which cannot be adopted in place: {changes}"
    recorded = value_of(lb.tags, CREATED_WITH)
    if recorded is not None and tag(CREATED_WITH, recorded) != want.created_with:
        return f"replaces {lb.label}: a setting Octavia cannot change differs"
    return ""


def create(ctx: Context, want: Desired, *, made: Made, why: str = "") -> Step:
    """Create the whole load balancer in one call and wait until it is ACTIVE; its VIP goes
    into `made`. `why`: why one cloud-provider-openstack made is not taken over instead."""
    detail = ", ".join(f"{key}={value}" for key, value in sorted(want.placement.items()))
    if want.additional_vips:
        detail += f", additional_vips={','.join(want.additional_vips)}"
    ports = ", ".join(f"{p.protocol}/{p.port}" for p in want.ports)
    families = ", ".join(want.families)
    detail = f"{detail}; ports: {ports}; families: {families}" + (f"; {why}" if why else "")
    change = PlannedChange("create", KIND, want.name, "loadbalancers.create", detail)

    def run() -> None:
        body = {"loadbalancer": graph(want)}
        answer = ctx.api.write(change.operation, OCTAVIA, "POST", LOADBALANCERS, body)
        lb = ready(ctx, Lb.of(answer["loadbalancer"]), Journal(apply=True))
        if lb is None:
            raise RuntimeError(f"load balancer {want.name} was deleted while it was being created")
        lb.vip.put(made)

    return Step(change, run)


def converge(ctx: Context, lb: Lb, want: Desired) -> list[Step]:
    """Put back the name and our tags (other tags stay); cloud-provider-openstack's load
    balancer keeps its name, and gets our tags as an `adopt`."""
    wanted = {*want.tags, want.created_with}
    name = lb.name if want.upstream.named(lb.name) else want.name
    if lb.name == name and wanted <= lb.tags:
        return []
    stale = {t for t in lb.tags if value_of((t,), CREATED_WITH) is not None}
    body = {"loadbalancer": {"name": name, "tags": sorted((lb.tags - stale) | wanted)}}
    change = PlannedChange("update", KIND, name, "loadbalancers.update", "name and tags")
    if lb.upstream:
        detail = f"made by {ORIGIN}, kept in place: VIP {lb.vip.address}, id {lb.id}"
        change = dataclasses.replace(change, action="adopt", detail=detail)

    def run() -> None:
        ctx.api.write(change.operation, OCTAVIA, "PUT", f"{LOADBALANCERS}/{lb.id}", body)
        settle(ctx, lb)

    return [Step(change, run)]


def delete(ctx: Context, lb: Lb) -> list[Step]:
    """Delete `lb` with its children (cascade) and wait until it is gone (nothing to do when it
    went while it was busy)."""
    current = _poll(ctx, lb) if lb.pending else lb
    if current is None:
        return []
    change = _deletion(current)

    def run() -> None:
        _send_delete(ctx, current, change)
        left = _poll(ctx, dataclasses.replace(current, status="PENDING_DELETE"))
        if left is not None:
            raise LoadBalancerFailed(
                f"deleting load balancer {left.label} failed: it is {left.status}"
            )

    return [Step(change, run)]


def _deletion(lb: Lb) -> PlannedChange:
    detail = "cascade: with its listeners, pools, members and health monitors"
    return PlannedChange("delete", KIND, lb.name, "loadbalancers.delete", detail)


def _send_delete(ctx: Context, lb: Lb, change: PlannedChange) -> None:
    ctx.api.delete(change.operation, OCTAVIA, f"{LOADBALANCERS}/{lb.id}?cascade=true")
