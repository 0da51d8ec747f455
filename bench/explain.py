"""Where each AWS call the controller makes comes from, to explain a gap to the baseline.

Where it sits: scenarios compare the controller's calls per operation with the baseline's and
turn each surplus into a line of analysis naming the code that makes the call (read from
providers/aws/ at the time of writing; the counts themselves are measured, never assumed).
"""

from __future__ import annotations

from collections.abc import Mapping

WHERE = {
    "elb.DescribeLoadBalancers": (
        "converge.ensure_nlb -> teardown.remove_classic -> classic.find: before creating an NLB "
        "the provider looks for a classic ELB of the same Service (a type switch must never leak "
        "the old one), also when the Service was never classic"
    ),
    "ec2.DescribeSecurityGroups": (
        "teardown.remove_classic -> security_groups.find_own: the classic ELB's own group, "
        "looked for before every new NLB"
    ),
    "elbv2.DescribeTargetGroups": (
        "target_groups.converge -> _lookup: each desired group that no listener forwards to "
        "is looked up by name (one a crash left unattached), i.e. every group of a new NLB; on "
        "the deep path target_groups.describe reads the attached ones; a change and every "
        "delete page through the region's groups for the Service's name prefix "
        "(target_groups.named_for)"
    ),
    "elbv2.DescribeLoadBalancers": (
        "nlb.find: the NLB looked up by name first (the baseline knows what it made)"
    ),
    "elbv2.DescribeTags": (
        "ownership.elbv2_tags: the NLB's tags in nlb.find, the groups' tags in "
        "target_groups.converge; "
        "one call per load balancer where the baseline batches 20 resources a call"
    ),
    "elbv2.AddTags": (
        "converge.ensure_nlb: the fingerprint is written last, once everything matches it (so a "
        "crash half-way never leaves a matching fingerprint); one more call per new NLB"
    ),
    "elbv2.DescribeListeners": (
        "nlb.listeners: the NLB's listeners, read to find its target groups"
    ),
    "elbv2.DescribeTargetHealth": (
        "targets.members: every target of every group, read before any "
        "register/deregister, where the reconciler already holds the last applied backends"
    ),
    "elbv2.DescribeLoadBalancerAttributes": (
        "nlb.settings: the cross-zone attribute (deep path only)"
    ),
    "elbv2.DescribeTargetGroupAttributes": (
        "target_groups._converge_proxy: the proxy-protocol attribute of each group (deep path only)"
    ),
    "ec2.DescribeSecurityGroupRules": (
        "security_groups.steps: every rule of the nodes' group, under a process-wide lock, once "
        "per Service (the answer grows with the number of Services)"
    ),
    "ec2.DescribeVpcs": "context.Networks.get: once per provider (cached)",
    "ec2.DescribeSubnets": "context.Networks.get: once per provider, no vpcId configured",
}


def surplus(
    ours: Mapping[str, float], baseline: Mapping[str, float], *, per: str = "per Service"
) -> list[str]:
    """One line per operation the controller calls more often than the baseline."""
    lines = []
    for op in sorted(set(ours) | set(baseline)):
        extra = ours.get(op, 0.0) - baseline.get(op, 0.0)
        if extra > 0.005:
            where = WHERE.get(op, "")
            lines.append(
                f"{op}: {ours.get(op, 0.0):.3g} vs {baseline.get(op, 0.0):.3g} {per}"
                + (f" - {where}" if where else "")
            )
    return lines


# The ELBv2 read API's bucket on AWS (docs: shared/notes/anchors.md, Figures): 40 tokens,
# refilled 10 a second per account and region, shared by every reader of that account.
ELBV2_READ_BURST, ELBV2_READ_RATE = 40, 10.0


def elbv2_reads(ops: Mapping[str, float]) -> float:
    """The ELBv2 Describe* calls among `ops`."""
    return sum(n for op, n in ops.items() if op.startswith("elbv2.Describe"))


def aws_read_floor(ops: Mapping[str, float]) -> float:
    """Seconds these ELBv2 reads take at least on AWS's read bucket, starting full."""
    return max(0.0, (elbv2_reads(ops) - ELBV2_READ_BURST) / ELBV2_READ_RATE)


# The client-side token buckets the provider ships (providers/aws/api.py DEFAULT_LIMITS, the AWS
# load balancer controller's defaults): family -> (qps, burst). The bench raises them.
DEFAULT_LIMITS = {"describe": (50.0, 200), "register": (4.0, 20), "modify": (3.0, 20)}


def family(operation: str) -> str:
    """The provider's rate-limit family of `service.Operation` (as providers/aws/api.py)."""
    name = operation.split(".", 1)[-1]
    if name.startswith("Describe"):
        return "describe"
    if name.startswith(("Register", "Deregister")):
        return "register"
    return "modify"


def default_limits_floor(ops: Mapping[str, float]) -> float:
    """Seconds these calls take at least under the default client-side buckets."""
    counts: dict[str, float] = {}
    for op, n in ops.items():
        counts[family(op)] = counts.get(family(op), 0.0) + n
    return max(
        (max(0.0, (n - DEFAULT_LIMITS[f][1]) / DEFAULT_LIMITS[f][0]) for f, n in counts.items()),
        default=0.0,
    )
