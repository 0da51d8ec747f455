"""Taking over what cloud-provider-gcp made, through the provider's verbs on the Compute fake,
in the shapes the controller-level test (test_adoption) does not cover: externalTrafficPolicy
Local, the Standard tier, an address upstream left reserved, and an IP that cannot be kept.
Also sessionAffinity ClientIP, which upstream honours."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from lbcontroller.model import Node
from providers.gcp.api import OperationFailed
from providers.gcp.options import NETWORK_TIER, TYPE
from providers.gcp.ownership import TOOK_OVER
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin, Gce
from tests.support.builders import CLUSTER, service, spec_of
from tests.support.calls import GceCalls

from . import upstream, views
from .conftest import make_provider
from .upstream import Shape

pytestmark = pytest.mark.integration
UID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
LB = upstream.lb_name(UID)
INTERNAL = {TYPE: "Internal"}


def _spec(provider: GcpLoadBalancers, nodes: tuple[Node, ...], **fields: Any) -> Any:
    """The spec of a Service upstream served (so its ref carries the UID)."""
    spec = spec_of(provider, service(uid=UID, **fields), nodes)
    return dataclasses.replace(spec, ref=dataclasses.replace(spec.ref, uid=UID))


def _seed(gce: Gce, nodes: tuple[Node, ...], shape: Shape | None = None) -> upstream.Seeded:
    instances = [f"/zones/{n.provider_id.split('/')[3]}/instances/{n.name}" for n in nodes]
    return upstream.external(
        gce,
        uid=UID,
        key="default/web",
        cluster_id=CLUSTER,
        instances=instances,
        shape=shape or Shape(),
    )


def _nothing_of_upstreams(gce: Gce) -> None:
    assert LB not in views.rules(gce)
    assert list(gce.target_pools.list(project=PROJECT, region=REGION)) == []
    assert gce.legacy("GET").get("items", []) == []
    shared = f"k8s-{CLUSTER}-node"
    assert not [name for name in views.firewalls(gce) if LB in name or name.startswith(shared)]


def _nothing_left(provider: GcpLoadBalancers, gce: Gce, spec: Any) -> None:
    provider.ensure_deleted(spec.ref)
    _nothing_of_upstreams(gce)
    assert views.rules(gce) == {} and views.addresses(gce) == {} and views.firewalls(gce) == {}
    assert list(gce.backend_services.list(project=PROJECT, region=REGION)) == []
    for zone in ZONES:
        assert list(gce.instance_groups.list(project=PROJECT, zone=zone)) == []


def test_a_local_traffic_load_balancer_is_taken_over(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    seeded = _seed(gce, gce_nodes, Shape(local_port=31000))
    spec = _spec(provider, gce_nodes, external_traffic_policy="Local", health_check_node_port=31000)
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    _nothing_of_upstreams(gce)
    assert set(views.firewalls(gce)) == {spec.ref.name, f"{spec.ref.name}-hc"}
    tally.start()
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    assert tally.writes() == {}
    _nothing_left(provider, gce, spec)


def test_the_standard_tier_is_kept(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    seeded = _seed(gce, gce_nodes, Shape(tier="STANDARD"))
    spec = _spec(provider, gce_nodes, annotations={NETWORK_TIER: "Standard"})
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    (rule,) = views.rules(gce).values()
    assert (rule.I_p_address, rule.network_tier) == (seeded.ip, "STANDARD")
    assert views.addresses(gce)[spec.ref.name].network_tier == "STANDARD"
    _nothing_left(provider, gce, spec)


def test_an_address_upstream_left_reserved_serves_as_ours(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    seeded = _seed(gce, gce_nodes, Shape(address_kept=True))
    spec = _spec(provider, gce_nodes)
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    assert set(views.addresses(gce)) == {LB}
    tally.start()
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    assert tally.writes() == {}
    _nothing_left(provider, gce, spec)


def test_an_ip_that_cannot_be_kept_is_said_in_the_plan(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    seeded = _seed(gce, gce_nodes)
    spec = _spec(provider, gce_nodes, load_balancer_ip="198.18.1.200")
    plan = provider.plan(spec)
    why = f"{LB} on {seeded.ip} is not kept (spec.loadBalancerIP asks for 198.18.1.200)"
    assert [(c.action, c.name) for c in plan if why in c.detail] == [
        ("delete", LB),
        ("create", f"{spec.ref.name}-tcp"),
    ], plan
    assert not [c for c in plan if c.action == "adopt"]
    assert provider.ensure(spec).ingress[0].ip == "198.18.1.200"
    _nothing_of_upstreams(gce)
    _nothing_left(provider, gce, spec)


def test_client_ip_affinity_as_upstream_sets_it(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(session_affinity="ClientIP"), gce_nodes)
    provider.ensure(spec)
    found = views.backend(gce, spec.ref.name)
    assert found is not None and found.session_affinity == "CLIENT_IP"
    provider.ensure(spec_of(provider, service(), gce_nodes))
    found = views.backend(gce, spec.ref.name)
    assert found is not None and found.session_affinity == "NONE"


@pytest.mark.parametrize("by_gc", [False, True])
def test_a_take_over_cut_short_leaves_nothing_once_deleted(
    provider: GcpLoadBalancers, gce: Gce, admin: Admin, gce_nodes: tuple[Node, ...], by_gc: bool
) -> None:
    """The rule is swapped, then removing upstream's target pool fails: the Service is served
    on its IP by our rule (labelled with upstream's name), and deleting it removes the rest,
    also through the ref `gc` rebuilds from our marks (which carries no UID)."""
    seeded = _seed(gce, gce_nodes)
    spec = _spec(provider, gce_nodes)
    admin.fail(method="delete", collection="targetPools", code=400, message="refused")
    with pytest.raises(OperationFailed, match=r"targetPools\.delete failed"):
        provider.ensure(spec)
    (rule,) = views.rules(gce).values()
    assert (rule.I_p_address, rule.labels[TOOK_OVER]) == (seeded.ip, LB)
    assert [p.name for p in gce.target_pools.list(project=PROJECT, region=REGION)] == [LB]
    if by_gc:
        (owned,) = provider.list_owned()
        assert owned.ref == spec.ref and not owned.ref.uid
        spec = dataclasses.replace(spec, ref=owned.ref)
    _nothing_left(provider, gce, spec)


def test_an_internal_local_traffic_load_balancer_is_taken_over(
    gce_fake_url: str, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    """Upstream's own global check and its probers' rule `<lb>-hc` (described "") go too; its
    groups become lbcontroller's (`upstreamClusterId`)."""
    provider = make_provider(gce_fake_url, upstream_cluster_id=CLUSTER)
    members = {ZONES[0]: ["node-a0", "node-a1"], ZONES[1]: ["node-b0"]}
    links = upstream.groups(gce, CLUSTER, members)
    seeded = upstream.internal(
        gce, uid=UID, key="default/web", cluster_id=CLUSTER, group_links=links, local_port=31000
    )
    spec = _spec(
        provider,
        gce_nodes,
        annotations=INTERNAL,
        external_traffic_policy="Local",
        health_check_node_port=31000,
    )
    assert provider.ensure(spec).ingress[0].ip == seeded.ip
    assert list(gce.global_health_checks.list(project=PROJECT)) == []
    assert views.backend(gce, LB) is None
    assert set(views.firewalls(gce)) == {spec.ref.name, f"{spec.ref.name}-hc"}
    assert views.members(gce, ZONES[0], f"k8s-ig--{CLUSTER}") == {"node-a0", "node-a1"}
    _nothing_left(provider, gce, spec)
    provider.ctx.api.clients.close()
