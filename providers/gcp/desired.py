"""The load balancer a spec asks for, in Compute's terms (pure).

Where it sits: the provider turns each `LoadBalancerSpec` into a `Desired` before any call;
the steps compare it with what they read and write only the differences. One load balancer is
a regional health check, a regional backend service over the cluster's per-zone instance
groups, and for each IP family it serves (the Service's `ipFamilies`) one forwarding rule per
protocol on one address and two firewall rules (Service ports from the source ranges of that
family; the health-check port from Google's probers). IPv6 parts are named as GKE's L4
controllers name theirs: the IPv4 part's name plus `-ipv6`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lbcontroller.naming import child_name
from lbcontroller.spec import HealthCheck, LoadBalancerRef, LoadBalancerSpec, family_of
from providers.gcp.context import Where
from providers.gcp.options import NETWORK_TIER as TIER
from providers.gcp.options import GcpOptions, options_of
from providers.gcp.ownership import Mark
from providers.gcp.upstream import Names as UpstreamNames
from providers.gcp.upstream import group_name as upstream_group
from providers.gcp.upstream import names_for

MAX_NAME = 63
PROTOCOLS = ("TCP", "UDP")
MAX_RULE_PORTS = 5  # a forwarding rule lists at most 5 ports; more: all ports
PROBER_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
# Kubernetes' sessionAffinity -> the backend service's, as upstream maps it for target pools
# and backend services alike (gce_loadbalancer_external.go, `translateAffinityType`).
AFFINITY = {"None": "NONE", "ClientIP": "CLIENT_IP"}
EXTERNAL_PROBER_RANGES = (*PROBER_RANGES, "209.85.152.0/22", "209.85.204.0/22")
# Google's IPv6 health-check probers (ingress-gce `L4ILBIPv6HCRange`, `L4NetLBIPv6HCRange`)
PROBER_RANGES6 = ("2600:2d00:1:b029::/64",)
EXTERNAL_PROBER_RANGES6 = ("2600:1901:8001::/48",)
IPV6 = "IPv6"


def group_name(cluster: str) -> str:
    """The cluster's unmanaged instance group, the same name in every zone."""
    return child_name("k8s-ig", cluster, limit=MAX_NAME)


@dataclass(frozen=True, slots=True)
class Names:
    """The names of one load balancer's resources."""

    lb: str  # health check, backend service, address and Service firewall
    health_firewall: str
    group: str
    upstream_group: bool = False  # the group is cloud-provider-gcp's (`upstreamClusterId`)

    @classmethod
    def of(cls, ref: LoadBalancerRef, where: Where) -> Names:
        """The names of `ref`'s load balancer (the cluster's groups upstream's way when
        `upstreamClusterId` is set: a VM can be in only one load-balanced group)."""
        theirs = where.upstream_cluster
        return cls(
            lb=ref.name,
            health_firewall=child_name(ref.name, "hc", limit=MAX_NAME),
            group=upstream_group(theirs) if theirs else group_name(ref.cluster),
            upstream_group=bool(theirs),
        )

    @property
    def ipv6(self) -> str:
        """The IPv6 address and the IPv6 Service firewall."""
        return child_name(self.lb, "ipv6", limit=MAX_NAME)

    @property
    def health_firewall6(self) -> str:
        """The IPv6 health-check firewall."""
        return child_name(self.lb, "hc", "ipv6", limit=MAX_NAME)

    def rule(self, protocol: str, family: str = "IPv4") -> str:
        """The forwarding rule of one protocol and family."""
        suffix = ("ipv6",) if family == IPV6 else ()
        return child_name(self.lb, protocol.lower(), *suffix, limit=MAX_NAME)


@dataclass(frozen=True, slots=True)
class Rule:
    """One forwarding rule: a protocol and its ports (empty: all ports), of one IP family."""

    name: str
    protocol: str
    ports: tuple[str, ...]
    family: str = "IPv4"


@dataclass(frozen=True, slots=True)
class Desired:
    """Everything the steps converge one load balancer to."""

    where: Where
    mark: Mark
    names: Names
    scheme: str  # EXTERNAL or INTERNAL
    rules: tuple[Rule, ...]
    ports: Mapping[str, tuple[str, ...]]  # protocol -> every Service port, for the firewall
    health: HealthCheck
    source_ranges: tuple[str, ...]  # of every family served
    members: Mapping[str, frozenset[str]]  # zone -> instance names
    user_address: str | None  # the name of a user-reserved IPv4 address (`address.named`)
    requested_ip: str | None
    subnetwork: str | None  # internal only: a full link, None for the network's default
    global_access: bool
    families: tuple[str, ...] = ("IPv4",)  # the IP families served, in the Service's order
    policy: str = "SingleStack"  # the Service's ipFamilyPolicy
    user_addresses: tuple[str, ...] = ()  # the annotation's names, of either family
    user_address6: str | None = None  # the name of a user-reserved IPv6 address
    subnetwork6: str = ""  # the subnetwork IPv6 addresses and rules take their range from
    tier: str = "PREMIUM"  # the network tier of an external rule and address
    affinity: str = "NONE"  # the backend service's session affinity
    upstream: UpstreamNames | None = None  # what cloud-provider-gcp would have named it
    kept_ip: str | None = None  # upstream's IP, when taking its load balancer over keeps it
    note: str = ""  # why upstream's IP is not kept (shown in the plan)
    took_over: str = ""  # the name of upstream's load balancer this run takes over

    @property
    def wanted_ip(self) -> str | None:
        """The IP the address must have: the requested one, else upstream's kept one."""
        return self.requested_ip or self.kept_ip

    @property
    def internal(self) -> bool:
        """Whether the load balancer is internal."""
        return self.scheme == "INTERNAL"

    @property
    def protocol(self) -> str:
        """The backend service's protocol: the only one, or UNSPECIFIED for TCP and UDP."""
        protocols = {rule.protocol for rule in self.rules}
        return protocols.pop() if len(protocols) == 1 else "UNSPECIFIED"

    def serves(self, family: str) -> bool:
        """Whether the load balancer has a front end of this IP family."""
        return family in self.families

    def prober_ranges(self, family: str = "IPv4") -> tuple[str, ...]:
        """Where Google's health checks of one family come from."""
        if family == IPV6:
            return PROBER_RANGES6 if self.internal else EXTERNAL_PROBER_RANGES6
        return PROBER_RANGES if self.internal else EXTERNAL_PROBER_RANGES


def _ports(spec: LoadBalancerSpec[Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[int]] = {}
    for listener in spec.listeners:
        found.setdefault(listener.protocol, set()).add(listener.port)
    return {proto: tuple(str(p) for p in sorted(ports)) for proto, ports in sorted(found.items())}


def _members(spec: LoadBalancerSpec[Any], where: Where) -> dict[str, frozenset[str]]:
    zones: dict[str, set[str]] = {}
    for backend in spec.backends:
        found = where.instance(backend.provider_id)
        if found is not None:
            zones.setdefault(found[0], set()).add(found[1])
    return {zone: frozenset(names) for zone, names in sorted(zones.items())}


def ranges_of(ranges: tuple[str, ...], family: str) -> tuple[str, ...]:
    """The ranges of one IP family among `ranges`."""
    return tuple(r for r in ranges if family_of(r) == family)


def hindrance(spec: LoadBalancerSpec[Any], family: str) -> tuple[str, str] | None:
    """Why this provider cannot give the Service a front end of `family`, and the field to
    blame (None: it can)."""
    if not ranges_of(spec.source_ranges, family):
        why = f"loadBalancerSourceRanges has no {family} range: that front end would let nobody in"
        return why, "spec.loadBalancerSourceRanges"
    if family != IPV6:
        return None
    options = options_of(spec)
    if not options.internal and options.tier != "PREMIUM":
        return "GCE's IPv6 forwarding rules are Premium tier only", f"metadata.annotations[{TIER}]"
    if options.internal and len({listener.protocol for listener in spec.listeners}) > 1:
        # GCE documents sharing one internal address between rules for IPv4 only
        return "an internal IPv6 front end carries TCP or UDP here, not both", "spec.ports"
    return None


def families(spec: LoadBalancerSpec[Any]) -> tuple[str, ...]:
    """The families served: the Service's, but those `hindrance` rules out (PreferDualStack is
    served with what it can have; `validate` refuses RequireDualStack then)."""
    return tuple(f for f in spec.ip_families if hindrance(spec, f) is None)


def _subnetwork6(options: GcpOptions, subnet: str | None, where: Where) -> str:
    """Where IPv6 /96s come from: the external subnet annotation, else the load balancer's
    subnetwork (the config's, an internal Service's own), else the region's `default`."""
    if options.external_subnet:
        return where.subnet(options.external_subnet)
    return subnet or where.subnet("default")


def without(d: Desired, family: str) -> Desired:
    """`d` with no front end of `family` (its rules, address and firewalls then go)."""
    return dataclasses.replace(
        d,
        families=tuple(f for f in d.families if f != family),
        rules=tuple(rule for rule in d.rules if rule.family != family),
    )


def desired(spec: LoadBalancerSpec[Any], where: Where) -> Desired:
    """What the spec asks for; `validate` has refused what GCP cannot serve."""
    options = options_of(spec)
    names = Names.of(spec.ref, where)
    ports = _ports(spec)
    served = families(spec)
    rules = tuple(
        Rule(
            names.rule(proto, family), proto, found if len(found) <= MAX_RULE_PORTS else (), family
        )
        for family in served
        for proto, found in ports.items()
    )
    subnet = where.subnet(options.subnet) if options.subnet else where.subnetwork
    return Desired(
        where=where,
        mark=Mark.of(spec.ref),
        names=names,
        scheme="INTERNAL" if options.internal else "EXTERNAL",
        rules=rules,
        ports=ports,
        health=spec.health_check,
        source_ranges=spec.source_ranges,
        members=_members(spec, where),
        user_address=None,
        user_addresses=options.addresses,
        families=served,
        policy=spec.ip_family_policy,
        subnetwork6=_subnetwork6(options, subnet, where),
        requested_ip=spec.requested_ip,
        subnetwork=subnet if options.internal else None,
        global_access=options.global_access,
        tier=options.tier,
        affinity=AFFINITY.get(spec.session_affinity, "NONE"),
        upstream=names_for(spec.ref, where),
    )
