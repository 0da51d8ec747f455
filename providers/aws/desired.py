"""The desired AWS front end of one Service, computed purely from its spec and the settings.

Where it sits: the provider's verbs turn the core's `LoadBalancerSpec` into a `Desired`
(names, listeners, target groups, health check, attributes, tags) and `converge` makes AWS
match it; `fingerprint` of its inputs is stored on the load balancer so that a steady-state
ensure reads little.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lbcontroller.errors import PermanentError
from lbcontroller.naming import child_name, digest
from lbcontroller.spec import HealthCheck, Listener, LoadBalancerRef, LoadBalancerSpec
from providers.aws.options import SUBNETS, TRAFFIC_PORT, AwsOptions, options_of
from providers.aws.ownership import tags_for


@dataclass(frozen=True, slots=True)
class Health:
    """A health check; `port` is a number or "traffic-port"."""

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

    @property
    def scheme(self) -> Literal["internal", "internet-facing"]:
        """The AWS scheme."""
        return "internal" if self.internal else "internet-facing"

    @property
    def tag_map(self) -> dict[str, str]:
        """The tags every resource of this load balancer carries."""
        return dict(self.tags)


def subnets_of(options: AwsOptions, defaults: Sequence[str]) -> tuple[str, ...]:
    """The annotation's subnets, else the configured ones; PermanentError if neither."""
    subnets = options.subnets or tuple(defaults)
    if not subnets:
        raise PermanentError(f"no subnets: set {SUBNETS} or the provider's subnets", field=SUBNETS)
    return subnets


def desired_for(spec: LoadBalancerSpec[Any], *, default_subnets: Sequence[str]) -> Desired:
    """What AWS should hold for `spec` (already validated)."""
    options = options_of(spec)
    common = Desired(
        ref=spec.ref,
        kind=options.kind,
        internal=options.internal,
        subnets=subnets_of(options, default_subnets),
        health=_health(spec.health_check, options, spec.listeners),
        cross_zone=options.cross_zone,
        proxy_protocol=options.proxy_protocol,
        tags=tuple(sorted(tags_for(spec.ref, options.extra_tags).items())),
        source_ranges=spec.source_ranges,
    )
    if options.kind == "nlb":
        return _nlb(common, spec.listeners, options)
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


def _health(spec: HealthCheck, options: AwsOptions, listeners: Sequence[Listener]) -> Health:
    override = options.health
    protocol = override.protocol or spec.protocol
    port = override.port or str(spec.port)
    if options.kind == "classic" and port == TRAFFIC_PORT:
        port = str(listeners[0].node_port)
    path = None if protocol == "TCP" else (override.path or spec.path or "/")
    return Health(
        protocol=protocol,
        port=port,
        path=path,
        interval=override.interval,
        timeout=override.timeout,
        healthy=override.healthy,
        unhealthy=override.unhealthy,
    )


def fingerprint(*inputs: object) -> str:
    """A short digest of everything a full converge depends on."""
    return digest(repr(inputs), length=16)
