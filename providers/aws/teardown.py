"""Removing what we own for a Service: an NLB and its target groups, a classic ELB and its own
security group, our rules on the nodes' group.

Where it sits: the provider's `ensure_deleted` / `plan_delete` call `remove_everything`;
`converge` calls `delete_nlb`, `delete_classic`, `remove_nlb` and `remove_classic` when a
load balancer must be recreated or the Service switches type (so that the old one never
leaks). Each
reads first, then hands the resource modules' steps to the `Journal` (run or only listed).
Only resources carrying our ownership tags (or, for rules, our marker) are touched, and those
of a load balancer the upstream controller made for the Service (an NLB's groups and rules by
upstream's own marks; a classic ELB's own group and the rules referring to it), whether we
adopted it or not.
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Journal
from providers.aws import classic, nlb, security_groups, target_groups
from providers.aws.context import Context
from providers.aws.ownership import Found, upstream_made, upstream_name
from providers.aws.targets import Applied


def delete_nlb(ctx: Context, journal: Journal, found: Found, ref: LoadBalancerRef) -> None:
    """Delete our NLB, then every target group of ours for `ref` (retried while in use)."""
    theirs = _upstream_groups(ctx, found, ref)
    journal.do([nlb.delete(ctx.api, journal.made, found.id)])
    delete_groups(ctx, journal, ref)
    journal.do([target_groups.delete(ctx.api, journal.made, arn) for arn in theirs])
    if ctx.node_group is not None and upstream_made(found, ref):
        journal.do(
            security_groups.revoke_upstream(
                ctx.api,
                journal.made,
                group_id=ctx.node_group,
                lb_name=found.raw["LoadBalancerName"],
            )
        )


def _upstream_groups(ctx: Context, found: Found, ref: LoadBalancerRef) -> list[str]:
    """The groups upstream made behind an NLB it named (read before the NLB goes)."""
    if not upstream_made(found, ref):
        return []
    forwarded = nlb.forwarded(nlb.listeners(ctx.api, found.id))
    return target_groups.upstream_of(ctx.api, forwarded, ref, ctx.upstream_cluster)


def delete_groups(
    ctx: Context, journal: Journal, ref: LoadBalancerRef, known: frozenset[str] = frozenset()
) -> None:
    """Delete every target group of ours for `ref`, including those no listener names."""
    arns = target_groups.of_service(ctx.api, ref, known)
    journal.do([target_groups.delete(ctx.api, journal.made, arn) for arn in arns])


def remove_nlb(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> Found | None:
    """Delete our NLB for `ref` if there is one (returned), and its groups even when there is
    none."""
    found = nlb.find(ctx.api, ref, upstream_cluster=ctx.upstream_cluster, strict=False)
    if found is None:
        delete_groups(ctx, journal, ref)
    else:
        delete_nlb(ctx, journal, found, ref)
    return found


def remove_rules(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> None:
    """Revoke our rules on the nodes' group."""
    if ctx.node_group is not None:
        own = security_groups.marker(ref)
        journal.do(
            security_groups.revoke_ours(ctx.api, journal.made, group_id=ctx.node_group, own=own)
        )


def delete_classic(ctx: Context, journal: Journal, found: Found, ref: LoadBalancerRef) -> None:
    """Delete the classic ELB `found`, then, if upstream made it, upstream's group for it."""
    journal.do([classic.delete(ctx.api, journal.made, found)])
    if upstream_made(found, ref):
        retire_upstream_group(ctx, journal, found.id)


def retire_upstream_group(ctx: Context, journal: Journal, lb_name: str) -> None:
    """Revoke the rules upstream opened to its ELB `lb_name`'s group, then delete the group."""
    group_id = security_groups.upstream_group(ctx.api, lb_name, ctx.upstream_cluster)
    if group_id is not None:
        journal.do(security_groups.retire_upstream_group(ctx.api, journal.made, group_id))


def remove_classic(
    ctx: Context, journal: Journal, ref: LoadBalancerRef, *, rules: bool = False
) -> Found | None:
    """Delete our classic ELB (returned) and its own group, whose references on the nodes go
    first; with `rules`, our rules on the nodes' group even when there is no such group.

    Upstream's group for an ELB it made goes too, even when the ELB is already gone (a delete
    cut short), so nothing upstream made for the Service is left.
    """
    found = classic.find(ctx.api, ref, upstream_cluster=ctx.upstream_cluster, strict=False)
    if found is not None:
        delete_classic(ctx, journal, found, ref)
        group_id = security_groups.find_own(ctx.api, ref)
    elif ref.uid:
        theirs, group_id = security_groups.classic_groups(
            ctx.api, ref, upstream_name(ref.uid), ctx.upstream_cluster
        )
        if theirs is not None:
            journal.do(security_groups.retire_upstream_group(ctx.api, journal.made, theirs))
    else:
        group_id = security_groups.find_own(ctx.api, ref)
    if group_id is not None or rules:
        remove_rules(ctx, journal, ref)
    if group_id is not None:
        journal.do([security_groups.delete_own(ctx.api, journal.made, group_id)])
    return found


def remove_everything(
    ctx: Context, journal: Journal, ref: LoadBalancerRef, known: Applied | None = None
) -> None:
    """Delete every resource of ours for `ref`; absent is fine.

    `known`: what this process's last converge of `ref` left (the provider's memo). An NLB it
    made under our name needs no look-up: no classic ELB can be left beside it (making an NLB
    removes the classic one first, and every converge forgets the memo until it succeeds),
    and its groups are ours without their tags; strays are still swept by name.
    """
    if known is not None and known.arn:
        journal.do([nlb.delete(ctx.api, journal.made, known.arn)])
        delete_groups(ctx, journal, ref, frozenset(known.groups))
        remove_rules(ctx, journal, ref)
        return
    remove_nlb(ctx, journal, ref)
    remove_classic(ctx, journal, ref, rules=True)
