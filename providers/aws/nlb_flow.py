"""Ensuring an NLB Service: find or create, recreate only when AWS allows no other way, then
either the full converge or, when the fingerprint tag matches, only the targets.

Where it sits: the provider's `ensure` / `update_backends` call `ensure` / `update_targets`
with the plan. Full converge order keeps traffic flowing: rules, target groups (new ones get
their targets first), listeners (repointed), stale groups deleted, fingerprint written last.
A new NLB's rules go in before it is created, so a nodes' group with no room for them
refuses the Service before anything is made. A converge that changes an NLB (or finishes
one cut short) sweeps for its unattached groups; see `groups`.
"""

from __future__ import annotations

from typing import Any

from lbcontroller.provider import LoadBalancerStatus
from providers.aws import groups, ingress, listeners, nlb, targets, teardown
from providers.aws.context import Context
from providers.aws.found import Found, status
from providers.aws.memo import Made
from providers.aws.network import Network
from providers.aws.plan import Plan, fingerprint
from providers.aws.rules import marker, nlb_rules, shared_marker
from providers.aws.tags import FINGERPRINT, changed, to_list


def ensure(
    ctx: Context, plan: Plan, wanted: frozenset[str], *, verify: bool
) -> tuple[LoadBalancerStatus, Made]:
    """Converge the NLB of `plan` with `wanted` instances behind every group."""
    api = ctx.api
    network = ctx.networks.get(plan.subnets)
    print_ = fingerprint(plan, network, ctx.node_group)
    found = nlb.find(api, plan.ref)
    if found is not None and nlb.must_recreate(found, plan):
        teardown.delete_nlb(ctx, found, plan.ref)
        found = None
    fresh = found is None
    if found is None:
        teardown.remove_classic(ctx, plan.ref)
        _rules(ctx, plan, network)  # first: a nodes' group with no room refuses before any make
        found = nlb.create(api, plan)
    current = [] if fresh else listeners.current(api, found.id)
    if found.tags.get(FINGERPRINT) == print_ and not verify:
        arns = listeners.forwarded(current)
        _targets(ctx, arns, wanted, new=frozenset())
    else:
        # a change, or a converge cut short: old groups may exist that no listener names
        sweep = not fresh and found.tags.get(FINGERPRINT) != print_
        arns = _converge(ctx, found, plan, current, wanted, network, fresh=fresh, sweep=sweep)
        _tags(ctx, found, plan.tag_map | {FINGERPRINT: print_})
    return status(found), Made("nlb", tuple(arns))


def update_targets(ctx: Context, plan: Plan, wanted: frozenset[str]) -> Made | None:
    """Only the targets of an existing NLB (nothing when there is none yet)."""
    found = nlb.find(ctx.api, plan.ref)
    if found is None:
        return None
    arns = listeners.forwarded(listeners.current(ctx.api, found.id))
    _targets(ctx, arns, wanted, new=frozenset())
    return Made("nlb", tuple(arns))


def _targets(ctx: Context, arns: list[str], wanted: frozenset[str], *, new: frozenset[str]) -> None:
    for arn in arns:
        current = frozenset() if arn in new else targets.group_members(ctx.api, arn)
        targets.converge_group(ctx.api, arn=arn, wanted=wanted, current=current)


def _converge(
    ctx: Context,
    found: Found,
    plan: Plan,
    current: list[Any],
    wanted: frozenset[str],
    network: Network,
    *,
    fresh: bool,
    sweep: bool,
) -> list[str]:
    api = ctx.api
    nlb.converge(api, found, plan, fresh=fresh)
    if not fresh:
        _rules(ctx, plan, network)
    attached = [] if sweep else groups.describe(api, listeners.forwarded(current))
    converged = groups.converge(
        api, plan=plan, vpc_id=network.vpc_id, attached=attached, sweep=sweep
    )
    _targets(ctx, list(converged.arns.values()), wanted, new=converged.new)
    listeners.converge(
        api, lb_arn=found.id, current=current, groups=plan.groups, arns=converged.arns
    )
    groups.delete_stale(api, converged)
    return list(converged.arns.values())


def _rules(ctx: Context, plan: Plan, network: Network) -> None:
    if ctx.node_group is not None:
        own, shared = nlb_rules(plan, network.cidrs)
        rules = {marker(plan.ref): own, shared_marker(plan.ref.cluster): shared}
        ingress.converge(ctx.api, group_id=ctx.node_group, wanted=rules, own=marker(plan.ref))


def _tags(ctx: Context, found: Found, wanted: dict[str, str]) -> None:
    missing = changed(found.tags, wanted)
    if missing:
        ctx.api.run(ctx.api.elbv2.add_tags, ResourceArns=[found.id], Tags=to_list(missing))
