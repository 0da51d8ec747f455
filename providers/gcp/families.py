"""Whether the load balancer can have its IPv6 front end here: GCE takes an IPv6 rule's /96
from a subnetwork with an IPv6 range of the rule's kind (stackType IPV4_IPV6, ipv6AccessType
EXTERNAL for an external load balancer, INTERNAL for an internal one).

Where it sits: `converge` calls `settle` right after its reads, before any write, when the
Service wants IPv6 (one read of the subnetwork). Without such a range a PreferDualStack
Service is served with IPv4 only (what "prefer" allows); an IPv6-only or RequireDualStack one
is refused naming `spec.ipFamilies`, and nothing is made.
"""

from __future__ import annotations

from lbcontroller.errors import Unsupported
from providers.gcp.context import Context, last
from providers.gcp.desired import IPV6, Desired, without

PREFER = "PreferDualStack"


def settle(ctx: Context, d: Desired) -> Desired:
    """`d` as the subnetwork allows it (unchanged when it serves no IPv6)."""
    if not d.serves(IPV6):
        return d
    subnet = ctx.api.linked(ctx.subnetworks, d.subnetwork6)
    access = ""
    if subnet is not None and subnet.stack_type == "IPV4_IPV6":
        access = subnet.ipv6_access_type
    if access == d.scheme:
        return d
    if d.policy == PREFER and len(d.families) > 1:
        return without(d, IPV6)
    raise Unsupported(
        f"IPv6 ({d.policy}): the subnetwork {last(d.subnetwork6)} has no {d.scheme.lower()} "
        f"IPv6 range (GCE needs stackType IPV4_IPV6 and ipv6AccessType {d.scheme} there)",
        field="spec.ipFamilies",
    )
