"""Removing what we own for a Service: an NLB and its groups, a classic ELB and its own
security group, our rules on the nodes' group.

Where it sits: `ensure_deleted` calls `remove_everything`; the flows call `remove_nlb` /
`remove_classic` when the Service switches type (so that the old load balancer never leaks).
Only resources carrying our ownership tags (or, for rules, our marker) are touched.
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from providers.aws import classic, groups, ingress, nlb, secgroups
from providers.aws.context import Context
from providers.aws.found import Found
from providers.aws.rules import marker


def delete_nlb(ctx: Context, found: Found, ref: LoadBalancerRef) -> None:
    """Delete our NLB, then every target group of ours for `ref` (retried while in use)."""
    nlb.delete(ctx.api, found)
    delete_groups(ctx, ref)


def delete_groups(ctx: Context, ref: LoadBalancerRef) -> None:
    """Delete every target group of ours for `ref`, including those no listener names."""
    for arn in groups.of_service(ctx.api, ref):
        groups.delete(ctx.api, arn)


def remove_nlb(ctx: Context, ref: LoadBalancerRef) -> None:
    """Delete our NLB for `ref` if there is one, and its groups even when there is none."""
    found = nlb.find(ctx.api, ref, strict=False)
    if found is not None:
        nlb.delete(ctx.api, found)
    delete_groups(ctx, ref)


def remove_rules(ctx: Context, ref: LoadBalancerRef) -> None:
    """Revoke our rules on the nodes' group."""
    if ctx.node_group is not None:
        ingress.revoke_ours(ctx.api, group_id=ctx.node_group, own=marker(ref))


def remove_classic(ctx: Context, ref: LoadBalancerRef) -> bool:
    """Delete our classic ELB and its own group, whose references on the nodes go first.

    True when our rules on the nodes' group were revoked on the way.
    """
    found = classic.find(ctx.api, ref, strict=False)
    if found is not None:
        classic.delete(ctx.api, found)
    group_id = secgroups.find_own(ctx.api, ref)
    if group_id is None:
        return False
    remove_rules(ctx, ref)
    secgroups.delete_own(ctx.api, group_id)
    return True


def remove_everything(ctx: Context, ref: LoadBalancerRef) -> None:
    """Delete every resource of ours for `ref`; absent is fine."""
    remove_nlb(ctx, ref)
    if not remove_classic(ctx, ref):
        remove_rules(ctx, ref)
