"""Create, steady state, plan and delete against the real Octavia and Neutron, counting every
call the provider makes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS
from tests.support.builders import node, service
from tests.support.calls import MetricCalls

from . import views
from .support import NODES, TCP_UDP, spec_for

pytestmark = OPENSTACK_MARKS

MEMBERS_80 = [("node-a", "10.0.0.11", 30080, 10256), ("node-b", "10.0.0.12", 30080, 10256)]


def test_create_builds_everything_tagged(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls, cluster: str
) -> None:
    spec = spec_for(provider, service(ports=TCP_UDP))
    tally.start()
    status = provider.ensure(spec)
    assert tally.writes() == {"loadbalancers.create": 1, "floatingips.create": 1}

    lb = views.the_lb(conn, spec.ref)
    assert lb.provisioning_status == "ACTIVE" and lb.name == spec.ref.name
    assert set(views.tags(spec.ref)) < set(lb.tags)
    assert any(t.startswith("lbcontroller.io/created-with=") for t in lb.tags)
    listeners = views.listeners(conn, lb.id)
    assert set(listeners) == {("TCP", 80), ("UDP", 53)}
    pools = views.pools(conn, lb.id)
    assert {(p.name, p.protocol) for p in pools.values()} == {
        (f"{spec.ref.name}-tcp-80", "TCP"),
        (f"{spec.ref.name}-udp-53", "UDP"),
    }
    for (protocol, port), listener in listeners.items():
        pool = pools[f"{spec.ref.name}-{protocol.lower()}-{port}"]
        assert listener.default_pool_id == pool.id and listener.allowed_cidrs is None
        assert set(views.tags(spec.ref)) <= set(listener.tags) & set(pool.tags)
        monitor = views.monitor(conn, pool)
        assert (monitor.type, monitor.url_path) == ("HTTP", "/healthz")
        assert (monitor.delay, monitor.timeout, monitor.max_retries) == (5, 3, 1)
        assert set(views.tags(spec.ref)) <= set(monitor.tags)
        node_port = 30080 if port == 80 else 30053
        assert views.members(conn, pool.id) == [
            (name, ip, node_port, KUBE_PROXY_HEALTH_PORT) for name, ip, _, _ in MEMBERS_80
        ]

    (ingress,) = status.ingress
    (fip,) = views.marked_ips(conn, spec.ref)
    assert (ingress.ip, ingress.ip_mode) == (fip.floating_ip_address, "VIP")
    assert fip.floating_network_id == provider.ctx.settings.floating_network_id
    (owned,) = provider.list_owned()
    assert (owned.ref, owned.cloud_id) == (spec.ref, lb.id)
    assert owned.ref.cluster == cluster


def test_second_ensure_reads_exactly(provider: OpenStackLoadBalancers, tally: MetricCalls) -> None:
    # that it writes nothing and answers the same: the contract suite
    spec = spec_for(provider, service(ports=TCP_UDP))
    provider.ensure(spec)
    tally.start()
    provider.ensure(spec)
    provider.ensure(spec, verify=True)
    per_ensure = {
        "loadbalancers.list": 1,
        "listeners.list": 1,
        "pools.list": 1,
        "healthmonitors.list": 1,
        "members.list": 2,  # one per pool
        "floatingips.list": 1,  # associated already: the VIP port is not read
    }
    assert tally.reads() == Counter({op: 2 * n for op, n in per_ensure.items()})


def test_plan_names_the_writes_of_the_next_ensure(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    # that plan writes nothing and equals the next writes on create: the contract suite
    spec = spec_for(provider, service(ports=TCP_UDP))
    plan = provider.plan(spec)
    assert [(c.action, c.kind, c.operation) for c in plan] == [
        ("create", "load-balancer", "loadbalancers.create"),
        ("create", "floating-ip", "floatingips.create"),
    ]
    provider.ensure(spec)

    changed = spec_for(
        provider,
        service(ports=((80, "TCP", 30080), (443, "TCP", 30443)), source_ranges=("10.0.0.0/8",)),
        (*NODES, node("node-c", ip="10.0.0.13")),
    )
    tally.start()
    plan = provider.plan(changed)
    provider.ensure(changed)
    written = tally.writes()
    assert written == Counter(c.operation for c in plan)
    assert written == {
        "pools.create": 1,  # 443
        "members.batch_update": 2,  # 443's first members; node-c on 80
        "healthmonitors.create": 1,  # 443
        "listeners.create": 1,  # 443
        "listeners.update": 1,  # 80: allowed_cidrs
        "listeners.delete": 1,  # UDP 53
        "pools.delete": 1,  # UDP 53
    }


def test_delete_plans_the_floating_ip_then_the_load_balancer(
    provider: OpenStackLoadBalancers,
) -> None:
    # that delete does that and leaves nothing of ours: the contract suite
    spec = spec_for(provider, service(ports=TCP_UDP))
    provider.ensure(spec)
    planned = provider.plan_delete(spec.ref)
    assert [c.operation for c in planned] == ["floatingips.delete", "loadbalancers.delete"]


def test_internal_and_external_switch_in_place(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    internal = {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"}
    spec = spec_for(provider, service(annotations=internal, ports=TCP_UDP))
    status = provider.ensure(spec)
    lb = views.the_lb(conn, spec.ref)
    assert status.ingress[0].ip == lb.vip_address and views.marked_ips(conn, spec.ref) == []

    external = provider.ensure(spec_for(provider, service(ports=TCP_UDP))).ingress[0].ip
    (fip,) = views.marked_ips(conn, spec.ref)
    assert external == fip.floating_ip_address
    tally.start()
    assert provider.ensure(spec) == status
    assert tally.writes() == {"floatingips.delete": 1}
    assert views.marked_ips(conn, spec.ref) == [] and views.the_lb(conn, spec.ref).id == lb.id
