"""Ownership: what is not marked ours is never changed or deleted, and never listed."""

from __future__ import annotations

import pytest
from google.cloud import compute_v1

from lbcontroller.errors import PermanentError
from lbcontroller.model import Node
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views

pytestmark = pytest.mark.integration

R = f"projects/{PROJECT}/regions/{REGION}"


def _plant(gce: Gce, prefix: str, description: str = "made by hand") -> None:
    """A complete look-alike load balancer named `prefix...`, without our mark."""
    check = compute_v1.HealthCheck(
        name=prefix,
        description=description,
        type_="TCP",
        tcp_health_check=compute_v1.TCPHealthCheck(port=8080),
    )
    gce.done(gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check))
    service = compute_v1.BackendService(
        name=prefix,
        description=description,
        protocol="TCP",
        load_balancing_scheme="EXTERNAL",
        health_checks=[f"{R}/healthChecks/{prefix}"],
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    address = compute_v1.Address(name=prefix, description=description)
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
    rule = compute_v1.ForwardingRule(
        name=f"{prefix}-tcp",
        description=description,
        I_p_address=gce.addresses.get(project=PROJECT, region=REGION, address=prefix).address,
        I_p_protocol="TCP",
        ports=["80"],
        backend_service=f"{R}/backendServices/{prefix}",
    )
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    for name in (prefix, f"{prefix}-hc"):
        wall = compute_v1.Firewall(
            name=name,
            description=description,
            allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=["80"])],
        )
        gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=wall))


def test_delete_spares_look_alikes(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    _plant(gce, f"{spec.ref.name}-x")  # similar names, no mark
    _plant(gce, spec_of(provider, service(name="other"), gce_nodes).ref.name)  # a sibling's names
    planted = views.everything(gce)
    provider.ensure(spec)
    assert len(views.rules(gce)) == 3
    provider.ensure_deleted(spec.ref)
    assert views.everything(gce) == planted


def test_same_names_without_our_mark_stop_everything(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    _plant(gce, spec.ref.name)
    planted = views.everything(gce)
    tally.start()
    with pytest.raises(PermanentError, match=f"'{spec.ref.name}' exists but does not carry"):
        provider.ensure(spec)
    provider.ensure_deleted(spec.ref)  # plan, plan_delete, list_owned: the contract suite
    assert tally.writes() == {}
    assert views.everything(gce) == planted


@pytest.mark.parametrize(
    ("kind", "description"),
    [
        ("health-check", "made by hand"),
        ("firewall", "made by hand"),
        ("address", '{"lbcontroller.io/cluster":"other","lbcontroller.io/service":"default/web"}'),
        ("firewall", '{"lbcontroller.io/cluster":"test","lbcontroller.io/service":"default/x"}'),
    ],
)
def test_one_foreign_resource_is_named_in_the_refusal(
    provider: GcpLoadBalancers,
    gce: Gce,
    gce_nodes: tuple[Node, ...],
    tally: GceCalls,
    kind: str,
    description: str,
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    name = spec.ref.name
    if kind == "health-check":
        check = compute_v1.HealthCheck(name=name, description=description, type_="TCP")
        gce.done(
            gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check)
        )
    elif kind == "address":
        address = compute_v1.Address(name=name, description=description)
        gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
    else:
        wall = compute_v1.Firewall(
            name=f"{name}-hc",
            description=description,
            allowed=[compute_v1.Allowed(I_p_protocol="tcp")],
        )
        gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=wall))
    tally.start()
    with pytest.raises(PermanentError, match=f"the {kind} '{name}"):
        provider.ensure(spec)
    assert tally.writes() == {}


def test_a_group_of_that_name_without_our_mark_is_not_used(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    group = compute_v1.InstanceGroup(name=views.GROUP, description="someone else's")
    gce.done(
        gce.instance_groups.insert(project=PROJECT, zone=ZONES[0], instance_group_resource=group)
    )
    with pytest.raises(PermanentError, match=f"instance-group '{views.GROUP}'"):
        provider.ensure(spec_of(provider, service(), gce_nodes))
    assert views.members(gce, ZONES[0]) == set()


def test_list_owned_lists_only_this_clusters(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(), gce_nodes)
    provider.ensure(spec)
    _plant(
        gce,
        "k8s-other-cluster",
        '{"lbcontroller.io/cluster":"other","lbcontroller.io/service":"a/b"}',
    )
    _plant(gce, "k8s-by-hand")
    assert [o.ref for o in provider.list_owned()] == [spec.ref]
