"""The OpenStack provider driven by the controller through the real API server, on the real
Octavia (amphora provider, no-op drivers), Keystone and Neutron.

The lifecycle a user sees: ACTIVE and an address in the status; port and source-range changes
in place (the load balancer's id never changes); an externalTrafficPolicy switch; a node add
or remove as one member batch update per pool; delete leaving nothing of ours and an untagged
look-alike untouched. Authentication goes through Keystone (Octavia validates the token).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.spec import ref_for
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique, wait_status
from tests.openstack import views
from tests.openstack.conftest import make_provider
from tests.support.calls import MetricCalls
from tests.support.harness import make_controller, running, wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, delete_service, get_service, patch_service
from tests.support.stage import Stage as BaseStage
from tests.support.stage import lb_class

pytestmark = OPENSTACK_MARKS
PORTS = [
    {"name": "http", "port": 80, "protocol": "TCP"},
    {"name": "dns", "port": 53, "protocol": "UDP"},
]


@dataclass
class Stage(BaseStage[OpenStackLoadBalancers, MetricCalls]):
    """One test's cluster, OpenStack and running controller."""

    CLOUD = "os"
    SETTLE = 60.0

    conn: Any
    cluster: str

    def lb(self, name: str) -> Any:
        svc = get_service(self.kube, self.namespace, name)
        assert svc is not None
        return views.the_lb(self.conn, ref_for(self.cluster, svc))


@pytest.fixture
def stage(
    kube: KubeClient, namespace: str, nodes: Nodes, conn: Any, os_env: dict[str, str], cluster: str
) -> Iterator[Stage]:
    metrics = Metrics()
    provider = make_provider(
        os_env, cluster=cluster, metrics=metrics, vip_ipv6_subnet_id=os_env["OS_VIP_IPV6_SUBNET_ID"]
    )
    for suffix, ip in (("a", "10.0.0.11"), ("b", "10.0.0.12")):
        nodes.add(suffix, ip=ip)
    controller = make_controller(
        kube, {"os": (provider, lb_class("os", namespace))}, node_sync_delay=0.3
    )
    # the provider's tags name the test's own cluster, so list_owned and cleanup see only it
    for route in controller.router.routes.values():
        object.__setattr__(route, "settings", type(route.settings)(cluster=cluster))
    with running(controller):
        yield Stage(
            kube,
            namespace,
            provider,
            MetricCalls(metrics),
            nodes,
            controller,
            conn=conn,
            cluster=cluster,
        )


def _create(stage: Stage, name: str, **spec: Any) -> str:
    create_service(stage.kube, stage.namespace, name, lb_class=stage.lb_class, ports=PORTS, **spec)
    return wait_for_ingress(stage.kube, stage.namespace, name, timeout=90)[name]


def test_create_change_in_place_and_delete(stage: Stage, conn: Any, os_env: dict[str, str]) -> None:
    decoy = conn.load_balancer.create_load_balancer(
        name=unique("k8s-decoy"), vip_subnet_id=os_env["OS_VIP_SUBNET_ID"]
    )
    wait_status(lambda: conn.load_balancer.get_load_balancer(decoy.id))
    address = _create(stage, "web")
    lb = stage.lb("web")
    assert lb.provisioning_status == "ACTIVE"
    assert {(p, n) for p, n in views.listeners(conn, lb.id)} == {("TCP", 80), ("UDP", 53)}
    assert [ip.floating_ip_address for ip in views.floating_ips(conn, address)] == [address]

    for change in (
        {"spec": {"loadBalancerSourceRanges": ["192.0.2.0/24"]}},
        {"spec": {"ports": [*PORTS, {"name": "https", "port": 443, "protocol": "TCP"}]}},
        {"spec": {"externalTrafficPolicy": "Local"}},
    ):
        stage.settle()
        stage.calls.start()
        patch_service(stage.kube, stage.namespace, "web", change)
        wait_for(stage.calls.writes, timeout=60, what=f"the change {change}")
        stage.settle()
        assert stage.lb("web").id == lb.id
        assert "loadbalancers.create" not in stage.calls.writes()
    assert ("TCP", 443) in views.listeners(conn, lb.id)
    for listener in views.listeners(conn, lb.id).values():
        assert listener.allowed_cidrs == ["192.0.2.0/24"]

    delete_service(stage.kube, stage.namespace, "web")
    wait_for(
        lambda: get_service(stage.kube, stage.namespace, "web") is None,
        timeout=90,
        what="the Service to go",
    )
    assert conn.load_balancer.find_load_balancer(lb.id) is None
    assert views.floating_ips(conn, address) == []
    assert conn.load_balancer.get_load_balancer(decoy.id).provisioning_status == "ACTIVE"
    conn.load_balancer.delete_load_balancer(decoy.id, cascade=True)


def test_node_changes_are_one_member_batch_per_pool(stage: Stage, conn: Any) -> None:
    _create(stage, "web")
    stage.settle()
    pools = views.pools(conn, stage.lb("web").id)
    stage.calls.start()
    stage.nodes.add("c", ip="10.0.0.13")
    wait_for(
        lambda: stage.calls.writes().get("members.batch_update") == len(pools),
        timeout=60,
        what="the member updates",
    )
    stage.settle()
    assert stage.calls.writes() == {"members.batch_update": len(pools)}
    for pool in pools.values():
        assert "10.0.0.13" in {m[1] for m in views.members(conn, pool.id)}
