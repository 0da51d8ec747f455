"""The floating IP of an external load balancer: ours (made, kept or released) or the user's.

Where it sits: `converge` asks for its `steps` after the load balancer's; `teardown` asks for a
`release` of each of `ours`. Our own floating IP comes from the floating network and is marked
in its description (`ownership.floating_mark`, with the keep flag that deletion reads); an
existing one named by spec.loadBalancerIP is used as it is and never released. Association
points the IP at the VIP port; for a load balancer this run creates, the steps read its VIP from
`Made` when they run. When Neutron does not know the VIP port (Octavia's no-op network driver
invents it, as in the local test environment), the IP is left unassociated and still reported,
with a warning: no call could do better, and trying would fail on every sync.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from lbcontroller.errors import PermanentError
from lbcontroller.provider import PlannedChange
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Made, Step
from providers.openstack.api import JSON, NEUTRON
from providers.openstack.context import Context
from providers.openstack.desired import Desired, Floating
from providers.openstack.loadbalancer import Vip
from providers.openstack.ownership import KEEP, floating_mark, floating_marks
from providers.openstack.upstream import on_vip

log = logging.getLogger(__name__)
PATH = "/floatingips"
KIND = "floating-ip"
ADDRESS = "floating-ip.address"  # in `Made`: the address of the floating IP a step created


def ours(ctx: Context, ref: LoadBalancerRef) -> list[JSON]:
    """The floating IPs marked as `ref`'s (oldest first)."""
    found = ctx.api.list("floatingips.list", NEUTRON, PATH, {"description": floating_marks(ref)})
    return sorted(found, key=lambda fip: (fip.get("created_at") or "", fip["id"]))


def release(ctx: Context, fip: JSON) -> Step:
    """Delete our floating IP; one marked keep is unmarked and detached instead, so it stays in
    the project, the user's from now on (spec.loadBalancerIP can name it again)."""
    address, path = fip["floating_ip_address"], f"{PATH}/{fip['id']}"
    if not str(fip.get("description") or "").endswith(KEEP):
        change = PlannedChange("delete", KIND, address, "floatingips.delete")
        return Step(change, lambda: ctx.api.delete(change.operation, NEUTRON, path))
    detail = "kept (keep-floatingip): unmarked and detached, left in the project"
    change = PlannedChange("update", KIND, address, "floatingips.update", detail)
    body = {"floatingip": {"description": "", "port_id": None}}

    def run() -> None:
        _send(ctx, change, "PUT", path, body)

    return Step(change, run)


def steps(
    ctx: Context, want: Desired, vip: Vip | None, *, made: Made
) -> tuple[list[Step], Callable[[], str] | None]:
    """The steps to the floating IP `want` asks for, associated with `vip` (None: of the load
    balancer this run creates) when possible; its address, to ask once they have run (None:
    internal). Ours that are not it (internal now, a requested IP, another network) go."""
    mine = ours(ctx, want.ref)
    floating = want.floating
    if floating and not (mine or floating.requested) and vip and want.upstream.served:
        mine = _upstream(ctx, want, vip)
    target = None if floating is None else _target(ctx, floating, mine)
    out = [release(ctx, fip) for fip in mine if target is None or fip["id"] != target["id"]]
    if floating is None:
        return out, None
    if target is None:
        network = floating.network_id or _external(ctx, want)
        if network is None:
            return out, None  # cloud-provider-openstack's forced internal
        out.append(_create(ctx, want, dataclasses.replace(floating, network_id=network), vip, made))
        return out, lambda: made.get(ADDRESS)
    claimed = target["id"] in {fip["id"] for fip in mine}
    out += _attach(ctx, want.ref, floating, target, vip, made, claimed=claimed)
    address = str(target["floating_ip_address"])
    return out, lambda: address


def _upstream(ctx: Context, want: Desired, vip: Vip) -> list[JSON]:
    """The floating IP cloud-provider-openstack made for the Service on its VIP (adopted: it
    gets our mark, and its address stays)."""
    return [fip for fip in on_vip(ctx, vip.port_id) if want.upstream.fip(fip, want.ref)]


def _target(ctx: Context, floating: Floating, mine: list[JSON]) -> JSON | None:
    """The requested IP, else ours on the wanted network (None: one is to be made)."""
    if floating.requested:
        return _requested(ctx, floating.requested)
    wanted = (
        {floating.network_id}
        if floating.network_id
        else {fip["floating_network_id"] for fip in mine}
    )
    here = (fip for fip in mine if fip["floating_network_id"] in wanted)
    return next(here, None)


def _external(ctx: Context, want: Desired) -> str | None:
    """With no floating network configured (`compatibility: upstream` only, see `validate`):
    cloud-provider-openstack's choice, the first external network with a subnet; with none, the
    load balancer is served on its VIP, as CPO does (a warning)."""
    found = ctx.api.list("networks.list", NEUTRON, "/networks", {"router:external": True})
    network = next((str(net["id"]) for net in found if net.get("subnets")), None)
    if network is None:
        log.warning(
            "%s: no floating network configured and no external network found: served on its "
            "VIP, as cloud-provider-openstack does",
            want.ref.service_key,
        )
    return network


def _requested(ctx: Context, address: str) -> JSON:
    found = ctx.api.list("floatingips.list", NEUTRON, PATH, {"floating_ip_address": address})
    if not found:
        raise PermanentError(
            f"no floating IP {address} in the project: allocate it first, or remove "
            "spec.loadBalancerIP to get a new one",
            field="spec.loadBalancerIP",
        )
    return found[0]


def _known_port(ctx: Context, vip: Vip) -> str | None:
    """The VIP port, when Neutron knows it."""
    if vip.port_id is None:
        return None
    if ctx.api.get("ports.get", NEUTRON, f"/ports/{vip.port_id}") is None:
        log.warning(
            "load balancer %s: Neutron has no VIP port %s, so its floating IP stays unassociated",
            vip.label,
            vip.port_id,
        )
        return None
    return vip.port_id


def _send(ctx: Context, change: PlannedChange, method: str, path: str, body: JSON) -> JSON:
    """Send one floating IP write; Neutron's answer."""
    return ctx.api.write(change.operation, NEUTRON, method, path, body)


def _create(ctx: Context, want: Desired, floating: Floating, vip: Vip | None, made: Made) -> Step:
    """A new floating IP of ours, on the VIP port when Neutron knows it (asked when it runs)."""
    detail = f"from network {floating.network_id}, on the VIP port when Neutron knows it"
    change = PlannedChange("create", KIND, want.name, "floatingips.create", detail)

    def run() -> None:
        body: JSON = {
            "floating_network_id": floating.network_id,
            "description": floating_mark(want.ref, keep=floating.keep),
        }
        port = _known_port(ctx, Vip.now(vip, made))
        if port is not None:
            body["port_id"] = port
        answer = _send(ctx, change, "POST", PATH, {"floatingip": body})
        made.put(ADDRESS, str(answer["floatingip"]["floating_ip_address"]))

    return Step(change, run)


def _attach(
    ctx: Context,
    ref: LoadBalancerRef,
    floating: Floating,
    fip: JSON,
    vip: Vip | None,
    made: Made,
    *,
    claimed: bool,
) -> list[Step]:
    """Point `fip` at the VIP port (and, for ours, `claimed`, keep its mark up to date)."""
    fields: JSON = {}
    mine = claimed
    mark = floating_mark(ref, keep=floating.keep)
    if mine and fip["description"] != mark:
        fields["description"] = mark
    moves = vip is None or fip.get("port_id") != vip.port_id
    if moves and fip.get("port_id") and not mine:
        raise PermanentError(
            f"floating IP {fip['floating_ip_address']} is associated with port "
            f"{fip['port_id']}, not with load balancer {ref.name if vip is None else vip.label}",
            field="spec.loadBalancerIP",
        )
    if vip is None:
        return [_update(ctx, fip, fields, new_vip=made)]
    port = _known_port(ctx, vip) if moves else None
    if port is not None:
        fields["port_id"] = port
    return [_update(ctx, fip, fields, new_vip=None)] if fields else []


def _update(ctx: Context, fip: JSON, fields: JSON, *, new_vip: Made | None) -> Step:
    """Send `fields`; with `new_vip`, also the VIP port of the load balancer this run made,
    asked when the step runs (when Neutron does not know it either, there is nothing to send)."""
    detail = ", ".join(sorted({*fields, "port_id"} if new_vip is not None else fields))
    address = fip["floating_ip_address"]
    change = PlannedChange("update", KIND, address, "floatingips.update", detail)

    def run() -> None:
        body = dict(fields)
        port = None if new_vip is None else _known_port(ctx, Vip.now(None, new_vip))
        if port is not None:
            body["port_id"] = port
        if body:
            _send(ctx, change, "PUT", f"{PATH}/{fip['id']}", {"floatingip": body})

    return Step(change, run)
