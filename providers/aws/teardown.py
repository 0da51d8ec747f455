"""Removing what we own for a Service: an NLB and its target groups, a classic ELB and its own
security group, our rules on the nodes' group.

Where it sits: the provider's `ensure_deleted` / `plan_delete` call `remove_everything`;
`converge` calls `delete_nlb`, `remove_nlb` and `remove_classic` when a load balancer must
be recreated or the Service switches type (so that the old load balancer never leaks). Each
reads first, then hands the resource modules' steps to the `Journal` (run or only listed).
Only resources carrying our ownership tags (or, for rules, our marker) are touched, and those
of an NLB the upstream controller made for the Service (its groups and rules by upstream's
own marks), whether we adopted it or not.
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Journal
from providers.aws import classic, nlb, security_groups, target_groups
from providers.aws.context import Context
from providers.aws.ownership import Found


def delete_nlb(ctx: Context, journal: Journal, found: Found, ref: LoadBalancerRef) -> None:
    """Delete our NLB, then every target group of ours for `ref` (retried while in use)."""
    theirs = _upstream_groups(ctx, found, ref)
    journal.do([nlb.delete(ctx.api, journal.made, found)])
    delete_groups(ctx, journal, ref)
    journal.do([target_groups.delete(ctx.api, journal.made, arn) for arn in theirs])
    if ctx.node_group is not None and nlb.upstream_made(found, ref):
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
    if not nlb.upstream_made(found, ref):
        return []
    forwarded = nlb.forwarded(nlb.listeners(ctx.api, found.id))
    return target_groups.upstream_of(ctx.api, forwarded, ref, ctx.upstream_cluster)


def delete_groups(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> None:
    """Delete every target group of ours for `ref`, including those no listener names."""
    arns = target_groups.of_service(ctx.api, ref)
    journal.do([target_groups.delete(ctx.api, journal.made, arn) for arn in arns])


def remove_nlb(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> None:
    """Delete our NLB for `ref` if there is one, and its groups even when there is none."""
    found = nlb.find(ctx.api, ref, upstream_cluster=ctx.upstream_cluster, strict=False)
    if found is None:
        delete_groups(ctx, journal, ref)
    else:
        delete_nlb(ctx, journal, found, ref)


def remove_rules(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> None:
    """Revoke our rules on the nodes' group."""
    if ctx.node_group is not None:
        own = security_groups.marker(ref)
        journal.do(
            security_groups.revoke_ours(ctx.api, journal.made, group_id=ctx.node_group, own=own)
        )


def remove_classic(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> bool:
    """Delete our classic ELB and its own group, whose references on the nodes go first.

    True when our rules on the nodes' group were revoked on the way.
    """
    found = classic.find(ctx.api, ref, strict=False)
    if found is not None:
        journal.do([classic.delete(ctx.api, journal.made, found)])
    group_id = security_groups.find_own(ctx.api, ref)
    if group_id is None:
        return False
    remove_rules(ctx, journal, ref)
    journal.do([security_groups.delete_own(ctx.api, journal.made, group_id)])
    return True


def remove_everything(ctx: Context, journal: Journal, ref: LoadBalancerRef) -> None:
    """Delete every resource of ours for `ref`; absent is fine."""
    remove_nlb(ctx, journal, ref)
    if not remove_classic(ctx, journal, ref):
        remove_rules(ctx, journal, ref)
