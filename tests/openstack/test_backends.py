"""The cheap node path: `update_backends` makes one batch member update per pool whose members
differ, and nothing else."""

from __future__ import annotations

import dataclasses
from typing import Any

from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS
from tests.support.builders import node, service
from tests.support.calls import MetricCalls

from . import views
from .support import NODES, TCP_UDP, made, spec_for

pytestmark = OPENSTACK_MARKS


def _addresses(conn: Any, lb_id: str) -> dict[str, list[str]]:
    return {
        name: [m[1] for m in views.members(conn, pool.id)]
        for name, pool in views.pools(conn, lb_id).items()
    }


def test_node_added_and_removed(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    svc = service(ports=TCP_UDP)
    _, lb = made(provider, conn, svc)
    three = (*NODES, node("node-c", ip="10.0.0.13"))
    tally.start()
    provider.update_backends(spec_for(provider, svc, three))
    assert tally.writes() == {"members.batch_update": 2}  # one per pool, TCP and UDP
    assert set(tally.reads()) == {
        "loadbalancers.list",
        "pools.list",
        "members.list",
        "loadbalancers.get",
    }
    wanted = ["10.0.0.11", "10.0.0.12", "10.0.0.13"]
    assert all(found == wanted for found in _addresses(conn, lb.id).values())

    tally.start()
    provider.update_backends(spec_for(provider, svc, three[1:]))
    assert tally.writes() == {"members.batch_update": 2}
    assert all(found == wanted[1:] for found in _addresses(conn, lb.id).values())


def test_no_load_balancer_yet_means_nothing_to_do(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec = spec_for(provider, service(ports=TCP_UDP))
    tally.start()
    provider.update_backends(spec)
    assert tally.writes() == {} and views.load_balancers(conn, spec.ref) == []


def test_nodes_without_an_address_are_left_out(provider: OpenStackLoadBalancers, conn: Any) -> None:
    unaddressed = dataclasses.replace(node("node-x", ip="10.0.0.99"), internal_ips=())
    _, lb = made(provider, conn, service(ports=TCP_UDP), (*NODES, unaddressed))
    assert all(found == ["10.0.0.11", "10.0.0.12"] for found in _addresses(conn, lb.id).values())
