"""Neutron (ML2, no agents) through openstacksdk: the networks env-up made, a floating IP on the
external network, and the known gap: a floating IP cannot be associated with the VIP port that
Octavia's no-op network driver invents (Neutron answers 404)."""

from __future__ import annotations

from typing import Any

import openstack.exceptions
import pytest

from tests.devenv.openstack_env.support import OPENSTACK_MARKS

pytestmark = OPENSTACK_MARKS


def test_env_networks(conn: Any, os_env: dict[str, str]) -> None:
    subnet = conn.network.get_subnet(os_env["OS_VIP_SUBNET_ID"])
    assert subnet.network_id == os_env["OS_VIP_NETWORK_ID"]
    external = conn.network.get_network(os_env["OS_FLOATING_NETWORK_ID"])
    assert external.is_router_external


def test_floating_ip(conn: Any, os_env: dict[str, str]) -> None:
    fip = conn.network.create_ip(floating_network_id=os_env["OS_FLOATING_NETWORK_ID"])
    try:
        assert fip.floating_ip_address.startswith("203.0.113.")
        assert fip.project_id == conn.current_project_id
        assert conn.network.get_ip(fip.id).status == "DOWN"  # no L3 agent
    finally:
        conn.network.delete_ip(fip.id)
    assert conn.network.find_ip(fip.id) is None


def test_known_gap_fip_on_vip_port(conn: Any, lb: Any, os_env: dict[str, str]) -> None:
    """Documents the gap: Neutron has no port with the LB's vip_port_id."""
    assert conn.network.find_port(lb.vip_port_id) is None
    fip = conn.network.create_ip(floating_network_id=os_env["OS_FLOATING_NETWORK_ID"])
    try:
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.network.update_ip(fip.id, port_id=lb.vip_port_id)
    finally:
        conn.network.delete_ip(fip.id)
