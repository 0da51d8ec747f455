"""What the GCP provider refuses to build, checked before any call (pure).

Where it sits: the reconciler calls the provider's `validate(spec)` after `build_spec` and
before `ensure`; a refusal becomes a Warning Event and nothing is created.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.spec import IPV4, LoadBalancerSpec, check_families
from providers.gcp.desired import PROTOCOLS, ipv4_ranges
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
    check_families(spec, IPV4, "lbcontroller's GCP forwarding rules are IPv4 only")
    if spec.health_check.protocol not in HEALTH_PROTOCOLS:
        raise Unsupported(f"a {spec.health_check.protocol} health check is not supported")
    ranges = ipv4_ranges(spec.source_ranges)
    if not ranges:
        raise Unsupported(
            "loadBalancerSourceRanges has no IPv4 range (the load balancer is IPv4 only)",
            field="spec.loadBalancerSourceRanges",
        )
    if len(ranges) > MAX_SOURCE_RANGES:
        raise Unsupported(
            f"loadBalancerSourceRanges has {len(ranges)} ranges; a GCP firewall rule holds at "
            f"most {MAX_SOURCE_RANGES}",
            field="spec.loadBalancerSourceRanges",
        )
    _check_ip(spec)


def _check_ip(spec: LoadBalancerSpec[Any]) -> None:
    ip = spec.requested_ip
    if ip is None:
        return
    if options_of(spec).address is not None:
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
            f"spec.loadBalancerIP {ip!r} is not an IPv4 address", field="spec.loadBalancerIP"
        )
