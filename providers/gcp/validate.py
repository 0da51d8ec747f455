"""What the GCP provider refuses to build, checked before any call (pure).

Where it sits: the reconciler calls the provider's `validate(spec)` after `build_spec` and
before `ensure`; a refusal becomes a Warning Event and nothing is created.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.spec import REQUIRE, LoadBalancerSpec
from providers.gcp.desired import PROTOCOLS, families, hindrance, ranges_of
from providers.gcp.options import ADDRESSES, options_of

HEALTH_PROTOCOLS = ("HTTP", "TCP")
MAX_SOURCE_RANGES = 5000  # source ranges one VPC firewall rule may hold


def validate(spec: LoadBalancerSpec[Any]) -> None:
    """Raise Unsupported / PermanentError for what GCP (or this provider) cannot serve."""
    for listener in spec.listeners:
        if listener.protocol not in PROTOCOLS:
            raise Unsupported(
                f"spec.ports protocol {listener.protocol} (port {listener.port}): GCP passthrough "
                "load balancers carry TCP and UDP here",
                field="spec.ports",
            )
    if spec.health_check.protocol not in HEALTH_PROTOCOLS:
        raise Unsupported(f"a {spec.health_check.protocol} health check is not supported")
    _check_families(spec)
    _check_ip(spec)


def _check_families(spec: LoadBalancerSpec[Any]) -> None:
    """The families the Service must have can be served (`hindrance`), and each one's source
    ranges fit a firewall rule."""
    served = families(spec)
    for family in spec.ip_families:
        found = hindrance(spec, family)
        if found and (not served or spec.ip_family_policy == REQUIRE):
            why, field = found
            raise Unsupported(f"{family} ({spec.ip_family_policy}): {why}", field=field)
    for family in served:
        count = len(ranges_of(spec.source_ranges, family))
        if count > MAX_SOURCE_RANGES:
            raise Unsupported(
                f"loadBalancerSourceRanges has {count} {family} ranges; a GCP firewall rule "
                f"holds at most {MAX_SOURCE_RANGES}",
                field="spec.loadBalancerSourceRanges",
            )


def _check_ip(spec: LoadBalancerSpec[Any]) -> None:
    ip = spec.requested_ip
    if ip is None:
        return
    if options_of(spec).addresses:
        raise PermanentError(
            f"set either spec.loadBalancerIP or the annotation {ADDRESSES}, not both",
            field="spec.loadBalancerIP",
        )
    version: int
    try:
        version = ipaddress.ip_address(ip).version
    except ValueError:
        version = 0
    if version != 4:
        raise PermanentError(
            f"spec.loadBalancerIP {ip!r} is not an IPv4 address (name a reserved IPv6 address "
            f"in {ADDRESSES})",
            field="spec.loadBalancerIP",
        )
