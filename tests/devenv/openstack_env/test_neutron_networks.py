"""Neutron (ML2, no agents) through openstacksdk: the networks env-up made (an IPv4 and an IPv6
VIP subnet, routed to the external network), a floating IP on the external network, and
Octavia's VIPs as real Neutron ports (the devenv's network driver): one fixed IP per VIP subnet,
a floating IP associated with it, the port gone with the load balancer."""

from __future__ import annotations

from typing import Any

from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique, wait_gone, wait_status

pytestmark = OPENSTACK_MARKS


def test_env_networks(conn: Any, os_env: dict[str, str]) -> None:
    subnet = conn.network.get_subnet(os_env["OS_VIP_SUBNET_ID"])
    assert subnet.network_id == os_env["OS_VIP_NETWORK_ID"]
    six = conn.network.get_subnet(os_env["OS_VIP_IPV6_SUBNET_ID"])
    assert (six.network_id, six.ip_version) == (os_env["OS_VIP_NETWORK_ID"], 6)
    external = conn.network.get_network(os_env["OS_FLOATING_NETWORK_ID"])
    assert external.is_router_external
    router = conn.network.find_router("lbc-router", ignore_missing=False)
    assert router.external_gateway_info["network_id"] == external.id
    joined = {
        ip["subnet_id"] for p in conn.network.ports(device_id=router.id) for ip in p.fixed_ips
    }
    assert {subnet.id, six.id} <= joined


def test_floating_ip(conn: Any, os_env: dict[str, str]) -> None:
    fip = conn.network.create_ip(floating_network_id=os_env["OS_FLOATING_NETWORK_ID"])
    try:
        assert fip.floating_ip_address.startswith("203.0.113.")
        assert fip.project_id == conn.current_project_id
        assert conn.network.get_ip(fip.id).status == "DOWN"  # no L3 agent
    finally:
        conn.network.delete_ip(fip.id)
    assert conn.network.find_ip(fip.id) is None


def test_vip_port_takes_a_floating_ip(conn: Any, lb: Any, os_env: dict[str, str]) -> None:
    port = conn.network.get_port(lb.vip_port_id)
    assert [ip["ip_address"] for ip in port.fixed_ips] == [lb.vip_address]
    fip = conn.network.create_ip(floating_network_id=os_env["OS_FLOATING_NETWORK_ID"])
    try:
        moved = conn.network.update_ip(fip.id, port_id=lb.vip_port_id)
        assert (moved.port_id, moved.fixed_ip_address) == (port.id, lb.vip_address)
    finally:
        conn.network.delete_ip(fip.id)


def test_dual_stack_vip_port_goes_with_its_load_balancer(conn: Any, os_env: dict[str, str]) -> None:
    lbs = conn.load_balancer
    made = lbs.create_load_balancer(
        name=unique("lbc-dual"),
        vip_subnet_id=os_env["OS_VIP_SUBNET_ID"],
        additional_vips=[{"subnet_id": os_env["OS_VIP_IPV6_SUBNET_ID"]}],
    )
    lb = wait_status(lambda: lbs.get_load_balancer(made.id))
    (extra,) = lb.additional_vips
    port = conn.network.get_port(lb.vip_port_id)
    assert sorted(ip["ip_address"] for ip in port.fixed_ips) == sorted(
        [lb.vip_address, extra["ip_address"]]
    )
    assert extra["ip_address"].startswith("fd00:64::")
    lbs.delete_load_balancer(lb.id, cascade=True)
    wait_gone(lambda: lbs.find_load_balancer(lb.id))
    assert conn.network.find_port(port.id) is None
