"""Ensuring a classic-ELB Service: find or create (with its own security group), recreate only
for a scheme change, then the full converge or, when the fingerprint matches, the instances.

Where it sits: the provider's `ensure` / `update_backends` call `ensure` / `update_instances`.
Steady state costs two reads: the ELB's description (which lists its instances) and its tags.
A new ELB's rules on the nodes' group go in before it is created (only its own security
group, which they name, exists by then), so a group with no room refuses the Service early.
"""

from __future__ import annotations

from lbcontroller.provider import LoadBalancerStatus
from providers.aws import classic, classic_settings, ingress, secgroups, targets, teardown
from providers.aws.context import Context
from providers.aws.found import Found, status
from providers.aws.memo import Made
from providers.aws.network import Network
from providers.aws.plan import Plan, fingerprint
from providers.aws.rules import classic_front_rules, classic_node_rules, marker
from providers.aws.tags import FINGERPRINT, changed, to_list


def ensure(
    ctx: Context, plan: Plan, wanted: frozenset[str], *, verify: bool
) -> tuple[LoadBalancerStatus, Made]:
    """Converge the classic ELB of `plan` with `wanted` instances behind it."""
    api = ctx.api
    network = ctx.networks.get(plan.subnets)
    print_ = fingerprint(plan, network, ctx.node_group)
    found = classic.find(api, plan.ref)
    if found is not None and found.scheme != plan.scheme:
        classic.delete(api, found)
        found = None
    fresh = found is None
    if found is None:
        teardown.remove_nlb(ctx, plan.ref)
        groups = _security_groups(ctx, plan, network)
        _node_rules(ctx, plan, groups[0])  # first: a nodes' group with no room refuses early
        found = classic.create(api, plan, groups)
    if found.tags.get(FINGERPRINT) != print_ or verify:
        _converge(ctx, found, plan, network, fresh=fresh)
        missing = changed(found.tags, plan.tag_map | {FINGERPRINT: print_})
        if missing:
            api.run(api.elb.add_tags, LoadBalancerNames=[found.id], Tags=to_list(missing))
    targets.converge_classic(api, name=found.id, wanted=wanted, current=classic.instances(found))
    return status(found), Made("classic")


def update_instances(ctx: Context, plan: Plan, wanted: frozenset[str]) -> Made | None:
    """Only the instances of an existing ELB (nothing when there is none yet)."""
    found = classic.find(ctx.api, plan.ref)
    if found is None:
        return None
    current = classic.instances(found)
    targets.converge_classic(ctx.api, name=found.id, wanted=wanted, current=current)
    return Made("classic")


def _security_groups(ctx: Context, plan: Plan, network: Network) -> list[str]:
    """The user's groups, or our own (created when absent), then the extra ones."""
    if plan.security_groups:
        return [*plan.security_groups, *plan.extra_security_groups]
    own = secgroups.ensure_own(ctx.api, ref=plan.ref, vpc_id=network.vpc_id, tags=plan.tag_map)
    return [own, *plan.extra_security_groups]


def _converge(ctx: Context, found: Found, plan: Plan, network: Network, *, fresh: bool) -> None:
    api = ctx.api
    groups = list(found.raw["SecurityGroups"]) if fresh else _security_groups(ctx, plan, network)
    own = {marker(plan.ref): classic_front_rules(plan)}
    if not plan.security_groups:
        ingress.converge(api, group_id=groups[0], wanted=own, own=marker(plan.ref))
    if not fresh:
        _node_rules(ctx, plan, groups[0])
    classic.converge_listeners(api, found, plan)
    classic_settings.converge(api, found, plan, groups, fresh=fresh)


def _node_rules(ctx: Context, plan: Plan, front: str) -> None:
    """The NodePorts and health port opened on the nodes' group to the ELB's group."""
    if ctx.node_group is not None:
        nodes = {marker(plan.ref): classic_node_rules(plan, front)}
        ingress.converge(ctx.api, group_id=ctx.node_group, wanted=nodes, own=marker(plan.ref))
