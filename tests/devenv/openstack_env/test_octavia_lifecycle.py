"""Octavia's amphora provider (no-op backends) through openstacksdk: a load balancer and its
listener, pool, member and health monitor each settle ACTIVE; a batch member update; tags;
cascade delete."""

from __future__ import annotations

from typing import Any

from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique, wait_gone, wait_status

pytestmark = OPENSTACK_MARKS


def _settle(conn: Any, lb_id: str) -> Any:
    return wait_status(lambda: conn.load_balancer.get_load_balancer(lb_id))


def test_children_settle_active(conn: Any, lb: Any) -> None:
    lbs = conn.load_balancer
    assert lb.provisioning_status == "ACTIVE"
    assert lb.vip_address
    listener = lbs.create_listener(
        name=unique("l"), loadbalancer_id=lb.id, protocol="TCP", protocol_port=80
    )
    _settle(conn, lb.id)
    assert wait_status(lambda: lbs.get_listener(listener.id)).protocol_port == 80
    pool = lbs.create_pool(
        name=unique("p"), listener_id=listener.id, protocol="TCP", lb_algorithm="ROUND_ROBIN"
    )
    _settle(conn, lb.id)
    wait_status(lambda: lbs.get_pool(pool.id))
    member = lbs.create_member(pool.id, address="10.0.0.11", protocol_port=30080)
    _settle(conn, lb.id)
    got = wait_status(lambda: lbs.get_member(member.id, pool.id))
    assert (got.address, got.protocol_port) == ("10.0.0.11", 30080)
    monitor = lbs.create_health_monitor(
        pool_id=pool.id, type="TCP", delay=5, timeout=3, max_retries=2
    )
    _settle(conn, lb.id)
    wait_status(lambda: lbs.get_health_monitor(monitor.id))


def test_batch_member_update(conn: Any, lb: Any) -> None:
    lbs = conn.load_balancer
    listener = lbs.create_listener(loadbalancer_id=lb.id, protocol="TCP", protocol_port=443)
    _settle(conn, lb.id)
    pool = lbs.create_pool(listener_id=listener.id, protocol="TCP", lb_algorithm="ROUND_ROBIN")
    _settle(conn, lb.id)
    lbs.create_member(pool.id, address="10.0.0.11", protocol_port=30080)
    _settle(conn, lb.id)
    wanted = [
        {"address": "10.0.0.12", "protocol_port": 30080},
        {"address": "10.0.0.13", "protocol_port": 30080},
    ]
    # openstacksdk has no method for this call; the proxy sends it to the catalog endpoint
    resp = lbs.put(f"/lbaas/pools/{pool.id}/members", json={"members": wanted})
    assert resp.status_code == 202, resp.text
    _settle(conn, lb.id)
    members = list(lbs.members(pool.id))
    assert sorted((m.address, m.protocol_port) for m in members) == [
        ("10.0.0.12", 30080),
        ("10.0.0.13", 30080),
    ]
    assert {m.provisioning_status for m in members} == {"ACTIVE"}


def test_tags(conn: Any, lb: Any) -> None:
    lbs = conn.load_balancer
    lbs.update_load_balancer(lb.id, tags=["kubernetes.io/cluster:devenv", "lbc:svc-uid"])
    got = _settle(conn, lb.id)
    assert sorted(got.tags) == ["kubernetes.io/cluster:devenv", "lbc:svc-uid"]
    found = list(lbs.load_balancers(tags="lbc:svc-uid"))
    assert [x.id for x in found] == [lb.id]


def test_cascade_delete(conn: Any, os_env: dict[str, str]) -> None:
    lbs = conn.load_balancer
    lb = lbs.create_load_balancer(
        name=unique("lbc-cascade"), vip_subnet_id=os_env["OS_VIP_SUBNET_ID"]
    )
    _settle(conn, lb.id)
    listener = lbs.create_listener(loadbalancer_id=lb.id, protocol="TCP", protocol_port=80)
    _settle(conn, lb.id)
    pool = lbs.create_pool(listener_id=listener.id, protocol="TCP", lb_algorithm="ROUND_ROBIN")
    _settle(conn, lb.id)
    lbs.create_member(pool.id, address="10.0.0.21", protocol_port=30080)
    _settle(conn, lb.id)
    lbs.delete_load_balancer(lb.id, cascade=True)
    wait_gone(lambda: lbs.find_load_balancer(lb.id))
    assert lbs.find_listener(listener.id) is None
    assert lbs.find_pool(pool.id) is None
