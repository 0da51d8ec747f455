"""The desired AWS front end of one Service, computed purely from its spec and the settings.

Where it sits: the provider's verbs turn the core's `LoadBalancerSpec` into a `Desired`
(names, listeners, target groups, health check, attributes, tags) and `converge` makes AWS
match it. The health check's defaults are lbcontroller's own, or with `compatibility:
upstream` cloud-provider-aws's (`health_of`; the README's AWS section has both).
`fingerprint` of its inputs is stored on the load balancer so that a steady-state ensure
reads little.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lbcontroller.errors import InvalidAnnotation
from lbcontroller.naming import child_name, digest
from lbcontroller.spec import (
    KUBE_PROXY_HEALTH_PORT,
    HealthCheck,
    Listener,
    LoadBalancerRef,
    LoadBalancerSpec,
)
from providers.aws.options import HC_TIMEOUT, TRAFFIC_PORT, AwsOptions, options_of
from providers.aws.ownership import tags_for


@dataclass(frozen=True, slots=True)
class Health:
    """A health check; `port` is a number or "traffic-port"; `protocol` TCP, HTTP, HTTPS or
    (classic only) SSL."""

    protocol: str
    port: str
    path: str | None
    interval: int
    timeout: int
    healthy: int
    unhealthy: int


@dataclass(frozen=True, slots=True)
class Group:
    """One NLB listener and the target group it forwards to."""

    name: str
    protocol: str  # TCP, UDP or TCP_UDP
    port: int
    node_port: int


@dataclass(frozen=True, slots=True)
class ClassicListener:
    """One classic ELB listener."""

    port: int
    protocol: str
    node_port: int
    instance_protocol: str
    cert: str | None


@dataclass(frozen=True, slots=True)
class Desired:
    """One load balancer as it should be; NLB-only and classic-only fields stay empty."""

    ref: LoadBalancerRef
    kind: str
    internal: bool
    subnets: tuple[str, ...]
    health: Health
    cross_zone: bool
    proxy_protocol: bool
    tags: tuple[tuple[str, str], ...]
    source_ranges: tuple[str, ...]
    groups: tuple[Group, ...] = ()
    eips: tuple[str, ...] = ()
    listeners: tuple[ClassicListener, ...] = ()
    idle_timeout: int = 60
    security_groups: tuple[str, ...] = ()
    extra_security_groups: tuple[str, ...] = ()
    ip_address_type: str = "ipv4"  # an NLB's: "ipv4" or "dualstack" (`families.settle`)

    @property
    def scheme(self) -> Literal["internal", "internet-facing"]:
        """The AWS scheme."""
        return "internal" if self.internal else "internet-facing"

    @property
    def tag_map(self) -> dict[str, str]:
        """The tags every resource of this load balancer carries."""
        return dict(self.tags)


def desired_for(
    spec: LoadBalancerSpec[Any], *, subnets: Sequence[str], ip_address_type: str = "ipv4"
) -> Desired:
    """What AWS should hold for `spec` (already validated) in the resolved `subnets`."""
    options = options_of(spec)
    common = Desired(
        ref=spec.ref,
        kind=options.kind,
        internal=options.internal,
        subnets=tuple(subnets),
        health=health_of(spec),
        cross_zone=options.cross_zone,
        proxy_protocol=options.proxy_protocol,
        tags=tuple(sorted(tags_for(spec.ref, options.extra_tags).items())),
        source_ranges=spec.source_ranges,
    )
    if options.kind == "nlb":
        nlb = _nlb(common, spec.listeners, options)
        return dataclasses.replace(nlb, ip_address_type=ip_address_type)
    return _classic(common, spec.listeners, options)


def _nlb(common: Desired, listeners: Sequence[Listener], options: AwsOptions) -> Desired:
    groups = []
    for port in sorted({item.port for item in listeners}):
        same = sorted((i for i in listeners if i.port == port), key=lambda i: i.protocol)
        protocol = "TCP_UDP" if len(same) > 1 else same[0].protocol
        node_port = same[0].target_port
        name = child_name(common.ref.name, protocol.lower(), str(node_port))
        groups.append(Group(name=name, protocol=protocol, port=port, node_port=node_port))
    return dataclasses.replace(common, groups=tuple(groups), eips=options.eip_allocations)


def _classic(common: Desired, listeners: Sequence[Listener], options: AwsOptions) -> Desired:
    return dataclasses.replace(
        common,
        listeners=tuple(_classic_listener(item, options) for item in listeners),
        idle_timeout=options.idle_timeout,
        security_groups=options.security_groups,
        extra_security_groups=options.extra_security_groups,
    )


_SECURE = {None: ("SSL", "TCP"), "tcp": ("SSL", "TCP"), "ssl": ("SSL", "SSL")}
_SECURE |= {"http": ("HTTPS", "HTTP"), "https": ("HTTPS", "HTTPS")}
_PLAIN = {None: ("TCP", "TCP"), "tcp": ("TCP", "TCP"), "ssl": ("TCP", "SSL")}
_PLAIN |= {"http": ("HTTP", "HTTP"), "https": ("HTTP", "HTTPS")}


def _classic_listener(item: Listener, options: AwsOptions) -> ClassicListener:
    secure = options.ssl_cert is not None and (
        not options.ssl_ports or item.port in options.ssl_ports
    )
    front, back = (_SECURE if secure else _PLAIN)[options.backend_protocol]
    return ClassicListener(
        port=item.port,
        protocol=front,
        node_port=item.target_port,
        instance_protocol=back,
        cert=options.ssl_cert if secure else None,
    )


# Interval, timeout, healthy and unhealthy thresholds of each default health check.
OWN_TIMING = (10, 5, 2, 2)  # lbcontroller's own, both kinds
# cloud-provider-aws v1.37.1 (compatibility: upstream): a classic ELB's (aws_loadbalancer.go
# defaultElbHC*), an NLB's for externalTrafficPolicy Cluster (defaultNlbHealthCheck*) and
# Local (buildNLBHealthCheckConfiguration: 10 s and 2/2; it sends no timeout, so the target
# group gets AWS's default for an HTTP check, 6 s).
UPSTREAM_CLASSIC_TIMING = (10, 5, 2, 6)
UPSTREAM_NLB_TIMING = (30, 10, 3, 3)
UPSTREAM_NLB_LOCAL_TIMING = (10, 6, 2, 2)


def _base(spec: HealthCheck, options: AwsOptions, listeners: Sequence[Listener]) -> Health:
    """The default check, before the annotations."""
    if not options.upstream:
        return Health(spec.protocol, str(spec.port), spec.path, *OWN_TIMING)
    if spec.port != KUBE_PROXY_HEALTH_PORT:  # healthCheckNodePort: externalTrafficPolicy Local
        local = UPSTREAM_NLB_LOCAL_TIMING if options.kind == "nlb" else UPSTREAM_CLASSIC_TIMING
        return Health(spec.protocol, str(spec.port), spec.path, *local)
    if options.kind == "nlb":
        return Health("TCP", TRAFFIC_PORT, "/", *UPSTREAM_NLB_TIMING)
    secure = options.backend_protocol in ("https", "ssl")  # upstream then probes with SSL
    port = str(listeners[0].node_port)
    return Health("SSL" if secure else "TCP", port, "/", *UPSTREAM_CLASSIC_TIMING)


def health_of(spec: LoadBalancerSpec[Any]) -> Health:
    """The health check of `spec`: its defaults (per kind and compatibility) and annotations."""
    options = options_of(spec)
    override = options.health
    base = _base(spec.health_check, options, spec.listeners)
    timing = (base.interval, base.timeout, base.healthy, base.unhealthy)
    protocol = override.protocol or base.protocol
    port = override.port or base.port
    if options.kind == "classic" and port == TRAFFIC_PORT:
        port = str(spec.listeners[0].node_port)
    given = (override.interval, override.timeout, override.healthy, override.unhealthy)
    interval, timeout, healthy, unhealthy = (
        default if value is None else value for value, default in zip(given, timing, strict=True)
    )
    if timeout >= interval:
        raise InvalidAnnotation(
            HC_TIMEOUT, str(timeout), f"must be less than the interval ({interval})"
        )
    path = None if protocol in ("TCP", "SSL") else (override.path or base.path or "/")
    return Health(protocol, port, path, interval, timeout, healthy, unhealthy)


def fingerprint(*inputs: object) -> str:
    """A short digest of everything a full converge depends on."""
    return digest(repr(inputs), length=16)
