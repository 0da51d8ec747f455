"""Helpers for the OpenStack provider's tests: Services and Nodes built as the core's records,
specs as the core builds them, and a tally of the provider's own cloud calls.

The tally reads the provider's metrics (`lbcontroller_cloud_api_requests_total`, one sample per
operation and outcome): every SDK call goes through `CloudCaller`, which counts each attempt,
so this is exactly what the provider sent, with nothing mocked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from lbcontroller.metrics import Metrics
from lbcontroller.model import Node, Service, ServicePort
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.openstack.provider import OpenStackLoadBalancers
from tests.unit import builders

from . import views

Port = tuple[int, str, int]  # port, protocol, NodePort
Spec = LoadBalancerSpec[Any]
READS = frozenset({"list", "get"})
TCP_UDP: tuple[Port, ...] = ((80, "TCP", 30080), (53, "UDP", 30053))


def service(
    name: str = "web",
    *,
    ports: Iterable[Port] = TCP_UDP,
    annotations: Mapping[str, str] | None = None,
    policy: str = "Cluster",
    health_port: int | None = None,
    ranges: tuple[str, ...] = (),
    ip: str | None = None,
) -> Service:
    """A `type: LoadBalancer` Service `default/<name>`."""
    return builders.service(
        namespace="default",
        name=name,
        uid=f"uid-{name}",
        ports=tuple(ServicePort(f"{p.lower()}-{n}", p, n, node_port) for n, p, node_port in ports),
        annotations=dict(annotations or {}),
        source_ranges=ranges,
        external_traffic_policy=policy,
        health_check_node_port=health_port,
        load_balancer_ip=ip,
    )


def node(name: str, ip: str) -> Node:
    """A Ready node with an InternalIP."""
    return builders.node(name, ip=ip)


NODES = (node("node-a", "10.0.0.11"), node("node-b", "10.0.0.12"))


def made(
    provider: OpenStackLoadBalancers, conn: Any, svc: Service, nodes: Iterable[Node] = NODES
) -> tuple[Spec, Any]:
    """Ensure `svc`'s load balancer: its spec, and Octavia's record of it."""
    spec = spec_of(provider, svc, nodes)
    provider.ensure(spec)
    return spec, views.the_lb(conn, spec.ref)


def spec_of(provider: OpenStackLoadBalancers, svc: Service, nodes: Iterable[Node] = NODES) -> Spec:
    """The spec the core would hand the provider."""
    settings = SpecSettings(cluster=provider.ctx.settings.cluster)
    return build_spec(svc, nodes, settings, provider.parse_options)


def writes_of(provider: OpenStackLoadBalancers, tally: Tally, svc: Service) -> Counter[str]:
    """The writes of one `ensure` for `svc`."""
    tally.start()
    provider.ensure(spec_of(provider, svc))
    return tally.writes()


class Tally:
    """The provider's cloud calls since `start()`, by operation (e.g. `listeners.create`)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._base: Counter[tuple[str, str]] = Counter()

    def _now(self) -> Counter[tuple[str, str]]:
        now: Counter[tuple[str, str]] = Counter()
        for metric in self._metrics.registry.collect():
            for sample in metric.samples:
                if sample.name == "lbcontroller_cloud_api_requests_total":
                    key = (sample.labels["operation"], sample.labels["outcome"])
                    now[key] += int(sample.value)
        return now

    def start(self) -> None:
        """Count from now on."""
        self._base = self._now()

    def _since(self, *, reads: bool) -> Counter[str]:
        out: Counter[str] = Counter()
        for (operation, _), count in (self._now() - self._base).items():
            if (operation.rsplit(".", 1)[1] in READS) == reads:
                out[operation] += count
        return out

    def writes(self) -> Counter[str]:
        """Every write attempt since `start()` (whatever its outcome)."""
        return self._since(reads=False)

    def reads(self) -> Counter[str]:
        """Every read attempt since `start()`."""
        return self._since(reads=True)
