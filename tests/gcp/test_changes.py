"""Service changes converge in place: only what changed is written, the IP is kept."""

from __future__ import annotations

import pytest

from lbcontroller.model import Node
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views
from .support import change

pytestmark = pytest.mark.integration

TCP_UDP = ((80, "TCP", 30080), (53, "UDP", 30053))


def test_port_change_recreates_the_rule_on_the_same_address(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    both = service(ports=((80, "TCP", 30080), (443, "TCP", 30443)))
    moved = change(provider, tally, gce_nodes, service(), both)
    ip, spec = moved.before, moved.spec  # that the address stays: the contract suite
    assert moved.writes == {
        "forwardingRules.delete": 1,
        "forwardingRules.insert": 1,
        "firewalls.patch": 1,
    }
    (rule,) = views.rules(gce).values()
    assert (rule.I_p_address, sorted(rule.ports)) == (ip, ["443", "80"])
    assert views.addresses(gce)[spec.ref.name].address == ip
    allowed = views.firewalls(gce)[spec.ref.name].allowed
    assert [(a.I_p_protocol, sorted(a.ports)) for a in allowed] == [("tcp", ["443", "80"])]


def test_source_range_change_patches_the_firewall_only(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    ranges = ["203.0.113.0/24", "198.51.100.0/24"]
    moved = change(provider, tally, gce_nodes, service(), service(source_ranges=tuple(ranges)))
    assert moved.writes == {"firewalls.patch": 1}
    wall = views.firewalls(gce)[moved.spec.ref.name]
    assert sorted(wall.source_ranges) == sorted(ranges)


def test_traffic_policy_switch_changes_the_health_check(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    local = service(external_traffic_policy="Local", health_check_node_port=32123)
    for old, new, port in (
        (service(), local, 32123),
        (local, service(), KUBE_PROXY_HEALTH_PORT),
    ):
        moved = change(provider, tally, gce_nodes, old, new)
        assert moved.writes == {"healthChecks.patch": 1, "firewalls.patch": 1}
        lb = moved.spec.ref.name
        check = views.health(gce, lb)
        assert check is not None and check.http_health_check.port == port
        probes = views.firewalls(gce)[f"{lb}-hc"]
        assert [list(a.ports) for a in probes.allowed] == [[str(port)]]


def test_tcp_and_udp_are_two_rules_on_one_address(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    moved = change(provider, tally, gce_nodes, service(), service(ports=TCP_UDP))
    ip = moved.before
    assert moved.after == ip
    assert moved.writes == {
        "backendServices.update": 1,
        "forwardingRules.insert": 1,
        "firewalls.patch": 1,
    }
    found = views.rules(gce)
    lb = moved.spec.ref.name
    assert {n: (r.I_p_protocol, r.I_p_address, list(r.ports)) for n, r in found.items()} == {
        f"{lb}-tcp": ("TCP", ip, ["80"]),
        f"{lb}-udp": ("UDP", ip, ["53"]),
    }
    service_ = views.backend(gce, lb)
    assert service_ is not None and service_.protocol == "UNSPECIFIED"
    allowed = views.firewalls(gce)[lb].allowed
    assert sorted((a.I_p_protocol, list(a.ports)) for a in allowed) == [
        ("tcp", ["80"]),
        ("udp", ["53"]),
    ]
    back = change(provider, tally, gce_nodes, service(ports=TCP_UDP), service())
    assert back.writes == {
        "forwardingRules.delete": 1,
        "backendServices.update": 1,
        "firewalls.patch": 1,
    }
    assert set(views.rules(gce)) == {f"{lb}-tcp"}


def test_more_than_five_ports_use_all_ports(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    ports = tuple((8000 + i, "TCP", 30000 + i) for i in range(6))
    spec = spec_of(provider, service(ports=ports), gce_nodes)
    provider.ensure(spec)
    (rule,) = views.rules(gce).values()
    assert rule.all_ports and not rule.ports
    (allowed,) = views.firewalls(gce)[spec.ref.name].allowed
    assert sorted(allowed.ports) == [str(8000 + i) for i in range(6)]
    assert provider.plan(spec) == []
