"""Which IP address type an AWS load balancer gets, and what AWS cannot carry (pure).

Where it sits: `validate` calls `check` before any call (a refusal is a Warning Event and
nothing is made); the provider calls `wanted` and, once the subnets are resolved and read,
`settle`, whose answer goes into the desired state (`Desired.ip_address_type`).
- An NLB is `ipv4` or `dualstack` (AWS has no IPv6-only NLB: its third type,
  `dualstack-without-public-ipv4`, is an ALB's). `P-ip-address-type` decides when set (the AWS
  Load Balancer Controller's annotation; cloud-provider-aws has none); otherwise a Service
  with IPv6 among its `spec.ipFamilies` gets `dualstack`: RequireDualStack, PreferDualStack
  on a dual-stack cluster, and IPv6-only (SingleStack IPv6, served by a dualstack NLB, which
  answers IPv4 too). A dualstack NLB needs an IPv6 CIDR block in each of its subnets: when
  one has none, a Service that needs IPv6 is refused naming them, a PreferDualStack one is
  served over IPv4. moto 5.2.5 (and the moto inside LocalStack) creates a dualstack NLB in
  subnets without IPv6 blocks, which AWS refuses: the check here is ours, not the stand-in's.
- Target groups stay IPv4 with instance targets: AWS's NLB documentation gives IPv6 target
  groups IP targets only, and lbcontroller registers the nodes' instances. So AWS translates
  an IPv6 client's connection to IPv4, and the node sees it coming from the NLB's private IPv4
  address (client IP preservation does not apply to translated traffic): the nodes' group
  cannot tell IPv6 clients apart, so an IPv6 source range narrower than `::/0` cannot be
  enforced and is refused, and an IPv6 range opens the NodePorts to the VPC's IPv4 CIDRs
  (`security_groups.nlb_rules`), where the NLB's addresses are.
- A classic ELB has no IPv6 in a VPC (AWS gave classic ELBs IPv6 only in EC2-Classic, now
  retired): an IPv6-only or RequireDualStack Service is refused, a PreferDualStack one served
  over IPv4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lbcontroller.errors import Unsupported
from lbcontroller.spec import IPV4, REQUIRE, LoadBalancerSpec, check_families, family_of
from providers.aws.options import IP_ADDRESS_TYPE, TYPE, options_of

V4, DUALSTACK = "ipv4", "dualstack"
EVERYONE_V6 = "::/0"
SOURCE_RANGES = "spec.loadBalancerSourceRanges"


@dataclass(frozen=True, slots=True)
class Wanted:
    """The address type a Service asks for; `required`: IPv4 alone does not serve it."""

    value: str  # V4 or DUALSTACK
    required: bool


def needs_ipv6(spec: LoadBalancerSpec[Any]) -> bool:
    """Whether an IPv4-only load balancer leaves the Service unserved (IPv6-only, or
    RequireDualStack with IPv6 among its families): `check_families`'s rule for IPv4."""
    families = spec.ip_families
    return "IPv6" in families and (spec.ip_family_policy == REQUIRE or "IPv4" not in families)


def wanted(spec: LoadBalancerSpec[Any]) -> Wanted:
    """The NLB's address type before its subnets are known (see the module)."""
    chosen = options_of(spec).ip_address_type
    if chosen is not None:
        return Wanted(chosen, required=chosen == DUALSTACK)
    if "IPv6" in spec.ip_families:
        return Wanted(DUALSTACK, required=needs_ipv6(spec))
    return Wanted(V4, required=False)


def check(spec: LoadBalancerSpec[Any]) -> None:
    """Refuse what the load balancer cannot carry (Unsupported), before any call."""
    options = options_of(spec)
    if options.kind == "classic":
        why = (
            "a classic ELB has no IPv6 in a VPC (AWS gave classic ELBs IPv6 only in "
            f"EC2-Classic, now retired); use an NLB ({TYPE}: nlb)"
        )
        check_families(spec, IPV4, why)
        return
    if options.ip_address_type == V4:
        check_families(spec, IPV4, f"{IP_ADDRESS_TYPE} is ipv4 (an IPv4-only NLB)")
    if wanted(spec).value == DUALSTACK:
        _check_ipv6_ranges(spec.source_ranges)


def _check_ipv6_ranges(ranges: Sequence[str]) -> None:
    narrow = [r for r in ranges if family_of(r) == "IPv6" and r != EVERYONE_V6]
    if narrow:
        raise Unsupported(
            f"{SOURCE_RANGES}: IPv6 ranges other than ::/0 ({', '.join(narrow)}) cannot be "
            "enforced on AWS: a dualstack NLB translates IPv6 clients to IPv4 for its instance "
            "targets, and the nodes see them coming from the NLB's private IPv4 address",
            field=SOURCE_RANGES,
        )


def settle(want: Wanted, ipv6_less: Sequence[str]) -> str:
    """The address type to build, given the chosen subnets that have no IPv6 CIDR block."""
    if want.value == V4 or not ipv6_less:
        return want.value
    if not want.required:
        return V4  # PreferDualStack: IPv4 serves it
    raise Unsupported(
        f"a dualstack NLB needs an IPv6 CIDR block in each of its subnets; "
        f"{', '.join(ipv6_less)} have none (associate one, or choose other subnets)",
        field="spec.ipFamilies",
    )
