"""The GCP provider driven by the controller through the real API server, on our Compute fake.

The lifecycle a user sees: an address in the status; port, source-range and traffic-policy
changes in place (the address never changes); node changes as instance-group deltas; delete
leaving nothing of ours and sparing look-alikes; a user-reserved address surviving; an
operation that fails giving a Warning Event and a retry that converges.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from google.cloud import compute_v1

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from providers.gcp.provider import GcpLoadBalancers
from tests.conftest import gce_url
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin, Gce
from tests.gcp import views
from tests.gcp.conftest import make_provider
from tests.support.calls import GceCalls
from tests.support.harness import CLUSTER, make_controller, running, wait_for, wait_for_ingress
from tests.support.objects import (
    Nodes,
    create_service,
    delete_service,
    events_for,
    get_service,
    patch_service,
)
from tests.support.stage import Stage as BaseStage
from tests.support.stage import lb_class

pytestmark = pytest.mark.integration
PORTS = [{"name": "http", "port": 80, "protocol": "TCP"}]


@dataclass
class Stage(BaseStage[GcpLoadBalancers, GceCalls]):
    """One test's cluster, Compute fake and running controller."""

    CLOUD = "gcp"

    admin: Admin
    gce: Gce

    def create(self, name: str, **spec: object) -> str:
        create_service(self.kube, self.namespace, name, lb_class=self.lb_class, ports=PORTS, **spec)  # type: ignore[arg-type]
        return wait_for_ingress(self.kube, self.namespace, name)[name]

    def node(self, zone: str, suffix: str) -> str:
        """A Node (named like its instance) backed by a new instance in `zone`."""
        name = f"{self.nodes.prefix}-{suffix}"
        self.admin.instance(zone, name)
        return self.nodes.add(suffix, provider_id=f"gce://{PROJECT}/{zone}/{name}")


@pytest.fixture
def stage(kube: KubeClient, namespace: str, nodes: Nodes, devenv: EnvState) -> Iterator[Stage]:
    url = gce_url(devenv)
    admin, gce = Admin(url), Gce(url)
    provider = make_provider(url)
    controller = make_controller(
        kube, {"gcp": (provider, lb_class("gcp", namespace))}, node_sync_delay=0.3
    )
    made = Stage(
        kube, namespace, provider, GceCalls(admin), nodes, controller, admin=admin, gce=gce
    )
    made.node(ZONES[0], "a0")
    made.node(ZONES[1], "b0")
    with running(controller):
        yield made
    gce.close()


def _ip_of_rules(stage: Stage) -> set[str]:
    return {r.I_p_address for r in views.rules(stage.gce).values()}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            {"spec": {"ports": [*PORTS, {"name": "dns", "port": 53, "protocol": "UDP"}]}},
            id="add-udp-port",
        ),
        pytest.param({"spec": {"loadBalancerSourceRanges": ["192.0.2.0/24"]}}, id="ranges"),
        pytest.param({"spec": {"externalTrafficPolicy": "Local"}}, id="traffic-policy"),
    ],
)
def test_changes_apply_in_place_and_keep_the_address(
    stage: Stage, change: dict[str, object]
) -> None:
    address = stage.create("web")
    stage.settle()
    before = views.everything(stage.gce)
    stage.calls.start()
    patch_service(stage.kube, stage.namespace, "web", change)
    wait_for(lambda: views.everything(stage.gce) != before, what="the change to reach GCE")
    stage.settle()
    writes = stage.calls.writes()
    assert "addresses.insert" not in writes and "addresses.delete" not in writes
    assert _ip_of_rules(stage) == {address}
    svc = get_service(stage.kube, stage.namespace, "web")
    assert svc is not None and svc.ingress[0].ip == address


def test_node_changes_are_instance_group_deltas(stage: Stage) -> None:
    stage.create("web")
    stage.settle()
    stage.calls.start()
    name = stage.node(ZONES[0], "a1")
    wait_for(stage.calls.writes, what="the node to be added")
    stage.settle()
    assert stage.calls.writes() == {"instanceGroups.addInstances": 1}
    assert name in (views.members(stage.gce, ZONES[0], f"k8s-ig-{CLUSTER}") or set())
    stage.calls.start()
    stage.nodes.remove(name)
    wait_for(stage.calls.writes, what="the node to be removed")
    stage.settle()
    assert stage.calls.writes() == {"instanceGroups.removeInstances": 1}


def test_delete_leaves_nothing_of_ours_and_keeps_a_user_address(stage: Stage) -> None:
    reserved = compute_v1.Address(name="user-ip", description="reserved by hand")
    stage.gce.done(
        stage.gce.addresses.insert(project=PROJECT, region=REGION, address_resource=reserved)
    )
    user_ip = stage.gce.addresses.get(project=PROJECT, region=REGION, address="user-ip").address
    decoy = compute_v1.HealthCheck(
        name="k8s-decoy-hc", type_="TCP", tcp_health_check=compute_v1.TCPHealthCheck(port=1)
    )
    stage.gce.done(
        stage.gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=decoy)
    )
    assert stage.create("web", loadBalancerIP=user_ip) == user_ip
    stage.create("other")
    stage.settle()
    for name in ("web", "other"):
        delete_service(stage.kube, stage.namespace, name)
    for name in ("web", "other"):
        wait_for(
            lambda n=name: get_service(stage.kube, stage.namespace, n) is None,  # type: ignore[misc]
            timeout=30,
            what=f"{name} to go",
        )
    left = views.everything(stage.gce)
    assert left["rules"] == {} and left["backends"] == []
    assert [c["name"] for c in left["checks"]] == ["k8s-decoy-hc"]
    assert list(left["addresses"]) == ["user-ip"]
    assert left["addresses"]["user-ip"]["status"] == "RESERVED"
    assert left["firewalls"] == {}


def test_a_failed_operation_is_a_warning_and_a_retry_that_converges(stage: Stage) -> None:
    stage.admin.fail(  # not transient, so not retried within the call: the reconcile fails
        method="insert", collection="forwardingRules", count=1, code=403, reason="QUOTA_EXCEEDED"
    )
    create_service(stage.kube, stage.namespace, "web", lb_class=stage.lb_class, ports=PORTS)
    warning = wait_for(
        lambda: [
            e for e in events_for(stage.kube, stage.namespace, "web") if e["type"] == "Warning"
        ],
        what="a Warning Event",
    )[0]
    assert warning["reason"] == "SyncLoadBalancerFailed"
    address = wait_for_ingress(stage.kube, stage.namespace, "web", timeout=60)["web"]
    stage.settle()
    assert len(views.rules(stage.gce)) == 1
    assert _ip_of_rules(stage) == {address}
    assert len(views.addresses(stage.gce)) == 1


def _syncs(stage: Stage) -> float:
    """How many reconciles the controller has finished (its own metric)."""
    (metric,) = stage.controller.metrics.reconciles.collect()
    return float(sum(s.value for s in metric.samples if s.name.endswith("_total")))


def test_no_node_ports_gets_an_address_and_switching_keeps_it(stage: Stage) -> None:
    """allocateLoadBalancerNodePorts false: the passthrough load balancer needs no NodePort;
    allocating them (true) and removing them again (false) keeps the address and writes
    nothing to GCE."""
    address = stage.create("web", allocateLoadBalancerNodePorts=False)
    stage.settle()
    svc = get_service(stage.kube, stage.namespace, "web")
    assert svc is not None and [p.node_port for p in svc.ports] == [None]
    for allocate in (True, False):  # a list patch replaces the ports: none keeps a nodePort
        stage.calls.start()
        synced = _syncs(stage)
        patch_service(
            stage.kube,
            stage.namespace,
            "web",
            {"spec": {"allocateLoadBalancerNodePorts": allocate, "ports": PORTS}},
        )
        wait_for(
            lambda n=synced: _syncs(stage) > n,  # type: ignore[misc]
            what="the switch to be reconciled",
        )
        svc = get_service(stage.kube, stage.namespace, "web")
        assert svc is not None and all((p.node_port is not None) == allocate for p in svc.ports)
        stage.settle()
        assert stage.calls.writes() == {}
        assert _ip_of_rules(stage) == {address}
        svc = get_service(stage.kube, stage.namespace, "web")
        assert svc is not None and svc.ingress[0].ip == address
