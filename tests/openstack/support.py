"""What only the OpenStack provider's tests need beyond the shared builders and recorders
(`tests.support`): the default ports and nodes, specs in the test's own cluster (each test has
its own on the real OpenStack), and load balancers made in one step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from lbcontroller.model import Node, Service
from providers.openstack.provider import OpenStackLoadBalancers
from tests.support.builders import Port, Spec, node, spec_of
from tests.support.calls import MetricCalls

from . import views

TCP_UDP: tuple[Port, ...] = ((80, "TCP", 30080), (53, "UDP", 30053))
NODES = (node("node-a", ip="10.0.0.11"), node("node-b", ip="10.0.0.12"))


def spec_for(provider: OpenStackLoadBalancers, svc: Service, nodes: Iterable[Node] = NODES) -> Spec:
    """The spec the core would hand the provider, in the provider's (the test's) cluster."""
    return spec_of(provider, svc, nodes, cluster=provider.ctx.settings.cluster)


def made(
    provider: OpenStackLoadBalancers, conn: Any, svc: Service, nodes: Iterable[Node] = NODES
) -> tuple[Spec, Any]:
    """Ensure `svc`'s load balancer: its spec, and Octavia's record of it."""
    spec = spec_for(provider, svc, nodes)
    provider.ensure(spec)
    return spec, views.the_lb(conn, spec.ref)


def writes_of(provider: OpenStackLoadBalancers, tally: MetricCalls, svc: Service) -> Counter[str]:
    """The writes of one `ensure` for `svc`."""
    tally.start()
    provider.ensure(spec_for(provider, svc))
    return tally.writes()
