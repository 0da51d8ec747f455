"""Refusing, before any call, what this provider cannot build (pure).

Where it sits: the reconciler calls the provider's `validate` after building the spec (and the
provider's `ensure` / `plan` call it again); an `Unsupported` or `PermanentError` becomes a
Warning Event naming the field, and nothing is created or changed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT, LoadBalancerSpec
from providers.openstack.context import Settings
from providers.openstack.desired import UPSTREAM, allowed_cidrs, monitor_enabled
from providers.openstack.families import IPV4, wanted
from providers.openstack.options import (
    ENABLE_MONITOR,
    FLOATING_NETWORK_ID,
    INTERNAL,
    NETWORK_ID,
    SUBNET_ID,
    OpenStackOptions,
    options_of,
)


def validate(spec: LoadBalancerSpec[Any], settings: Settings) -> None:
    """Raise Unsupported / PermanentError for a spec this provider cannot serve."""
    options = options_of(spec)
    for listener in spec.listeners:
        if listener.protocol not in ("TCP", "UDP"):
            raise Unsupported(f"{listener.protocol} ports are not supported", field="spec.ports")
    families = wanted(spec, settings)
    check_ranges(spec, families)
    v4 = IPV4 in families
    _requested_ip(spec, v4)
    if v4:
        _ipv4_place(options, settings)
    else:
        _ipv6_only(options)
    floating = options.floating_network_id or settings.floating_network_id
    discovered = settings.compatibility == UPSTREAM  # as CPO: found, or served on the VIP
    if v4 and not (options.internal or spec.requested_ip or floating or discovered):
        raise PermanentError(
            f"no floating network for an external load balancer: set floatingNetworkId in the "
            f"provider's config or {FLOATING_NETWORK_ID}, or make it internal ({INTERNAL})",
            field=f"metadata.annotations[{FLOATING_NETWORK_ID}]",
        )
    unprobed = not monitor_enabled(options, settings) and settings.compatibility != UPSTREAM
    if unprobed and spec.health_check.port != KUBE_PROXY_HEALTH_PORT:
        raise Unsupported(
            f"{ENABLE_MONITOR}: false with externalTrafficPolicy Local: only the health "
            "monitor keeps traffic off nodes without a ready endpoint (cloud-provider-"
            "openstack builds it unprobed: `compatibility: upstream` does too)",
            field=f"metadata.annotations[{ENABLE_MONITOR}]",
        )


def check_ranges(spec: LoadBalancerSpec[Any], families: tuple[str, ...]) -> None:
    """Refuse source ranges none of which is of the VIPs' `families` (Octavia takes a listener's
    `allowed_cidrs` of those only: an empty list would let everyone in)."""
    if allowed_cidrs(spec.source_ranges, families) == []:
        raise Unsupported(
            f"no source range of the VIPs' families ({', '.join(families)}): the load "
            "balancer could not be restricted to them",
            field="spec.loadBalancerSourceRanges",
        )


def _ipv6_only(options: OpenStackOptions) -> None:
    """The annotations that place the IPv4 VIP or its floating IP mean nothing without one."""
    given = {
        SUBNET_ID: options.subnet_id,
        NETWORK_ID: options.network_id,
        FLOATING_NETWORK_ID: options.floating_network_id,
    }
    for name, value in given.items():
        if value:
            raise Unsupported(
                f"{name}: places the IPv4 VIP or its floating IP, and this IPv6-only Service "
                "has neither (its VIP goes into the config's vipIpv6SubnetId)",
                field=f"metadata.annotations[{name}]",
            )


def _ipv4_place(options: OpenStackOptions, settings: Settings) -> None:
    vip = options.subnet_id or options.network_id
    if not (vip or settings.vip_subnet_id or settings.vip_network_id):
        raise PermanentError(
            f"no VIP subnet or network: set vipSubnetId or vipNetworkId in the provider's "
            f"config, or {SUBNET_ID} / {NETWORK_ID}",
            field=f"metadata.annotations[{SUBNET_ID}]",
        )


def _requested_ip(spec: LoadBalancerSpec[Any], v4: bool) -> None:
    if spec.requested_ip is None:
        return
    try:
        ipaddress.IPv4Address(spec.requested_ip)
    except ValueError:
        raise Unsupported(
            f"{spec.requested_ip!r} is not an IPv4 address", field="spec.loadBalancerIP"
        ) from None
    if not v4:
        raise Unsupported(
            f"an IPv6-only load balancer has no IPv4 VIP or floating IP for {spec.requested_ip!r}",
            field="spec.loadBalancerIP",
        )
