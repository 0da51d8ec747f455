"""Create, steady state, plan and delete, against the Compute fake, counting every call."""

from __future__ import annotations

from collections import Counter

import pytest

from lbcontroller.model import Node
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT
from providers.gcp.desired import EXTERNAL_PROBER_RANGES
from providers.gcp.ownership import CLUSTER_LABEL, read
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import ZONES, Gce
from tests.support.builders import CLUSTER, service, spec_of
from tests.support.calls import GceCalls

from . import views
from .support import change

pytestmark = pytest.mark.integration

TCP_UDP = ((80, "TCP", 30080), (53, "UDP", 30053))


def test_create_builds_everything_marked(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    lb = spec.ref.name
    status = provider.ensure(spec)
    ip = status.ingress[0].ip
    assert ip is not None
    mark = {"lbcontroller.io/cluster": CLUSTER, "lbcontroller.io/service": "default/web"}

    check = views.health(gce, lb)
    assert check is not None and read(check.description) == mark
    assert (check.type_, check.http_health_check.port) == ("HTTP", KUBE_PROXY_HEALTH_PORT)
    assert check.http_health_check.request_path == "/healthz"

    service_ = views.backend(gce, lb)
    assert service_ is not None and read(service_.description) == mark
    assert (service_.protocol, service_.load_balancing_scheme) == ("TCP", "EXTERNAL")
    assert [h.rsplit("/", 1)[-1] for h in service_.health_checks] == [lb]
    assert sorted(b.group.split("/zones/")[1] for b in service_.backends) == [
        f"{zone}/instanceGroups/{views.GROUP}" for zone in ZONES
    ]
    assert {b.balancing_mode for b in service_.backends} == {"CONNECTION"}
    assert views.members(gce, ZONES[0]) == {"node-a0", "node-a1"}
    assert views.members(gce, ZONES[1]) == {"node-b0"}

    (rule,) = views.rules(gce).values()
    assert (rule.name, rule.I_p_protocol, list(rule.ports)) == (f"{lb}-tcp", "TCP", ["80"])
    assert rule.I_p_address == ip and rule.backend_service.endswith(f"/backendServices/{lb}")
    assert read(rule.description) == mark and rule.labels[CLUSTER_LABEL] == CLUSTER
    address = views.addresses(gce)[lb]
    assert (address.address, address.status) == (ip, "IN_USE")
    assert read(address.description) == mark and address.labels[CLUSTER_LABEL] == CLUSTER

    walls = views.firewalls(gce)
    assert set(walls) == {lb, f"{lb}-hc"}
    assert [(a.I_p_protocol, list(a.ports)) for a in walls[lb].allowed] == [("tcp", ["80"])]
    assert list(walls[lb].source_ranges) == ["0.0.0.0/0"]
    assert list(walls[lb].destination_ranges) == [f"{ip}/32"]
    probes = walls[f"{lb}-hc"]
    assert [(a.I_p_protocol, list(a.ports)) for a in probes.allowed] == [("tcp", ["10256"])]
    assert sorted(probes.source_ranges) == sorted(EXTERNAL_PROBER_RANGES)
    assert all(read(w.description) == mark for w in walls.values())

    (owned,) = provider.list_owned()
    assert owned.ref == spec.ref and owned.cloud_id == service_.self_link


def test_second_ensure_reads_exactly(
    provider: GcpLoadBalancers, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    # that it writes nothing and keeps the address: the contract suite
    change(provider, tally, gce_nodes, service(ports=TCP_UDP), service(ports=TCP_UDP))
    assert tally.sequence() == [
        "healthChecks.get",
        "backendServices.get",
        "forwardingRules.list",
        "addresses.list",
        "firewalls.list",
        "instanceGroups.listInstances",
        "instanceGroups.listInstances",
    ]


def test_plan_names_the_actions_and_the_rules_a_port_change_recreates(
    provider: GcpLoadBalancers, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    # plan equals the writes of create, of a port added and of delete: the contract suite
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    planned = provider.plan(spec)
    assert {c.action for c in planned} == {"create", "update"}
    provider.ensure(spec)

    moved = spec_of(provider, service(ports=((8080, "TCP", 30080),)), gce_nodes[1:])
    planned = provider.plan(moved)
    tally.start()
    provider.ensure(moved)
    assert Counter(c.operation for c in planned) == tally.writes()
    assert tally.writes()["forwardingRules.delete"] == 2


def test_delete_empties_the_instance_groups(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    # that nothing else of ours is left, and a second delete writes nothing: the contract suite
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    provider.ensure(spec)
    provider.ensure_deleted(spec.ref)
    assert views.everything(gce)["groups"] == {zone: [] for zone in (*ZONES, "us-central1-c")}
