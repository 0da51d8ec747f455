"""Floating IPs: ours made, kept or released; a user's (spec.loadBalancerIP) used and never
released; associated with the VIP port, or, when Neutron does not know that port, left
unassociated.

The devenv's Octavia gives each load balancer a real Neutron VIP port (its network driver,
devenv/openstack_parts/in_venv/vip_ports.py), and a router joins the VIP subnets to the floating
network, so Neutron associates a floating IP as a cloud does. A VIP port Neutron does not know
(deleted behind Octavia's back here; a provider that keeps it elsewhere in a cloud) is read first
(`ports.get`): the floating IP is then left unassociated, with a warning, and still reported.
"""

from __future__ import annotations

import logging
from typing import Any

import openstack
import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.metrics import Metrics
from providers.openstack import options as k
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, unique
from tests.support.builders import service
from tests.support.calls import MetricCalls

from . import views
from .conftest import make_provider
from .support import TCP_UDP, second_router, spec_for

pytestmark = OPENSTACK_MARKS


def test_floating_ip_is_associated_with_the_vip_port(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec = spec_for(provider, service(ports=TCP_UDP))
    tally.start()
    address = provider.ensure(spec).ingress[0].ip
    lb = views.the_lb(conn, spec.ref)
    (fip,) = views.floating_ips(conn, str(address))
    assert (fip.port_id, fip.fixed_ip_address) == (lb.vip_port_id, lb.vip_address)
    assert tally.writes() == {"loadbalancers.create": 1, "floatingips.create": 1}


def test_vip_port_unknown_to_neutron_leaves_the_ip_unassociated(
    provider: OpenStackLoadBalancers,
    conn: Any,
    tally: MetricCalls,
    caplog: pytest.LogCaptureFixture,
) -> None:
    internal = {k.INTERNAL: "true"}
    provider.ensure(spec_for(provider, service(ports=TCP_UDP, annotations=internal)))
    spec = spec_for(provider, service(ports=TCP_UDP))
    lb = views.the_lb(conn, spec.ref)
    conn.network.delete_port(lb.vip_port_id)
    tally.start()
    with caplog.at_level(logging.WARNING, logger="providers.openstack.floating_ip"):
        address = provider.ensure(spec).ingress[0].ip
    (fip,) = views.floating_ips(conn, str(address))
    assert (fip.port_id, fip.status) == (None, "DOWN")
    assert tally.writes() == {"floatingips.create": 1}  # none failed
    assert f"Neutron has no VIP port {lb.vip_port_id}" in caplog.text


def test_requested_floating_ip_is_used_and_survives(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], tally: MetricCalls
) -> None:
    mine = conn.network.create_ip(
        floating_network_id=os_env["OS_FLOATING_NETWORK_ID"], description="the user's"
    )
    try:
        spec = spec_for(provider, service(load_balancer_ip=mine.floating_ip_address, ports=TCP_UDP))
        tally.start()
        assert provider.ensure(spec).ingress[0].ip == mine.floating_ip_address
        assert tally.writes() == {"loadbalancers.create": 1, "floatingips.update": 1}
        associated = conn.network.get_ip(mine.id).port_id
        assert associated == views.the_lb(conn, spec.ref).vip_port_id
        assert views.marked_ips(conn, spec.ref) == []
        provider.ensure_deleted(spec.ref)
        (left,) = views.floating_ips(conn, mine.floating_ip_address)
        assert (left.id, left.description) == (mine.id, "the user's")
    finally:
        conn.network.delete_ip(mine.id)


def test_switching_to_a_requested_ip_releases_ours(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], tally: MetricCalls
) -> None:
    ours = provider.ensure(spec_for(provider, service(ports=TCP_UDP))).ingress[0].ip
    theirs = conn.network.create_ip(floating_network_id=os_env["OS_FLOATING_NETWORK_ID"])
    try:
        tally.start()
        status = provider.ensure(
            spec_for(provider, service(load_balancer_ip=theirs.floating_ip_address, ports=TCP_UDP))
        )
        assert status.ingress[0].ip == theirs.floating_ip_address
        assert tally.writes() == {"floatingips.delete": 1, "floatingips.update": 1}  # + associate
        assert views.floating_ips(conn, str(ours)) == []
    finally:
        conn.network.delete_ip(theirs.id)


def test_missing_requested_ip_is_permanent(provider: OpenStackLoadBalancers) -> None:
    spec = spec_for(
        provider, service(ports=((80, "TCP", 30080),), load_balancer_ip="203.0.113.250")
    )
    with pytest.raises(PermanentError, match=r"no floating IP 203\.0\.113\.250") as caught:
        provider.ensure(spec)
    assert caught.value.field == "spec.loadBalancerIP"


def test_kept_floating_ip_is_handed_over(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    keep = {k.KEEP_FLOATING_IP: "true"}
    spec = spec_for(provider, service(annotations=keep, ports=TCP_UDP))
    address = str(provider.ensure(spec).ingress[0].ip)
    (fip,) = views.marked_ips(conn, spec.ref)
    assert fip.description.endswith("lbcontroller.io/keep-floating-ip=true")
    tally.start()
    provider.ensure_deleted(spec.ref)
    assert tally.writes() == {"floatingips.update": 1, "loadbalancers.delete": 1}
    (left,) = views.floating_ips(conn, address)
    try:
        assert (left.id, left.description, left.port_id) == (fip.id, "", None)
        assert views.marked_ips(conn, spec.ref) == [] and views.load_balancers(conn, spec.ref) == []
    finally:
        conn.network.delete_ip(left.id)


def test_keep_from_the_config_and_toggled_by_annotation(
    os_env: dict[str, str], cluster: str, conn: Any, metrics: Metrics, tally: MetricCalls
) -> None:
    provider = make_provider(os_env, cluster=cluster, metrics=metrics, keep_floating_ip=True)
    spec = spec_for(provider, service(ports=TCP_UDP))
    provider.ensure(spec)
    (fip,) = views.marked_ips(conn, spec.ref)
    assert fip.description.endswith("keep-floating-ip=true")
    tally.start()
    provider.ensure(
        spec_for(provider, service(annotations={k.KEEP_FLOATING_IP: "false"}, ports=TCP_UDP))
    )
    assert tally.writes() == {"floatingips.update": 1}
    (fip,) = views.marked_ips(conn, spec.ref)
    assert not fip.description.endswith("keep-floating-ip=true")


def test_floating_network_change_moves_our_ip(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], tally: MetricCalls
) -> None:
    admin = openstack.connect(cloud="devenv-admin")  # only an admin makes external networks
    network = admin.network.create_network(name=unique("lbc-public2"), is_router_external=True)
    admin.network.create_subnet(
        network_id=network.id, ip_version=4, cidr="198.18.0.0/24", enable_dhcp=False
    )
    spec = spec_for(provider, service(ports=((80, "TCP", 30080),)))
    vip = (os_env["OS_VIP_NETWORK_ID"], os_env["OS_VIP_SUBNET_ID"])
    try:
        with second_router(admin, network.id, *vip):  # Neutron associates only when routed
            first = provider.ensure(spec).ingress[0].ip
            moved = service(
                ports=((80, "TCP", 30080),), annotations={k.FLOATING_NETWORK_ID: network.id}
            )
            tally.start()
            address = provider.ensure(spec_for(provider, moved)).ingress[0].ip
            assert tally.writes() == {"floatingips.delete": 1, "floatingips.create": 1}
            assert str(address).startswith("198.18.0.")
            assert views.floating_ips(conn, str(first)) == []
            provider.ensure_deleted(spec.ref)  # its floating IP first: the router can go then
    finally:
        provider.ensure_deleted(spec.ref)  # its floating IP first: the network can go then
        admin.network.delete_network(network.id)


def test_without_a_floating_network_upstream_compatibility_finds_the_external_one(
    os_env: dict[str, str], cluster: str, conn: Any, metrics: Metrics
) -> None:
    # cloud-provider-openstack's choice when none is configured: the first external network with
    # a subnet (the devenv's public one); with none it would serve the Service on its VIP
    provider = make_provider(
        os_env, cluster=cluster, metrics=metrics, compatibility="upstream", floating_network_id=None
    )
    spec = spec_for(provider, service(ports=TCP_UDP))
    address = provider.ensure(spec).ingress[0].ip
    (fip,) = views.marked_ips(conn, spec.ref)
    external = [n.id for n in conn.network.networks(is_router_external=True) if n.subnet_ids]
    assert (fip.floating_ip_address, fip.floating_network_id) == (address, external[0])
    provider.ensure_deleted(spec.ref)
    assert views.floating_ips(conn, str(address)) == []
