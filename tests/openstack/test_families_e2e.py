"""IPv6 and dual-stack Services through the controller, on the real API server (dual-stack
service CIDRs) and the real Octavia and Neutron of the devenv (whose VIP network has an IPv4 and
an IPv6 subnet, and whose Octavia gives each load balancer a real Neutron VIP port).

What a user sees: a RequireDualStack Service gets an entry per family in its ipFamilies order,
on one load balancer with an IPv4 VIP (behind the floating IP) and an additional IPv6 VIP; an
IPv6-only one gets its IPv6 VIP and no floating IP; switching ipFamilyPolicy makes the load
balancer anew (Octavia cannot add or drop an additional VIP) and keeps the floating IP, unless
IPv4 is dropped; deleting leaves no load balancer, floating IP or VIP port behind.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from lbcontroller.model import Service
from lbcontroller.spec import family_of, ref_for
from providers.openstack import families
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS
from tests.openstack import views
from tests.openstack.test_service_e2e import PORTS, Stage, stage
from tests.support.harness import wait_for
from tests.support.objects import (
    create_service,
    delete_service,
    get_service,
    node_body,
    patch_service,
)

pytestmark = OPENSTACK_MARKS
__all__ = ["stage"]  # the controller on the real servers (test_service_e2e's)
VIP4, VIP6, FLOATING = (
    ipaddress.ip_network(n) for n in ("10.64.0.0/24", "fd00:64::/64", "203.0.113.0/24")
)


def _dual_node(stage: Stage) -> None:
    """A node with an IPv4 and an IPv6 InternalIP (beside the fixture's IPv4-only ones)."""
    name = f"{stage.nodes.prefix}-dual"
    body = node_body(name, ip="10.0.0.21")
    body["status"]["addresses"].append({"type": "InternalIP", "address": "fd00::21"})
    stage.kube.request("POST", "/api/v1/nodes", body=body)
    stage.nodes.names.append(name)


def _service(stage: Stage, name: str) -> Service:
    svc = get_service(stage.kube, stage.namespace, name)
    assert svc is not None
    return svc


def _ingress(stage: Stage, name: str, count: int) -> list[str]:
    """The Service's ingress addresses once it has `count` of them."""

    def ips() -> list[str] | None:
        found = [str(entry.ip) for entry in _service(stage, name).ingress]
        return found if len(found) == count else None

    got = wait_for(ips, timeout=90, what=f"{count} ingress entries of {name}")
    assert isinstance(got, list)
    return got


def _vips(lb: Any) -> list[str]:
    return [lb.vip_address, *(v["ip_address"] for v in lb.additional_vips)]


def _create(stage: Stage, name: str, **spec: Any) -> None:
    create_service(stage.kube, stage.namespace, name, lb_class=stage.lb_class, ports=PORTS, **spec)


def test_dual_stack_and_ipv6_only(stage: Stage, conn: Any) -> None:
    _dual_node(stage)
    _create(stage, "dual", ipFamilyPolicy="RequireDualStack", ipFamilies=["IPv6", "IPv4"])
    _create(stage, "six", ipFamilyPolicy="SingleStack", ipFamilies=["IPv6"])

    six, floating = _ingress(stage, "dual", 2)  # in the Service's ipFamilies order
    assert ipaddress.ip_address(six) in VIP6 and ipaddress.ip_address(floating) in FLOATING
    lb = stage.lb("dual")
    vip4, vip6 = _vips(lb)
    assert (ipaddress.ip_address(vip4) in VIP4, vip6) == (True, six)
    (fip,) = views.floating_ips(conn, floating)
    assert (fip.port_id, fip.fixed_ip_address) == (lb.vip_port_id, vip4)
    tcp = views.pools(conn, lb.id)[f"{lb.name}-tcp-80"]
    addresses = {m[1] for m in views.members(conn, tcp.id)}
    assert addresses == {"10.0.0.11", "10.0.0.12", "fd00::21"}  # the first family, if any

    (only,) = _ingress(stage, "six", 1)
    lb6 = stage.lb("six")
    assert (_vips(lb6), family_of(only)) == ([only], "IPv6")
    assert views.marked_ips(conn, ref_for(stage.cluster, _service(stage, "six"))) == []
    for listener in views.listeners(conn, lb6.id).values():
        assert listener.allowed_cidrs in (None, [])

    drop = {"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"]}}
    patch_service(stage.kube, stage.namespace, "dual", drop)
    (left,) = _ingress(stage, "dual", 1)
    stage.settle()
    assert family_of(left) == "IPv6" and views.floating_ips(conn, floating) == []


def test_ipv6_source_ranges_reach_the_listeners(stage: Stage, conn: Any) -> None:
    ranges = ["192.0.2.0/24", "2001:db8::/32"]
    _create(
        stage,
        "dual",
        ipFamilyPolicy="PreferDualStack",
        ipFamilies=["IPv4", "IPv6"],
        loadBalancerSourceRanges=ranges,
    )
    _ingress(stage, "dual", 2)
    for listener in views.listeners(conn, stage.lb("dual").id).values():
        assert sorted(listener.allowed_cidrs) == ranges


def _vip_ports(conn: Any, lb_ids: list[str]) -> list[Any]:
    names = {f"octavia-lb-{i}" for i in lb_ids}
    return [p for p in conn.network.ports(device_owner="Octavia") if p.name in names]


def test_policy_switch_recreates_and_delete_leaves_nothing(stage: Stage, conn: Any) -> None:
    _create(stage, "web")  # SingleStack IPv4: the API server's default
    (floating,) = _ingress(stage, "web", 1)
    first = stage.lb("web").id

    patch_service(
        stage.kube, stage.namespace, "web", {"spec": {"ipFamilyPolicy": "PreferDualStack"}}
    )
    assert _ingress(stage, "web", 2)[0] == floating  # IPv4 first, the same floating IP
    stage.settle()
    second = stage.lb("web")
    assert second.id != first and len(second.additional_vips) == 1
    assert conn.load_balancer.find_load_balancer(first) is None

    back = {"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}}
    patch_service(stage.kube, stage.namespace, "web", back)
    assert _ingress(stage, "web", 1) == [floating]
    stage.settle()
    third = stage.lb("web")
    assert third.id not in (first, second.id) and third.additional_vips == []
    assert conn.load_balancer.find_load_balancer(second.id) is None
    ref = ref_for(stage.cluster, _service(stage, "web"))

    delete_service(stage.kube, stage.namespace, "web")
    wait_for(
        lambda: get_service(stage.kube, stage.namespace, "web") is None,
        timeout=90,
        what="the Service to go",
    )
    assert views.load_balancers(conn, ref) == [] and views.marked_ips(conn, ref) == []
    assert views.floating_ips(conn, floating) == []
    assert _vip_ports(conn, [first, second.id, third.id]) == []


def test_the_local_octavia_has_additional_vips(provider: OpenStackLoadBalancers) -> None:
    """The version document the provider reads for a dual-stack Service, as it reads it."""
    assert families.newest(provider.ctx.api.octavia_versions()) == (2, 30)  # Octavia 19.0.0
