"""The floating IP of an external load balancer: ours (made, kept or released) or the user's.

Where it sits: `flow.ensure` calls `converge` once the load balancer is ACTIVE; `teardown`
calls `release` for each of `ours`. Our own floating IP comes from the floating network and is
marked in its description (`marks.floating_mark`, with the keep flag that deletion reads); an
existing one named by spec.loadBalancerIP is used as it is and never released. Association
points the IP at the VIP port. When Neutron does not know the VIP port (Octavia's no-op network
driver invents it, as in the local test environment), the IP is left unassociated and still
reported, with a warning: no call could do better, and trying would fail on every sync.
"""

from __future__ import annotations

import logging

from lbcontroller.errors import PermanentError
from lbcontroller.provider import PlannedChange
from lbcontroller.spec import LoadBalancerRef
from providers.openstack.api import JSON, NEUTRON
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Floating
from providers.openstack.marks import KEEP, floating_mark, floating_marks
from providers.openstack.octavia import Lb

log = logging.getLogger(__name__)
PATH = "/floatingips"


def ours(ctx: Context, ref: LoadBalancerRef) -> list[JSON]:
    """The floating IPs marked as `ref`'s (oldest first)."""
    found = ctx.api.list("floatingips.list", NEUTRON, PATH, {"description": floating_marks(ref)})
    return sorted(found, key=lambda fip: (fip.get("created_at") or "", fip["id"]))


def release(ctx: Context, fip: JSON) -> None:
    """Delete our floating IP; one marked keep is unmarked and detached instead, so it stays in
    the project, the user's from now on (spec.loadBalancerIP can name it again)."""
    address, path = fip["floating_ip_address"], f"{PATH}/{fip['id']}"
    if not str(fip.get("description") or "").endswith(KEEP):
        planned = PlannedChange("delete", "floating-ip", address, "floatingips.delete")
        ctx.api.delete(planned, NEUTRON, path)
        return
    detail = "kept (keep-floatingip): unmarked and detached, left in the project"
    planned = PlannedChange("update", "floating-ip", address, "floatingips.update", detail)
    ctx.api.write(
        planned, NEUTRON, "PUT", path, {"floatingip": {"description": "", "port_id": None}}
    )


def converge(ctx: Context, lb: Lb, want: Desired) -> str | None:
    """The floating IP `want` asks for, associated when possible; its address (None: internal).
    Ours that are not it (internal now, a requested IP, another floating network) go."""
    mine = ours(ctx, want.ref)
    floating = want.floating
    target = None if floating is None else _target(ctx, floating, mine)
    for fip in mine:
        if target is None or fip["id"] != target["id"]:
            release(ctx, fip)
    if floating is None:
        return None
    if target is None:
        return _create(ctx, lb, want, floating)
    _attach(ctx, lb, want.ref, floating, target)
    return str(target["floating_ip_address"])


def _target(ctx: Context, floating: Floating, mine: list[JSON]) -> JSON | None:
    """The requested IP, else ours on the wanted network (None: one is to be made)."""
    if floating.requested:
        return _requested(ctx, floating.requested)
    here = (fip for fip in mine if fip["floating_network_id"] == floating.network_id)
    return next(here, None)


def _requested(ctx: Context, address: str) -> JSON:
    found = ctx.api.list("floatingips.list", NEUTRON, PATH, {"floating_ip_address": address})
    if not found:
        raise PermanentError(
            f"no floating IP {address} in the project: allocate it first, or remove "
            "spec.loadBalancerIP to get a new one",
            field="spec.loadBalancerIP",
        )
    return found[0]


def _known_port(ctx: Context, lb: Lb) -> str | None:
    """The VIP port, when Neutron knows it."""
    if lb.vip_port_id is None:  # a load balancer a plan would create
        return None
    if ctx.api.get("ports.get", NEUTRON, f"/ports/{lb.vip_port_id}") is None:
        log.warning(
            "load balancer %s: Neutron has no VIP port %s, so its floating IP stays unassociated",
            lb.label,
            lb.vip_port_id,
        )
        return None
    return lb.vip_port_id


def _create(ctx: Context, lb: Lb, want: Desired, floating: Floating) -> str:
    body: JSON = {
        "floating_network_id": floating.network_id,
        "description": floating_mark(want.ref, keep=floating.keep),
    }
    port = _known_port(ctx, lb)
    if port is not None:
        body["port_id"] = port
    detail = f"from network {floating.network_id}" + (", on the VIP port" if port else "")
    planned = PlannedChange("create", "floating-ip", want.name, "floatingips.create", detail)
    answer = ctx.api.write(planned, NEUTRON, "POST", PATH, {"floatingip": body})
    return str(answer["floatingip"]["floating_ip_address"]) if answer else "(planned floating IP)"


def _attach(ctx: Context, lb: Lb, ref: LoadBalancerRef, floating: Floating, fip: JSON) -> None:
    """Point `fip` at the VIP port (and, for ours, keep its mark up to date)."""
    fields: JSON = {}
    mine = fip.get("description") in floating_marks(ref)
    mark = floating_mark(ref, keep=floating.keep)
    if mine and fip["description"] != mark:
        fields["description"] = mark
    if fip.get("port_id") != lb.vip_port_id:
        if fip.get("port_id") and not mine:
            raise PermanentError(
                f"floating IP {fip['floating_ip_address']} is associated with port "
                f"{fip['port_id']}, not with load balancer {lb.label}",
                field="spec.loadBalancerIP",
            )
        port = _known_port(ctx, lb)
        if port is not None:
            fields["port_id"] = port
    if fields:
        detail = ", ".join(sorted(fields))
        planned = PlannedChange(
            "update", "floating-ip", fip["floating_ip_address"], "floatingips.update", detail
        )
        ctx.api.write(planned, NEUTRON, "PUT", f"{PATH}/{fip['id']}", {"floatingip": fields})
