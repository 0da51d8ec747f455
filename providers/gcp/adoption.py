"""Taking over the load balancer cloud-provider-gcp made for a Service, keeping its IP, and
removing everything upstream made for it once replaced.

Where it sits: `converge` asks `find` for upstream's forwarding rule (only for a Service
already served, whose ref carries its UID, while it has no rule of ours), lets `keeping`
steer the address to upstream's IP, runs `swap` once that IP is reserved as lbcontroller's
static address (upstream leaves it ephemeral: reserving it promotes it), then, after its own
rules hold the IP, `leftovers`. `teardown` runs `leftovers` too (with upstream's address)
when upstream's rule still stands or our rules say they took it over, so a Service deleted
before, during or after a take-over leaves nothing of either controller. `listed` finds
upstream's load balancers of this cluster for `gc`.

Why a swap and not an in-place change: an external upstream rule targets a target pool, and
the API reference says `forwardingRules.setTarget` keeps the target's type; Google's guide to
switching a forwarding rule's target type deletes and re-creates the rule on a static IP. So
the backend service, health check, groups and address are made first, beside upstream's load
balancer, and only the rule is swapped: traffic stops for the delete and the insert of one
rule, and the IP is the same before and after. Names and marks are upstream's
(`providers.gcp.upstream`); a same-named resource whose description does not name this
Service (or, when shared, this cluster id) is never touched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from google.cloud import compute_v1

from lbcontroller.naming import lb_name
from lbcontroller.provider import OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Step
from providers.gcp.context import Collection, Context, last, path
from providers.gcp.desired import Desired
from providers.gcp.steps import delete
from providers.gcp.upstream import NAME, Names, service_of, tied

MADE_BY = "made by cloud-provider-gcp"


@dataclass(frozen=True, slots=True)
class Upstream:
    """Upstream's forwarding rule for a Service, and the names of the rest."""

    rule: compute_v1.ForwardingRule
    names: Names

    @property
    def internal(self) -> bool:
        """Whether upstream made an internal load balancer."""
        return self.rule.load_balancing_scheme == "INTERNAL"

    @property
    def target(self) -> str:
        """What the rule sends to, in words."""
        if self.rule.target:
            return f"target pool {last(self.rule.target)}"
        return f"backend service {last(self.rule.backend_service)}"


def find(ctx: Context, d: Desired) -> Upstream | None:
    """Upstream's forwarding rule for the Service, when its description names the Service."""
    if d.upstream is None:
        return None
    rule = ctx.api.get(ctx.forwarding_rules, d.upstream.lb)
    if rule is None or not tied(rule.description, d.mark.service or ""):
        return None
    return Upstream(rule=rule, names=d.upstream)


def why_not_kept(d: Desired, up: Upstream) -> str:
    """Why upstream's IP cannot serve the desired load balancer ("" when it can)."""
    rule = up.rule
    if up.internal != d.internal:
        return f"it is {rule.load_balancing_scheme}, the Service asks for {d.scheme}"
    if d.requested_ip and d.requested_ip != rule.I_p_address:
        return f"spec.loadBalancerIP asks for {d.requested_ip}"
    if d.user_address:
        return f"the Service names the address {d.user_address}, whose IP is used"
    if not d.internal and (rule.network_tier or "PREMIUM") != d.tier:
        return f"its IP is in the {rule.network_tier} tier, the Service asks for {d.tier}"
    if d.internal and d.subnetwork and path(rule.subnetwork) != path(d.subnetwork):
        return f"its IP is in the subnetwork {last(rule.subnetwork)}"
    return ""


def keeping(d: Desired, up: Upstream | None) -> Desired:
    """`d`, told to keep upstream's IP when it can (or why it cannot, for the plan)."""
    if up is None:
        return d
    d = dataclasses.replace(d, took_over=up.rule.name)
    reason = why_not_kept(d, up)
    if reason:
        note = f"{MADE_BY}: {up.rule.name} on {up.rule.I_p_address} is not kept ({reason})"
        return dataclasses.replace(d, note=note)
    if d.requested_ip:  # the same IP: a user-reserved address holding it is used as is
        return d
    return dataclasses.replace(d, kept_ip=up.rule.I_p_address)


def swap(ctx: Context, d: Desired, up: Upstream) -> Step:
    """Delete upstream's rule, just before ours are created (on its IP when kept)."""
    rule = up.rule
    step = delete(ctx.api, ctx.forwarding_rules, rule.name, label="forwarding-rule")
    if d.note:
        return dataclasses.replace(step, change=dataclasses.replace(step.change, detail=d.note))
    detail = (
        f"{MADE_BY} ({rule.I_p_protocol} to {up.target}); its IP {rule.I_p_address} is kept "
        "as a static address and moves to lbcontroller's rules"
    )
    return dataclasses.replace(
        step, change=dataclasses.replace(step.change, action="adopt", detail=detail)
    )


def _gone(ctx: Context, kind: Collection[Any], name: str, label: str, detail: str) -> Step:
    return delete(ctx.api, kind, name, label=label, detail=f"{MADE_BY}, {detail}")


def _own(ctx: Context, kind: Collection[Any], names: Names, key: str, label: str) -> list[Step]:
    found = ctx.api.get(kind, names.lb)
    if found is None or not tied(found.description, key):
        return []
    return [_gone(ctx, kind, names.lb, label, "replaced")]


def _shared(ctx: Context, kind: Collection[Any], names: Names, firewall: str | None) -> list[Step]:
    """The cluster's shared health check, unless still used, then its firewall."""
    name = names.nodes_health_check
    found = ctx.api.get(kind, name)
    if found is None or not names.shared_tied(name, found.description):
        return []
    then = f", then the firewall {firewall}" if firewall else ""
    change = PlannedChange(
        "delete", "health-check", name, kind.operation("delete"), f"{MADE_BY}, if unused{then}"
    )

    def run() -> None:
        if ctx.api.delete_unless_used(kind, name) and firewall:
            ctx.api.delete(ctx.firewalls, firewall)

    return [Step(change, run)]


def _firewalls(ctx: Context, names: Names, key: str) -> tuple[list[Step], dict[str, str | None]]:
    """Delete the Service's upstream firewalls; the shared ones' names when tied to the cluster."""
    shared = (names.nodes_http_firewall, names.nodes_firewall)
    found = ctx.api.named(ctx.firewalls, (*names.service_firewalls, *shared))
    steps = [
        _gone(ctx, ctx.firewalls, name, "firewall", "replaced")
        for name, rule in sorted(found.items())
        if name in names.service_firewalls and names.service_tied(name, rule.description, key)
    ]
    tied_shared = {
        name: (name if name in found and names.shared_tied(name, found[name].description) else None)
        for name in shared
    }
    return steps, tied_shared


def leftovers(ctx: Context, names: Names, key: str, *, address: bool) -> list[Step]:
    """Delete what upstream made for the Service `key` (its rule gone), shared parts if unused."""
    firewall_steps, shared = _firewalls(ctx, names, key)
    out = _own(ctx, ctx.target_pools, names, key, "target-pool")
    out += _own(ctx, ctx.backend_services, names, key, "backend-service")
    local = ctx.api.get(ctx.http_health_checks, names.lb)  # it names itself, not the Service
    if local is not None and tied(local.description, names.lb):
        out.append(_gone(ctx, ctx.http_health_checks, names.lb, "health-check", "replaced"))
    out += _own(ctx, ctx.global_health_checks, names, key, "health-check")
    out += _shared(ctx, ctx.http_health_checks, names, shared[names.nodes_http_firewall])
    out += _shared(ctx, ctx.global_health_checks, names, shared[names.nodes_firewall])
    out += firewall_steps
    if address:
        out += _own(ctx, ctx.addresses, names, key, "address")
    return out


def _of_cluster(ctx: Context, rule: compute_v1.ForwardingRule, cluster_id: str) -> bool:
    """Whether upstream's load balancer names this cluster id: its target pool probes with
    `k8s-<id>-node`, or its backend service holds the `k8s-ig--<id>` groups."""
    if rule.target:
        pool = ctx.api.get(ctx.target_pools, last(rule.target))
        links = [] if pool is None else list(pool.health_checks)
        return f"k8s-{cluster_id}-node" in (last(link) for link in links)
    service = ctx.api.get(ctx.backend_services, last(rule.backend_service))
    groups = [] if service is None else [b.group for b in service.backends]
    return f"k8s-ig--{cluster_id}" in (last(link) for link in groups)


def listed(ctx: Context) -> list[OwnedLoadBalancer]:
    """Load balancers upstream made in this cluster and nobody took over (for `gc`).

    Each is listed under its Service's ref, with what its name keeps of the UID (enough to find
    it again). One whose parts do not name the cluster id (an external one of a Service with
    externalTrafficPolicy Local) is not listed: nothing ties it to this cluster.
    """
    where = ctx.where
    cluster_id = where.upstream_cluster or where.cluster
    out = []
    for rule in ctx.api.listed(ctx.forwarding_rules, f'name eq "{NAME.pattern}"'):
        namespace, sep, service = service_of(rule.description).partition("/")
        if not (sep and namespace and service and _of_cluster(ctx, rule, cluster_id)):
            continue
        name = lb_name(where.cluster, namespace, service)
        ref = LoadBalancerRef(where.cluster, namespace, service, name, uid=rule.name[1:])
        out.append(OwnedLoadBalancer(ref=ref, cloud_id=rule.self_link))
    return out
