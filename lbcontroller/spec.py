"""The pure heart: (Service, Nodes, provider settings) -> the desired `LoadBalancerSpec`.

Where it sits: the reconciler calls `build_spec` with cached objects and the provider's option
parser; providers receive the frozen result and converge the cloud to it. No I/O happens here,
so every rule is table-tested without a server.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from lbcontroller import annotations as ann
from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.model import TAKEN_OVER_FINALIZERS, Ingress, Node, Service
from lbcontroller.naming import lb_name
from lbcontroller.nodes import eligible_nodes

KUBE_PROXY_HEALTH_PORT = 10256
IPV4 = frozenset({"IPv4"})
REQUIRE = "RequireDualStack"
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


class ProviderOptions(Protocol):
    """What the core reads from every provider's parsed options."""

    @property
    def internal(self) -> bool:
        """Whether the load balancer is reachable only inside the network."""
        ...

    @property
    def node_labels(self) -> Mapping[str, str]:
        """Extra labels a node must carry to be a backend of this Service."""
        ...


OptT_co = TypeVar("OptT_co", bound=ProviderOptions, covariant=True)


@dataclass(frozen=True, slots=True)
class LoadBalancerRef:
    """Identifies one load balancer: enough to find and delete it without the Service."""

    cluster: str
    namespace: str
    service: str
    name: str
    # The Service's UID when known (a ref rebuilt from cloud tags may carry only what an
    # upstream name keeps of it, or nothing): a provider finds the load balancer an upstream
    # cloud controller named from it. It names no load balancer of ours, so refs to the same
    # load balancer are equal (and print, hence fingerprint, the same) whether or not they carry it.
    uid: str = dataclasses.field(default="", compare=False, repr=False)

    @property
    def service_key(self) -> str:
        """`namespace/name` of the Service it serves."""
        return f"{self.namespace}/{self.service}"


@dataclass(frozen=True, slots=True)
class Listener:
    """A front-end port, forwarded to the same NodePort on every backend.

    `node_port` is None only for a provider that needs none (`Provider.needs_node_ports`
    false: its load balancer delivers to the Service port itself); the others never see it.
    """

    protocol: str
    port: int
    node_port: int | None

    @property
    def target_port(self) -> int:
        """The NodePort, for the providers that need one (their specs always have it)."""
        if self.node_port is None:
            raise PermanentError(f"port {self.port} has no nodePort", field="spec.ports")
        return self.node_port


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """How the load balancer probes nodes: HTTP with a path, or TCP."""

    protocol: str
    port: int
    path: str | None


@dataclass(frozen=True, slots=True)
class Backend:
    """One node behind the load balancer."""

    node: str
    provider_id: str
    address: str | None  # the node's first InternalIP
    addresses: tuple[str, ...] = ()  # every InternalIP (dual-stack nodes have one a family)

    def address_of(self, family: str) -> str | None:
        """The node's InternalIP of `family` ("IPv4" or "IPv6"), if it has one."""
        return next((a for a in self.addresses if family_of(a) == family), None)


@dataclass(frozen=True, slots=True)
class LoadBalancerSpec(Generic[OptT_co]):
    """Everything a provider needs to converge one load balancer."""

    ref: LoadBalancerRef
    listeners: tuple[Listener, ...]
    health_check: HealthCheck
    source_ranges: tuple[str, ...]
    ip_families: tuple[str, ...]
    ip_family_policy: str  # SingleStack, PreferDualStack or RequireDualStack
    requested_ip: str | None
    session_affinity: str
    options: OptT_co
    backends: tuple[Backend, ...]

    @property
    def internal(self) -> bool:
        """Shortcut for the provider-parsed internal flag."""
        return self.options.internal

    def front_end(self) -> LoadBalancerSpec[OptT_co]:
        """The spec without its backends: what a full ensure depends on."""
        return dataclasses.replace(self, backends=())


@dataclass(frozen=True, slots=True)
class SpecSettings:
    """Per-provider settings that shape every spec it receives."""

    cluster: str
    node_selector: Mapping[str, str] = dataclasses.field(default_factory=dict)
    needs_node_ports: bool = True


def _listeners(service: Service, needs_node_ports: bool) -> tuple[Listener, ...]:
    """Every port; for a provider that needs NodePorts, only those with one (as upstream's
    providers skip a port without one), and at least one."""
    listeners = tuple(
        Listener(protocol=p.protocol, port=p.port, node_port=p.node_port)
        for p in service.ports
        if p.node_port is not None or not needs_node_ports
    )
    if not listeners:
        raise PermanentError(
            "no port has a nodePort (allocateLoadBalancerNodePorts is false?); "
            "this provider's load balancer reaches the nodes at a NodePort",
            field="spec.ports",
        )
    return listeners


def _health_check(service: Service) -> HealthCheck:
    if service.external_traffic_policy == "Local" and service.health_check_node_port:
        return HealthCheck(protocol="HTTP", port=service.health_check_node_port, path="/healthz")
    return HealthCheck(protocol="HTTP", port=KUBE_PROXY_HEALTH_PORT, path="/healthz")


def _source_ranges(service: Service) -> tuple[str, ...]:
    if service.source_ranges:
        ranges = tuple(
            _cidr(item, f"spec.loadBalancerSourceRanges[{i}]")
            for i, item in enumerate(service.source_ranges)
        )
    else:
        ranges = ann.get_cidrs(service.annotations, SOURCE_RANGES_ANNOTATION)
    if ranges:
        return tuple(sorted(set(ranges)))
    everyone = ["0.0.0.0/0"]
    if "IPv6" in service.ip_families:
        everyone.append("::/0")
    return tuple(everyone)


def _cidr(item: str, field: str) -> str:
    try:
        return str(ipaddress.ip_network(item.strip(), strict=False))
    except ValueError:
        raise PermanentError(f"{field}: {item!r} is not a CIDR", field=field) from None


def _backends(nodes: Iterable[Node], selector: Mapping[str, str]) -> tuple[Backend, ...]:
    return tuple(
        Backend(
            node=n.name, provider_id=n.provider_id, address=n.internal_ip, addresses=n.internal_ips
        )
        for n in eligible_nodes(nodes, selector)
    )


def build_spec(
    service: Service,
    nodes: Iterable[Node],
    settings: SpecSettings,
    parse_options: Callable[[Mapping[str, str]], OptT_co],
) -> LoadBalancerSpec[OptT_co]:
    """The desired load balancer for `service`; raises PermanentError on bad input."""
    options = parse_options(service.annotations)
    selector = {**options.node_labels, **settings.node_selector}  # the operator's word wins
    return LoadBalancerSpec(
        ref=ref_for(settings.cluster, service),
        listeners=_listeners(service, settings.needs_node_ports),
        health_check=_health_check(service),
        source_ranges=_source_ranges(service),
        ip_families=service.ip_families or ("IPv4",),
        ip_family_policy=service.ip_family_policy,
        requested_ip=service.load_balancer_ip,
        session_affinity=service.session_affinity,
        options=options,
        backends=_backends(nodes, selector),
    )


def ref_for(cluster: str, service: Service) -> LoadBalancerRef:
    """The reference of the load balancer that serves `service` in `cluster`.

    The UID, from which an upstream controller named its load balancer, is given only for a
    Service that was already served when we see it (an address in its status, or a cleanup
    finalizer of a controller we take over from): a new Service cannot have an upstream load
    balancer, so looking for one would cost a read per create for nothing.
    """
    served = bool(service.ingress) or not TAKEN_OVER_FINALIZERS.isdisjoint(service.finalizers)
    return LoadBalancerRef(
        cluster=cluster,
        namespace=service.namespace,
        service=service.name,
        name=lb_name(cluster, service.namespace, service.name),
        uid=service.uid if served else "",
    )


def family_of(address: str) -> str:
    """ "IPv4" or "IPv6" for an address or a CIDR."""
    return "IPv6" if ":" in address else "IPv4"


def ordered_ingress(ingress: tuple[Ingress, ...], families: tuple[str, ...]) -> tuple[Ingress, ...]:
    """The status entries in the Service's `ipFamilies` order (hostnames keep their place
    first: a dual-stack DNS name answers for both families)."""

    def rank(entry: Ingress) -> int:
        if entry.ip is None:
            return -1
        family = family_of(entry.ip)
        return families.index(family) if family in families else len(families)

    return tuple(sorted(ingress, key=rank))


def check_families(spec: LoadBalancerSpec[Any], supported: frozenset[str], why: str) -> None:
    """Refuse what the load balancer cannot carry: a Service with none of its families, or a
    RequireDualStack one missing any; PreferDualStack is served with the families it has."""
    missing = [f for f in spec.ip_families if f not in supported]
    if missing and (len(missing) == len(spec.ip_families) or spec.ip_family_policy == REQUIRE):
        raise Unsupported(
            f"{', '.join(missing)} ({spec.ip_family_policy}): {why}", field="spec.ipFamilies"
        )
