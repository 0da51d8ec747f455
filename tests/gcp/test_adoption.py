"""Taking over the load balancers cloud-provider-gcp made, keeping every IP, through the
controller on the real API server and the Compute fake.

The fake is seeded with exactly what upstream makes (`tests.gcp.upstream`) for three served
Services: `one` (external: target pool, legacy node health check, firewalls), `two` (internal:
backend service over upstream's `k8s-ig--<id>` groups, global health check, firewalls) and
`other`, whose class lbcontroller does not serve (so upstream's shared node health check and
its firewall stay in use). Each served Service carries upstream's IP in its status and GKE's
finalizer. A decoy rule and firewall under the upstream names of a fourth Service, `three`,
describe another Service and are never touched. lbcontroller (default provider, with
`upstreamClusterId`) takes `one` and `two` over: the same IP in the status, one load balancer
per Service, upstream's parts gone, the shared ones kept while `other` uses them. Deleting the
Services, then `other` through `ensure_deleted`, leaves nothing of either controller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from devenv.state import EnvState
from lbcontroller.gc import find_orphans
from lbcontroller.kube import KubeClient
from lbcontroller.model import FINALIZER, Service, node_from_json
from lbcontroller.naming import lb_name
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings, build_spec
from providers.gcp.provider import GcpLoadBalancers
from tests.conftest import gce_url
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin, Gce
from tests.gcp import upstream, views
from tests.gcp.conftest import make_provider
from tests.support.harness import CLUSTER, make_controller, running, wait_for
from tests.support.objects import Nodes, create_service, delete_service, events_for, get_service

pytestmark = pytest.mark.integration
CLUSTER_ID = "4f1e2d3c4b5a6978"  # GKE's cluster id (the ingress-uid), not the cluster's name
INTERNAL = {"networking.gke.io/load-balancer-type": "Internal"}
ELSEWHERE = "example.com/elsewhere"


@pytest.fixture
def cloud(devenv: EnvState) -> Iterator[tuple[Gce, Admin, GcpLoadBalancers]]:
    url = gce_url(devenv)
    gce = Gce(url)
    provider = make_provider(url, upstream_cluster_id=CLUSTER_ID)
    yield gce, Admin(url), provider
    provider.ctx.api.clients.close()
    gce.close()


def _served_by_upstream(kube: KubeClient, namespace: str, name: str, ip: str, gke: str) -> None:
    """What upstream leaves on a Service it serves: the IP in the status, GKE's finalizer."""
    kube.patch_service(
        namespace,
        name,
        {"metadata": {"finalizers": [gke, "service.kubernetes.io/load-balancer-cleanup"]}},
    )
    kube.patch_service_status(
        namespace, name, {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}
    )


def _service(kube: KubeClient, namespace: str, name: str) -> Service:
    found = get_service(kube, namespace, name)
    assert found is not None
    return found


def _ip(kube: KubeClient, namespace: str, name: str) -> str | None:
    found = get_service(kube, namespace, name)
    return found.ingress[0].ip if found is not None and found.ingress else None


def _exists(get: Any, **request: Any) -> bool:
    try:
        get(**request)
    except exceptions.NotFound:
        return False
    return True


def _decoy(gce: Gce, uid: str) -> dict[str, Any]:
    """A rule and firewall under upstream's names for `uid` that describe another Service."""
    lb = upstream.lb_name(uid)
    pool = compute_v1.TargetPool(name="decoy-pool", description="{}")
    gce.done(gce.target_pools.insert(project=PROJECT, region=REGION, target_pool_resource=pool))
    rule = compute_v1.ForwardingRule(
        name=lb,
        description=upstream.described("elsewhere/three"),
        I_p_protocol="TCP",
        port_range="80-80",
        target=f"{gce.base}/regions/{REGION}/targetPools/decoy-pool",
    )
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    upstream._firewall(
        gce, f"k8s-fw-{lb}", upstream.described("elsewhere/three", "1.2.3.4"), ["80"]
    )
    return _snapshot(gce, lb)


def _snapshot(gce: Gce, lb: str) -> dict[str, Any]:
    rule = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule=lb)
    wall = gce.firewalls.get(project=PROJECT, firewall=f"k8s-fw-{lb}")
    return {"rule": type(rule).to_dict(rule), "firewall": type(wall).to_dict(wall)}


def _plan(kube: KubeClient, provider: GcpLoadBalancers, service: Service) -> list[Any]:
    items, _ = kube.list("/api/v1/nodes")
    nodes = [node_from_json(item) for item in items]
    spec = build_spec(service, nodes, SpecSettings(cluster=CLUSTER), provider.parse_options)
    return list(provider.plan(spec))


def _taken_over(gce: Gce, kube: KubeClient, namespace: str, name: str, lb: str) -> bool:
    """Upstream's rule replaced by ours, the Service ensured and holding only our finalizer."""
    svc = _service(kube, namespace, name)
    reasons = {e.get("reason") for e in events_for(kube, namespace, name)}
    rules = views.rules(gce)
    swapped = lb not in rules and f"{lb_name(CLUSTER, namespace, name)}-tcp" in rules
    return swapped and svc.finalizers == (FINALIZER,) and "EnsuredLoadBalancer" in reasons


def test_upstream_load_balancers_are_taken_over_keeping_their_ips(
    kube: KubeClient,
    namespace: str,
    nodes: Nodes,
    cloud: tuple[Gce, Admin, GcpLoadBalancers],
) -> None:
    gce, admin, provider = cloud
    members: dict[str, list[str]] = {}
    for zone, suffix in ((ZONES[0], "a0"), (ZONES[1], "b0")):
        name = f"{nodes.prefix}-{suffix}"
        admin.instance(zone, name)
        nodes.add(suffix, provider_id=f"gce://{PROJECT}/{zone}/{name}")
        members[zone] = [name]
    instances = [f"/zones/{z}/instances/{n[0]}" for z, n in members.items()]

    one = create_service(kube, namespace, "one", lb_class=None)
    two = create_service(kube, namespace, "two", lb_class=None, annotations=INTERNAL)
    other = create_service(kube, namespace, "other", lb_class=ELSEWHERE)
    seeded = {
        "one": upstream.external(
            gce, uid=one.uid, key=one.key, cluster_id=CLUSTER_ID, instances=instances
        ),
        "other": upstream.external(
            gce, uid=other.uid, key=other.key, cluster_id=CLUSTER_ID, instances=instances
        ),
        "two": upstream.internal(
            gce,
            uid=two.uid,
            key=two.key,
            cluster_id=CLUSTER_ID,
            group_links=upstream.groups(gce, CLUSTER_ID, members),
        ),
    }
    for name, gke in (("one", "l4-netlb-v1"), ("other", "l4-netlb-v1"), ("two", "l4-ilb-v1")):
        _served_by_upstream(kube, namespace, name, seeded[name].ip, f"gke.networking.io/{gke}")
    three = create_service(kube, namespace, "three", lb_class=None)
    decoy = _decoy(gce, three.uid)
    _served_by_upstream(kube, namespace, "three", "198.51.100.9", "gke.networking.io/l4-netlb-v1")
    services = {n: _service(kube, namespace, n) for n in ("one", "two", "other", "three")}

    # gc sees upstream's load balancers as this cluster's (not the decoy), orphans once gone
    owned = provider.list_owned()
    rule_link = f"{gce.base}/regions/{REGION}/forwardingRules/"
    assert sorted(o.cloud_id for o in owned) == sorted(rule_link + seeded[n].lb for n in seeded)
    router = Router(
        routes={"gcp": Route(provider, SpecSettings(CLUSTER))}, classes={}, default="gcp"
    )
    orphans = find_orphans(
        owned={"gcp": owned}, services=[services["one"], services["two"]], router=router
    )
    assert [o.owned.cloud_id for o in orphans] == [rule_link + seeded["other"].lb]
    # the plans show the take-over, reading only
    for name, target in (("one", "target pool"), ("two", "backend service")):
        adopt = [c for c in _plan(kube, provider, services[name]) if c.action == "adopt"]
        assert [(c.kind, c.name) for c in adopt] == [("forwarding-rule", seeded[name].lb)], adopt
        assert target in adopt[0].detail and f"its IP {seeded[name].ip} is kept" in adopt[0].detail
    assert set(views.rules(gce)) == {seeded[n].lb for n in seeded} | {upstream.lb_name(three.uid)}

    controller = make_controller(kube, {"gcp": (provider, "unused")}, default="gcp")
    with running(controller):
        for name in ("one", "two"):
            wait_for(
                lambda n=name: _taken_over(gce, kube, namespace, n, seeded[n].lb),  # type: ignore[misc]
                timeout=60,
                what=f"{name} taken over",
            )
        wait_for(lambda: _ip(kube, namespace, "three") != "198.51.100.9", timeout=60, what="three")
        rules = views.rules(gce)
        services_now = list(gce.backend_services.list(project=PROJECT, region=REGION))
        for name in ("one", "two"):
            ours = lb_name(CLUSTER, namespace, name)
            assert _ip(kube, namespace, name) == seeded[name].ip
            on_ip = [r for r in rules.values() if r.I_p_address == seeded[name].ip]
            assert [(r.name, r.backend_service.rsplit("/", 1)[-1]) for r in on_ip] == [
                (f"{ours}-tcp", ours)
            ]
            key = services[name].key
            assert [b.name for b in services_now if key in b.description] == [ours]
        # upstream's parts of one and two are gone; other's and the decoy stay as they were
        walls = views.firewalls(gce)
        for name in ("one", "two"):
            assert f"k8s-fw-{seeded[name].lb}" not in walls
        assert not _exists(
            gce.target_pools.get, project=PROJECT, region=REGION, target_pool=seeded["one"].lb
        )
        assert views.backend(gce, seeded["two"].lb) is None
        assert not _exists(
            gce.global_health_checks.get, project=PROJECT, health_check=f"k8s-{CLUSTER_ID}-node"
        )
        assert f"k8s-{CLUSTER_ID}-node-hc" not in walls
        assert {f"k8s-fw-{seeded['other'].lb}", f"k8s-{CLUSTER_ID}-node-http-hc"} <= set(walls)
        assert gce.legacy("GET", f"k8s-{CLUSTER_ID}-node")["name"] == f"k8s-{CLUSTER_ID}-node"
        assert _exists(
            gce.target_pools.get, project=PROJECT, region=REGION, target_pool=seeded["other"].lb
        )
        assert _snapshot(gce, upstream.lb_name(three.uid)) == decoy
        # upstream's groups are lbcontroller's now, and still hold the nodes
        for zone, names in members.items():
            assert views.members(gce, zone, f"k8s-ig--{CLUSTER_ID}") == set(names)

        served = ("one", "two", "three")
        for name in served:
            delete_service(kube, namespace, name)
        wait_for(
            lambda: all(get_service(kube, namespace, n) is None for n in served),
            timeout=60,
            what="the three Services deleted",
        )
    provider.ensure_deleted(provider.list_owned()[0].ref)  # other: upstream's, not taken over
    assert set(views.rules(gce)) == {upstream.lb_name(three.uid)}
    assert _snapshot(gce, upstream.lb_name(three.uid)) == decoy
    assert set(views.firewalls(gce)) == {f"k8s-fw-{upstream.lb_name(three.uid)}"}
    assert [p.name for p in gce.target_pools.list(project=PROJECT, region=REGION)] == ["decoy-pool"]
    assert views.addresses(gce) == {}
    assert list(gce.backend_services.list(project=PROJECT, region=REGION)) == []
    assert list(gce.health_checks.list(project=PROJECT, region=REGION)) == []
    assert list(gce.global_health_checks.list(project=PROJECT)) == []
    assert gce.legacy("GET").get("items", []) == []
    for zone in ZONES:
        assert list(gce.instance_groups.list(project=PROJECT, zone=zone)) == []
