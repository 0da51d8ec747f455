"""The IP families of a Service's Octavia load balancer, and where each VIP goes (pure).

Where it sits: `validate` refuses a Service none of whose families (or, RequireDualStack, not all
of them) the config can serve (`supported`); the provider's verbs work out the families it gets
(`served`, given the Octavia API version when two are wanted) and hand them to `desired`. IPv4
VIPs go where they always went (vipSubnetId / vipNetworkId, or the subnet / network
annotations); IPv6 VIPs into the config's `vipIpv6SubnetId`. Two families make one load balancer
with an IPv4 VIP and an additional IPv6 VIP (Octavia's `additional_vips`, API v2.26 and later),
both on the VIP network: Octavia requires every VIP subnet of a load balancer in one network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lbcontroller.errors import Unsupported
from lbcontroller.spec import REQUIRE, LoadBalancerSpec, check_families
from providers.openstack.api import JSON
from providers.openstack.context import Settings

IPV4, IPV6 = "IPv4", "IPv6"
MULTI_VIP = (2, 26)  # the Octavia API version that added `additional_vips` to load balancers
NO_IPV6 = "no IPv6 VIP subnet: set vipIpv6SubnetId in the provider's config"
_VERSION = re.compile(r"^v(\d+)\.(\d+)$")


def supported(settings: Settings) -> frozenset[str]:
    """The families the config has a VIP subnet for."""
    return frozenset({IPV4, IPV6} if settings.vip_ipv6_subnet_id else {IPV4})


def servable(spec: LoadBalancerSpec[Any], settings: Settings) -> tuple[str, ...]:
    """The Service's families that the config can serve, in the Service's order (IPv4 when
    none: what a load balancer made before a refused change has)."""
    can = supported(settings)
    return tuple(f for f in spec.ip_families if f in can) or (IPV4,)


def wanted(spec: LoadBalancerSpec[Any], settings: Settings) -> tuple[str, ...]:
    """`servable`, refusing (as `check_families`) a Service with none of its families, or a
    RequireDualStack one missing any."""
    check_families(spec, supported(settings), NO_IPV6)
    return servable(spec, settings)


def served(
    spec: LoadBalancerSpec[Any], settings: Settings, version: tuple[int, int]
) -> tuple[str, ...]:
    """The families the load balancer gets on an Octavia serving API `version`: without
    additional VIPs, one (the Service's first), or, RequireDualStack, a refusal."""
    families = wanted(spec, settings)
    if len(families) < 2 or version >= MULTI_VIP:
        return families
    if spec.ip_family_policy == REQUIRE:
        have, need = ".".join(map(str, version)), ".".join(map(str, MULTI_VIP))
        raise Unsupported(
            f"RequireDualStack: Octavia's API is v{have}; a load balancer with a VIP of each "
            f"family needs additional VIPs (v{need})",
            field="spec.ipFamilyPolicy",
        )
    return families[:1]


def newest(versions: Sequence[JSON]) -> tuple[int, int]:
    """The newest API version in Octavia's version document that it serves."""
    found = [
        (int(m[1]), int(m[2]))
        for v in versions
        if v.get("status") in ("CURRENT", "SUPPORTED") and (m := _VERSION.match(str(v["id"])))
    ]
    return max(found, default=(2, 0))


def vip_families(families: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The family of the load balancer's VIP and those of its additional VIPs: the IPv4 VIP
    is the main one whenever there is one (floating IPs are IPv4 only: they point at it)."""
    main = IPV4 if IPV4 in families else IPV6
    return main, tuple(f for f in families if f != main)
