"""Nodes: the cluster's shared per-zone groups, changed by member deltas only."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from lbcontroller.model import Node
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, ZONES, Admin, Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views
from .support import node_on

pytestmark = pytest.mark.integration


def test_node_changes_only_touch_group_members(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    provider.ensure(spec_of(provider, service(), gce_nodes))
    newcomer = node_on(admin, ZONES[1], "node-b1")
    tally.start()
    provider.update_backends(spec_of(provider, service(), (*gce_nodes[1:], newcomer)))
    assert tally.writes() == {
        "instanceGroups.addInstances": 1,
        "instanceGroups.removeInstances": 1,
    }
    assert views.members(gce, ZONES[0]) == {"node-a1"}
    assert views.members(gce, ZONES[1]) == {"node-b0", "node-b1"}  # a second run: the contract


def test_a_new_zone_gets_a_group_and_an_emptied_zone_loses_it(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    provider.ensure(spec)
    far = node_on(admin, "us-central1-c", "node-c0")
    tally.start()
    provider.update_backends(spec_of(provider, service(), (*gce_nodes, far)))
    assert tally.writes() == {
        "instanceGroups.insert": 1,
        "instanceGroups.addInstances": 1,
        "backendServices.update": 1,
    }
    assert views.members(gce, "us-central1-c") == {"node-c0"}

    tally.start()
    provider.update_backends(spec_of(provider, service(), gce_nodes[:2]))
    assert tally.writes() == {
        "instanceGroups.removeInstances": 2,
        "backendServices.update": 1,
        "instanceGroups.delete": 2,
    }
    assert views.members(gce, ZONES[1]) is None
    assert views.members(gce, "us-central1-c") is None
    service_ = views.backend(gce, spec.ref.name)
    assert service_ is not None
    assert [b.group.split("/zones/")[1].split("/")[0] for b in service_.backends] == [ZONES[0]]


def test_two_load_balancers_share_the_groups(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    first = spec_of(provider, service(name="one"), gce_nodes)
    second = spec_of(provider, service(name="two"), gce_nodes)
    ips = {provider.ensure(spec).ingress[0].ip for spec in (first, second)}
    assert len(ips) == 2
    assert [o.ref.service for o in provider.list_owned()] == ["one", "two"]
    provider.ensure_deleted(first.ref)
    assert views.members(gce, ZONES[0]) == {"node-a0", "node-a1"}
    assert views.backend(gce, second.ref.name) is not None
    provider.ensure_deleted(second.ref)
    assert views.members(gce, ZONES[0]) is None
    assert views.members(gce, ZONES[1]) is None


def test_nodes_of_another_cloud_or_project_are_not_backends(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    strangers = (
        dataclasses.replace(gce_nodes[0], name="aws", provider_id="aws:///us-east-1a/i-0123"),
        dataclasses.replace(
            gce_nodes[0], name="other", provider_id="gce://elsewhere/us-central1-a/x"
        ),
        dataclasses.replace(
            gce_nodes[0], name="far", provider_id=f"gce://{PROJECT}/europe-west1-b/y"
        ),
    )
    provider.ensure(spec_of(provider, service(), (*gce_nodes, *strangers)))
    assert views.members(gce, ZONES[0]) == {"node-a0", "node-a1"}


def test_concurrent_services_change_the_shared_groups_once(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    names = [f"svc-{i}" for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        ips = set(
            pool.map(
                lambda n: (
                    provider.ensure(spec_of(provider, service(name=n), gce_nodes)).ingress[0].ip
                ),
                names,
            )
        )
    assert len(ips) == 4
    newcomer = node_on(admin, ZONES[1], "node-b1")
    tally.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        specs = [spec_of(provider, service(name=n), (*gce_nodes, newcomer)) for n in names]
        list(pool.map(provider.update_backends, specs))
    assert tally.writes() == {"instanceGroups.addInstances": 1}
    assert views.members(gce, ZONES[1]) == {"node-b0", "node-b1"}
