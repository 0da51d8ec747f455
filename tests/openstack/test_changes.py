"""Changes converge in place (the load balancer's id never changes), each with exactly the writes
it needs; only a setting Octavia cannot change (here the VIP subnet) recreates."""

from __future__ import annotations

from typing import Any

from providers.openstack import options as k
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique
from tests.support.builders import service
from tests.support.calls import MetricCalls

from . import views
from .support import TCP_UDP, made, routed, spec_for, writes_of

pytestmark = OPENSTACK_MARKS

HTTP = ((80, "TCP", 30080),)
HTTP_HTTPS = ((80, "TCP", 30080), (443, "TCP", 30443))


def test_ports_added_and_removed_in_place(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=HTTP))
    assert writes_of(provider, tally, service(ports=HTTP_HTTPS)) == {
        "pools.create": 1,
        "members.batch_update": 1,
        "healthmonitors.create": 1,
        "listeners.create": 1,
    }
    assert set(views.listeners(conn, lb.id)) == {("TCP", 80), ("TCP", 443)}
    pool = views.pools(conn, lb.id)[f"{spec.ref.name}-tcp-443"]
    assert [m[1:3] for m in views.members(conn, pool.id)] == [
        ("10.0.0.11", 30443),
        ("10.0.0.12", 30443),
    ]
    assert writes_of(provider, tally, service(ports=((443, "TCP", 30443),))) == {
        "listeners.delete": 1,
        "pools.delete": 1,
    }
    assert set(views.listeners(conn, lb.id)) == {("TCP", 443)}
    assert set(views.pools(conn, lb.id)) == {f"{spec.ref.name}-tcp-443"}  # same LB: the contract


def test_source_ranges_update_allowed_cidrs(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=TCP_UDP))
    tally.start()
    ranges = ("192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32")
    provider.ensure(spec_for(provider, service(source_ranges=ranges, ports=TCP_UDP)))
    assert tally.writes() == {"listeners.update": 2}
    for listener in views.listeners(conn, lb.id).values():
        assert sorted(listener.allowed_cidrs) == ["10.0.0.0/8", "192.0.2.0/24"]
    tally.start()
    provider.ensure(spec)
    assert tally.writes() == {"listeners.update": 2}
    assert all(x.allowed_cidrs is None for x in views.listeners(conn, lb.id).values())
    assert views.the_lb(conn, spec.ref).id == lb.id


def test_traffic_policy_moves_the_probes(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=TCP_UDP))
    assert writes_of(
        provider,
        tally,
        service(external_traffic_policy="Local", health_check_node_port=31999, ports=TCP_UDP),
    ) == {"members.batch_update": 2}
    for pool in views.pools(conn, lb.id).values():
        assert {m[3] for m in views.members(conn, pool.id)} == {31999}
        monitor = views.monitor(conn, pool)
        assert (monitor.type, monitor.url_path, monitor.http_method) == ("HTTP", "/healthz", "GET")
    assert views.the_lb(conn, spec.ref).id == lb.id


def test_annotations_change_listeners_pools_and_monitors(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=HTTP))
    tuned = {
        k.CONNECTION_LIMIT: "1000",
        k.TIMEOUT_CLIENT_DATA: "60000",
        k.LB_METHOD: "least_connections",
        k.MONITOR_DELAY: "10",
        k.MONITOR_MAX_RETRIES_DOWN: "5",
    }
    assert writes_of(provider, tally, service(ports=HTTP, annotations=tuned)) == {
        "pools.update": 1,
        "healthmonitors.update": 1,
        "listeners.update": 1,
    }
    listener = views.listeners(conn, lb.id)[("TCP", 80)]
    assert (listener.connection_limit, listener.timeout_client_data) == (1000, 60000)
    pool = views.pools(conn, lb.id)[f"{spec.ref.name}-tcp-80"]
    monitor = views.monitor(conn, pool)
    assert (pool.lb_algorithm, monitor.delay, monitor.max_retries_down) == (
        "LEAST_CONNECTIONS",
        10,
        5,
    )
    assert writes_of(
        provider, tally, service(ports=HTTP, annotations={k.ENABLE_MONITOR: "false"})
    ) == {
        "pools.update": 1,
        "listeners.update": 1,
        "members.batch_update": 1,  # no probe port any more
        "healthmonitors.delete": 1,
    }
    assert views.pools(conn, lb.id)[f"{spec.ref.name}-tcp-80"].health_monitor_id is None


def test_proxy_protocol_replaces_the_pools_only(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=TCP_UDP))
    old = views.pools(conn, lb.id)
    tally.start()
    status = provider.ensure(
        spec_for(provider, service(annotations={k.PROXY_PROTOCOL: "true"}, ports=TCP_UDP))
    )
    assert status.ingress[0].ip_mode == "Proxy"
    assert tally.writes() == {  # the TCP port only: UDP pools stay UDP
        "pools.create": 1,
        "members.batch_update": 1,
        "healthmonitors.create": 1,
        "listeners.update": 1,  # repointed at the new pool
        "pools.delete": 1,
    }
    now = views.pools(conn, lb.id)
    tcp = f"{spec.ref.name}-tcp-80"
    assert (now[tcp].protocol, now[tcp].id != old[tcp].id) == ("PROXY", True)
    assert views.listeners(conn, lb.id)[("TCP", 80)].default_pool_id == now[tcp].id
    assert views.the_lb(conn, spec.ref).id == lb.id


def test_vip_subnet_change_recreates_keeping_the_floating_ip(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec = spec_for(provider, service(ports=HTTP))
    before = provider.ensure(spec).ingress[0].ip
    lb = views.the_lb(conn, spec.ref)
    network = conn.network.create_network(name=unique("lbc-vip2"))
    subnet = conn.network.create_subnet(
        network_id=network.id, ip_version=4, cidr="192.168.77.0/24", name=network.name
    )
    try:
        with routed(conn, subnet.id):  # the floating IP follows the VIP onto the new subnet
            tally.start()
            moved = spec_for(provider, service(ports=HTTP, annotations={k.SUBNET_ID: subnet.id}))
            assert provider.ensure(moved).ingress[0].ip == before
            moves = {"loadbalancers.delete": 1, "loadbalancers.create": 1, "floatingips.update": 1}
            assert tally.writes() == moves
            now = views.the_lb(conn, spec.ref)
            assert (now.id != lb.id, now.vip_subnet_id) == (True, subnet.id)
            for item in views.load_balancers(conn, spec.ref):
                conn.load_balancer.delete_load_balancer(item.id, cascade=True)
                conn.load_balancer.wait_for_delete(item)
    finally:
        conn.network.delete_subnet(subnet.id)
        conn.network.delete_network(network.id)
