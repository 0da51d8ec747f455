"""The desired Octavia load balancer for a spec, and the request bodies that ask for it (pure):
what `ensure` and `plan` converge to.

Where it sits: the provider's verbs call `desired` with a validated spec and the config's
settings; the resource modules compare the result with what they read. One listener, pool and
health monitor per Service port and protocol (TCP and UDP side by side); members at each node's
InternalIP and the port's NodePort, probed at the spec's health-check port (`monitor_port`:
healthCheckNodePort with externalTrafficPolicy Local, else kube-proxy's 10256). With
`compatibility: upstream` the monitors are cloud-provider-openstack's: off unless the Service
asks, and then TCP (UDP-CONNECT) on the members' own port, or HTTP on healthCheckNodePort for
externalTrafficPolicy Local. sessionAffinity ClientIP is SOURCE_IP persistence on the pools, as
upstream has it. `upstream` carries CPO's names for the Service (adoption). The bodies
(`listener`, `pool`, `monitor`, each carrying the ownership tags) are sent one by one to an
existing load balancer, or nested by `graph` into one create call (Octavia's "fully populated"
load balancer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lbcontroller.naming import digest
from lbcontroller.spec import (
    KUBE_PROXY_HEALTH_PORT,
    Backend,
    HealthCheck,
    Listener,
    LoadBalancerRef,
    LoadBalancerSpec,
    family_of,
)
from providers.openstack.api import JSON
from providers.openstack.context import Settings
from providers.openstack.families import IPV4, servable, vip_families
from providers.openstack.options import OpenStackOptions, options_of
from providers.openstack.ownership import CREATED_WITH, ownership, tag
from providers.openstack.upstream import Upstream

UPSTREAM = "upstream"  # the `compatibility` whose defaults are cloud-provider-openstack's
PERSISTENCE = {"None": None, "ClientIP": "SOURCE_IP"}  # sessionAffinity -> the pools'

EVERYONE = frozenset({"0.0.0.0/0", "::/0"})
CONNECT = {"TCP": "TCP", "UDP": "UDP-CONNECT"}  # a monitor that only connects, by protocol


@dataclass(frozen=True, slots=True)
class Monitor:
    """A pool's health monitor."""

    type: str  # immutable in Octavia: a change replaces the monitor
    settings: Mapping[str, Any]  # what may change in place


@dataclass(frozen=True, slots=True)
class Port:
    """One Service port and protocol: a listener, its pool, the pool's monitor and members."""

    name: str
    protocol: str
    port: int
    pool_protocol: str  # immutable in Octavia: a change replaces the pool
    listener: Mapping[str, Any]  # the listener's settings that may change in place
    lb_algorithm: str
    persistence: str | None  # the pool's session persistence type (SOURCE_IP) or none
    monitor: Monitor | None
    members: tuple[JSON, ...]  # the batch update's list, in address order


@dataclass(frozen=True, slots=True)
class Floating:
    """The floating IP of an external load balancer."""

    network_id: str | None  # where our own floating IP comes from
    requested: str | None  # spec.loadBalancerIP: an existing floating IP, never released
    keep: bool  # keep our own floating IP when the load balancer goes


@dataclass(frozen=True, slots=True)
class Desired:
    """The whole load balancer."""

    ref: LoadBalancerRef
    tags: tuple[str, ...]  # ownership, on the load balancer and its children
    placement: Mapping[str, str]  # what Octavia cannot change: VIP subnet/network/address, ...
    additional_vips: tuple[str, ...]  # subnets of the additional VIPs (immutable too)
    families: tuple[str, ...]  # of the VIPs, in the Service's order
    ports: tuple[Port, ...]
    floating: Floating | None  # None: internal
    ip_mode: str  # the ingress' ipMode: Proxy with PROXY protocol, else VIP
    upstream: Upstream  # cloud-provider-openstack's names for it (adoption)

    @property
    def name(self) -> str:
        """The load balancer's name."""
        return self.ref.name

    @property
    def created_with(self) -> str:
        """The tag recording `placement` and the additional VIPs: when it differs, the load
        balancer is recreated (an IPv4-only one records what it did before they existed)."""
        parts = [f"{k}={v}" for k, v in sorted(self.placement.items())]
        if self.additional_vips:
            parts.append(f"additional_vips={','.join(self.additional_vips)}")
        return tag(CREATED_WITH, digest(*parts))


def desired(
    spec: LoadBalancerSpec[Any], settings: Settings, families: tuple[str, ...] | None = None
) -> Desired:
    """The load balancer `spec` asks for, with a VIP of each of `families` (default: each of
    the Service's that the config can serve, unchecked: see `families.served`)."""
    options = options_of(spec)
    families = families or servable(spec, settings)
    proxied = options.proxy_protocol is not None and any(
        x.protocol == "TCP" for x in spec.listeners
    )
    main, additional = vip_families(families)
    v4 = IPV4 in families
    return Desired(
        ref=spec.ref,
        tags=ownership(spec.ref),
        placement=_placement(spec, options, settings, main),
        additional_vips=tuple(settings.vip_ipv6_subnet_id or "" for _ in additional),
        families=families,
        ports=tuple(_port(spec, options, settings, x, families) for x in spec.listeners),
        floating=_floating(spec, options, settings) if v4 and not options.internal else None,
        ip_mode="Proxy" if proxied else "VIP",
        upstream=Upstream.of(spec.ref, settings.cpo_cluster, options.load_balancer_id),
    )


def monitor_enabled(options: OpenStackOptions, settings: Settings) -> bool:
    """Whether the pools get health monitors: as annotated, else on (lbcontroller's default)
    or off (cloud-provider-openstack's `create-monitor` default, with `compatibility:
    upstream`)."""
    if options.monitor.enabled is not None:
        return options.monitor.enabled
    return settings.compatibility != UPSTREAM


def _placement(
    spec: LoadBalancerSpec[Any], options: OpenStackOptions, settings: Settings, family: str
) -> dict[str, str]:
    if family != IPV4:
        return _only_ipv6(options, settings)
    chosen: dict[str, str | None] = {
        "vip_subnet_id": settings.vip_subnet_id,
        "vip_network_id": settings.vip_network_id,
    }
    if options.subnet_id or options.network_id:
        chosen = {"vip_subnet_id": options.subnet_id, "vip_network_id": options.network_id}
    chosen["vip_address"] = spec.requested_ip if options.internal else None
    chosen["flavor_id"] = options.flavor_id
    chosen["availability_zone"] = options.availability_zone
    return {key: value for key, value in chosen.items() if value}


def _only_ipv6(options: OpenStackOptions, settings: Settings) -> dict[str, str]:
    """An IPv6-only load balancer: its VIP in the IPv6 subnet (`validate` refuses the
    annotations that place an IPv4 VIP)."""
    chosen = {
        "vip_subnet_id": settings.vip_ipv6_subnet_id,
        "flavor_id": options.flavor_id,
        "availability_zone": options.availability_zone,
    }
    return {key: value for key, value in chosen.items() if value}


def _floating(
    spec: LoadBalancerSpec[Any], options: OpenStackOptions, settings: Settings
) -> Floating:
    keep = options.keep_floating_ip
    return Floating(
        network_id=options.floating_network_id or settings.floating_network_id,
        requested=spec.requested_ip,
        keep=settings.keep_floating_ip if keep is None else keep,
    )


def allowed_cidrs(source_ranges: tuple[str, ...], families: tuple[str, ...]) -> list[str] | None:
    """The listeners' allowed_cidrs: None for everyone; else the ranges of the VIPs' families
    (Octavia refuses a CIDR of a family no VIP has; its clients could not reach one anyway)."""
    if set(source_ranges) <= EVERYONE:
        return None
    return sorted(r for r in source_ranges if family_of(r) in families)


def _port(
    spec: LoadBalancerSpec[Any],
    options: OpenStackOptions,
    settings: Settings,
    listener: Listener,
    families: tuple[str, ...],
) -> Port:
    check = None
    if monitor_enabled(options, settings):
        check = _check(spec.health_check, listener, settings)
    monitor = None if check is None else _monitor(check, options)
    return Port(
        name=f"{spec.ref.name}-{listener.protocol.lower()}-{listener.port}",
        protocol=listener.protocol,
        port=listener.port,
        pool_protocol=(options.proxy_protocol or "TCP") if listener.protocol == "TCP" else "UDP",
        listener={
            "allowed_cidrs": allowed_cidrs(spec.source_ranges, families),
            "connection_limit": options.connection_limit,
            **options.timeouts,
        },
        lb_algorithm=options.lb_method,
        persistence=PERSISTENCE[spec.session_affinity],
        monitor=monitor,
        members=_members(spec, listener, families, check),
    )


def _check(check: HealthCheck, listener: Listener, settings: Settings) -> HealthCheck | None:
    """What the port's monitor probes (members' `monitor_port`: the probe's port, or None for
    the member's own). Upstream's: HTTP on healthCheckNodePort for externalTrafficPolicy
    Local, else a connect to the member's port."""
    if settings.compatibility != UPSTREAM or check.port != KUBE_PROXY_HEALTH_PORT:
        return check
    return HealthCheck(protocol=listener.protocol, port=0, path=None)


def _monitor(check: HealthCheck, options: OpenStackOptions) -> Monitor:
    m = options.monitor
    timing: dict[str, Any] = {
        "delay": m.delay,
        "timeout": m.timeout,
        "max_retries": m.max_retries,
        "max_retries_down": m.max_retries_down,
    }
    if check.protocol != "HTTP":
        return Monitor(type=CONNECT[check.protocol], settings=timing)
    http = {"url_path": check.path or "/", "http_method": "GET", "expected_codes": "200"}
    return Monitor(type="HTTP", settings=timing | http)


def member_address(backend: Backend, protocol: str, families: tuple[str, ...]) -> str | None:
    """Where a node is a member: its InternalIP of the Service's first family; lacking one, a
    TCP pool takes its other address (the amphora proxies across families), a UDP pool one of
    another VIP's family or none (Octavia's amphora provider refuses a UDP member of a family
    no VIP has)."""
    candidates = [*(backend.address_of(f) for f in families), backend.address]
    usable = (a for a in candidates if a and (protocol == "TCP" or family_of(a) in families))
    return next(usable, None)


def _members(
    spec: LoadBalancerSpec[Any],
    listener: Listener,
    families: tuple[str, ...],
    check: HealthCheck | None,
) -> tuple[JSON, ...]:
    probe = {} if check is None or not check.port else {"monitor_port": check.port}
    where = ((member_address(b, listener.protocol, families), b.node) for b in spec.backends)
    found = sorted((address, node) for address, node in where if address)
    return tuple(
        {"name": node, "address": address, "protocol_port": listener.target_port, **probe}
        for address, node in found
    )


def _named(want: Desired, port: Port, **fields: Any) -> JSON:
    return {"name": port.name, "tags": list(want.tags), **fields}


def listener(want: Desired, port: Port) -> JSON:
    """A listener (its pool is added by the caller)."""
    return _named(want, port, protocol=port.protocol, protocol_port=port.port, **port.listener)


def persistence(port: Port) -> JSON | None:
    """The pool's session_persistence field."""
    return None if port.persistence is None else {"type": port.persistence}


def pool(want: Desired, port: Port) -> JSON:
    """A pool without members or monitor."""
    return _named(
        want,
        port,
        protocol=port.pool_protocol,
        lb_algorithm=port.lb_algorithm,
        session_persistence=persistence(port),
    )


def monitor(want: Desired, port: Port) -> JSON:
    """The pool's health monitor (the port must want one)."""
    if port.monitor is None:
        raise ValueError(f"{port.name}: no health monitor is wanted")
    return _named(want, port, type=port.monitor.type, **port.monitor.settings)


def graph(want: Desired) -> JSON:
    """The whole load balancer in one body: listeners > pool > members and monitor."""
    listeners = []
    for port in want.ports:
        default_pool = {**pool(want, port), "members": list(port.members)}
        if port.monitor is not None:
            default_pool["healthmonitor"] = monitor(want, port)
        listeners.append({**listener(want, port), "default_pool": default_pool})
    return {
        "name": want.name,
        "description": f"Kubernetes Service {want.ref.service_key} in cluster "
        f"{want.ref.cluster}, managed by lbcontroller",
        "tags": [*want.tags, want.created_with],
        **want.placement,
        **_additional(want),
        "listeners": listeners,
    }


def _additional(want: Desired) -> JSON:
    """The create body's additional VIPs (none: the field is left out, for older Octavias)."""
    if not want.additional_vips:
        return {}
    return {"additional_vips": [{"subnet_id": subnet} for subnet in want.additional_vips]}
