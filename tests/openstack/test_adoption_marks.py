"""Which load balancer under cloud-provider-openstack's names is taken over, and what is refused
or replaced, on load balancers seeded exactly as CPO makes them (name, tag, description;
listener, pool and monitor named and tagged as CPO names and tags them, read from its
pkg/openstack/loadbalancer.go). The real CPO making them: test_adoption.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.metrics import Metrics
from lbcontroller.model import Ingress, Service
from providers.openstack import options as k
from providers.openstack.provider import OpenStackLoadBalancers
from providers.openstack.upstream import lb_name
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique, wait_gone, wait_status
from tests.support.builders import service

from . import views
from .conftest import make_provider
from .support import spec_for

pytestmark = OPENSTACK_MARKS
INTERNAL = {k.INTERNAL: "true"}


@pytest.fixture
def cpo(cluster: str) -> str:
    """The cluster name of the CPO whose load balancers these tests seed."""
    return f"cpo-{cluster}"


@pytest.fixture
def adopter(os_env: dict[str, str], cluster: str, cpo: str) -> OpenStackLoadBalancers:
    """lbcontroller with CPO's defaults, adopting what that CPO made."""
    return make_provider(
        os_env,
        cluster=cluster,
        metrics=Metrics(),
        compatibility="upstream",
        upstream_cluster_name=cpo,
    )


@pytest.fixture
def seeded(conn: Any, cpo: str) -> Iterator[list[str]]:
    """The ids of the load balancers a test seeds; deleted afterwards when still there."""
    ids: list[str] = []
    yield ids
    lbs = conn.load_balancer
    for lb_id in ids:
        if lbs.find_load_balancer(lb_id) is not None:
            wait_status(functools.partial(lbs.get_load_balancer, lb_id))
            lbs.delete_load_balancer(lb_id, cascade=True)
            wait_gone(functools.partial(lbs.find_load_balancer, lb_id))


def _served(name: str, **annotations: str) -> Service:
    """An internal Service an upstream controller has served (an address in its status)."""
    served = (Ingress(ip="198.51.100.1"),)
    return service(name, annotations={**INTERNAL, **annotations}, ingress=served)


def _seed(
    conn: Any, os_env: dict[str, str], seeded: list[str], name: str, *, tagged: bool = True
) -> Any:
    """A load balancer as CPO makes it for one TCP port 80 -> 30080, with a TCP monitor."""
    lbs = conn.load_balancer
    lb = lbs.create_load_balancer(
        name=name,
        vip_subnet_id=os_env["OS_VIP_SUBNET_ID"],
        description="Kubernetes external service default/x from cluster cpo",
        tags=[name] if tagged else [],
    )
    seeded.append(lb.id)
    settle = functools.partial(wait_status, functools.partial(lbs.get_load_balancer, lb.id))
    settle()
    listener = lbs.create_listener(
        name=f"listener_0_{name}",
        loadbalancer_id=lb.id,
        protocol="TCP",
        protocol_port=80,
        tags=[name] if tagged else [],
    )
    settle()
    pool = lbs.create_pool(
        name=f"pool_0_{name}", listener_id=listener.id, protocol="TCP", lb_algorithm="ROUND_ROBIN"
    )
    settle()
    lbs.create_health_monitor(
        name=f"monitor_0_{name}", pool_id=pool.id, type="TCP", delay=5, timeout=3, max_retries=1
    )
    return settle()


def test_cpos_children_and_monitor_are_taken_over(
    adopter: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], cpo: str, seeded: list[str]
) -> None:
    svc = _served(unique("web"), **{k.ENABLE_MONITOR: "true"})
    made = _seed(conn, os_env, seeded, lb_name(cpo, "default", svc.name))
    spec = spec_for(adopter, svc)
    changes = [(c.action, c.kind, c.operation) for c in adopter.plan(spec)]
    assert changes[0] == ("adopt", "load-balancer", "loadbalancers.update")
    assert adopter.ensure(spec).ingress[0].ip == made.vip_address
    lb = views.the_lb(conn, spec.ref)
    assert (lb.id, lb.name) == (made.id, made.name)
    (listener,) = views.listeners(conn, lb.id).values()
    pool = conn.load_balancer.get_pool(listener.default_pool_id)
    monitor = views.monitor(conn, pool)
    for child in (listener, pool, monitor):
        assert child.name == f"{spec.ref.name}-tcp-80" and set(views.tags(spec.ref)) <= set(
            child.tags
        )
    assert (monitor.type, [m[3] for m in views.members(conn, pool.id)]) == ("TCP", [None, None])
    assert adopter.plan(spec) == ()
    adopter.ensure_deleted(spec.ref)
    assert conn.load_balancer.find_load_balancer(made.id) is None


def test_a_look_alike_is_never_taken_and_the_create_says_why(
    adopter: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], cpo: str, seeded: list[str]
) -> None:
    svc = _served(unique("web"))
    look_alike = _seed(conn, os_env, seeded, lb_name(cpo, "default", svc.name), tagged=False)
    spec = spec_for(adopter, svc)
    (create,) = [c for c in adopter.plan(spec) if c.action == "create"]
    assert (
        "lacks cloud-provider-openstack's tag" in create.detail and look_alike.id in create.detail
    )
    adopter.ensure(spec)
    assert views.the_lb(conn, spec.ref).id != look_alike.id
    after = conn.load_balancer.get_load_balancer(look_alike.id)
    assert (after.tags, after.updated_at) == (look_alike.tags, look_alike.updated_at)
    adopter.ensure_deleted(spec.ref)
    assert conn.load_balancer.get_load_balancer(look_alike.id).tags == []


def test_load_balancer_id_of_another_load_balancer_is_refused(
    adopter: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], seeded: list[str]
) -> None:
    other = _seed(conn, os_env, seeded, lb_name("elsewhere", "default", "api"))
    svc = _served(unique("web"), **{k.LOAD_BALANCER_ID: other.id})
    spec = spec_for(adopter, svc)
    for refused in (adopter.plan, adopter.ensure):
        with pytest.raises(PermanentError, match=f"load balancer {other.id} .* is not the one"):
            refused(spec)
    gone = _served(svc.name, **{k.LOAD_BALANCER_ID: "f" * 8})
    assert [c.action for c in adopter.plan(spec_for(adopter, gone))] == ["create"]


@pytest.fixture
def other_subnet(conn: Any, os_env: dict[str, str]) -> Iterator[str]:
    """A second subnet on the VIP network."""
    third = int(unique("n").split("-")[1], 16) % 150 + 100
    subnet = conn.network.create_subnet(
        network_id=os_env["OS_VIP_NETWORK_ID"], ip_version=4, cidr=f"10.{third}.7.0/24"
    )
    yield str(subnet.id)
    conn.network.delete_subnet(subnet.id)


def test_what_octavia_cannot_change_is_made_anew_and_the_create_says_why(
    adopter: OpenStackLoadBalancers,
    conn: Any,
    os_env: dict[str, str],
    cpo: str,
    seeded: list[str],
    other_subnet: str,
) -> None:
    svc = _served(unique("web"), **{k.SUBNET_ID: other_subnet})
    made = _seed(conn, os_env, seeded, lb_name(cpo, "default", svc.name))
    changes = adopter.plan(spec_for(adopter, svc))
    assert [(c.action, c.name) for c in changes] == [
        ("delete", made.name),
        ("create", spec_for(adopter, svc).ref.name),
    ]
    moved = f"vip_subnet_id {os_env['OS_VIP_SUBNET_ID']} -> {other_subnet}"
    assert f"cannot be adopted in place: {moved}" in changes[1].detail


def test_cpos_load_balancer_is_listed_for_gc_and_deleted_without_adoption(
    adopter: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], cpo: str, seeded: list[str]
) -> None:
    svc = _served(unique("web"))
    made = _seed(conn, os_env, seeded, lb_name(cpo, "default", svc.name))
    ref = spec_for(adopter, svc).ref
    assert [(o.ref, o.cloud_id) for o in adopter.list_owned()] == [(ref, made.id)]
    assert [c.action for c in adopter.plan_delete(ref)] == ["delete"]
    adopter.ensure_deleted(ref)
    assert conn.load_balancer.find_load_balancer(made.id) is None
