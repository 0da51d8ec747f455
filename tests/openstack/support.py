"""What only the OpenStack provider's tests need beyond the shared builders and recorders
(`tests.support`): the default ports and nodes, specs in the test's own cluster (each test has
its own on the real OpenStack), and load balancers made in one step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


@contextmanager
def routed(conn: Any, subnet_id: str) -> Iterator[None]:
    """`subnet_id` joined to the devenv's router while inside: Neutron associates a floating IP
    only with a port on a subnet routed to the floating network."""
    router = conn.network.find_router("lbc-router", ignore_missing=False)
    conn.network.add_interface_to_router(router, subnet_id=subnet_id)
    try:
        yield
    finally:
        conn.network.remove_interface_from_router(router, subnet_id=subnet_id)


@contextmanager
def second_router(admin: Any, external: str, network_id: str, subnet_id: str) -> Iterator[None]:
    """While inside, a router from `subnet_id` (of `network_id`) to another external network
    `external` (the devenv's router has its one gateway on the floating network), joined by
    a port of its own on the subnet, whose gateway address the devenv's router holds."""
    router = admin.network.create_router(
        name="lbc-router-2", external_gateway_info={"network_id": external}
    )
    port = admin.network.create_port(network_id=network_id, fixed_ips=[{"subnet_id": subnet_id}])
    admin.network.add_interface_to_router(router, port_id=port.id)
    try:
        yield
    finally:
        admin.network.remove_interface_from_router(router, port_id=port.id)
        admin.network.delete_router(router)
