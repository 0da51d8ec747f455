"""Removing what we own for a Service: an NLB and its groups, a classic ELB and its own
security group, our rules on the nodes' group.

Where it sits: `ensure_deleted` calls `remove_everything`; the flows call `remove_nlb` /
`remove_classic` when the Service switches type (so that the old load balancer never leaks).
Only resources carrying our ownership tags (or, for rules, our marker) are touched.
"""

from __future__ import annotations

from lbcontroller.spec import LoadBalancerRef
from providers.aws import classic, ingress, listeners, nlb, secgroups
from providers.aws.context import Context
from providers.aws.found import Found, elbv2_tags
from providers.aws.rules import marker
from providers.aws.tags import owned_by


def delete_nlb(ctx: Context, found: Found, ref: LoadBalancerRef) -> None:
    """Delete our NLB, then its target groups of ours (retried while still in use)."""
    api = ctx.api
    attached = listeners.forwarded(listeners.current(api, found.id))
    tags = elbv2_tags(api, attached)
    nlb.delete(api, found)
    for arn in attached:
        if owned_by(tags.get(arn, {}), ref):
            api.run(api.elbv2.delete_target_group, TargetGroupArn=arn)


def remove_nlb(ctx: Context, ref: LoadBalancerRef) -> None:
    """Delete our NLB for `ref`, if there is one."""
    found = nlb.find(ctx.api, ref, strict=False)
    if found is not None:
        delete_nlb(ctx, found, ref)


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
