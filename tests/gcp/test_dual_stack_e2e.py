"""IPv6 and dual-stack Services through the controller, on the real (dual-stack) API server and
the Compute fake: one status entry per family in the Service's order, both families' forwarding
rules in GCE, ipFamilyPolicy switched back and forth in place, deletion leaving nothing, and
a Warning (nothing made) where the subnetwork has no IPv6 range."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from google.cloud import compute_v1

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from lbcontroller.spec import family_of
from tests.conftest import gce_url
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin, Gce
from tests.gcp import views
from tests.gcp.conftest import make_provider
from tests.gcp.test_service_e2e import PORTS, Stage
from tests.support import objects
from tests.support.calls import GceCalls
from tests.support.harness import make_controller, running, wait_for
from tests.support.stage import lb_class

pytestmark = pytest.mark.integration
StageOn = Callable[[str | None], Stage]


@pytest.fixture
def stage_on(
    kube: KubeClient, namespace: str, nodes: objects.Nodes, devenv: EnvState
) -> Iterator[StageOn]:
    """Start the controller with a provider on the given subnetwork (None: the default one,
    which has no IPv6); `dual` is made first, with an external IPv6 range."""
    url = gce_url(devenv)
    admin, gce = Admin(url), Gce(url)
    admin.reset()
    subnet = compute_v1.Subnetwork(
        name="dual",
        ip_cidr_range="10.10.0.0/20",
        stack_type="IPV4_IPV6",
        ipv6_access_type="EXTERNAL",
    )
    gce.done(gce.subnetworks.insert(project=PROJECT, region=REGION, subnetwork_resource=subnet))
    with ExitStack() as stack:

        def start(subnetwork: str | None) -> Stage:
            provider = make_provider(url, subnetwork=subnetwork)
            controller = make_controller(
                kube, {"gcp": (provider, lb_class("gcp", namespace))}, node_sync_delay=0.3
            )
            stage = Stage(
                kube, namespace, provider, GceCalls(admin), nodes, controller, admin=admin, gce=gce
            )
            stage.node(ZONES[0], "a0")
            stack.enter_context(running(controller))
            return stage

        yield start
    gce.close()


def _ingress(stage: Stage, name: str, count: int) -> list[str]:
    """The Service's status addresses, once it has `count` of them."""

    def found() -> list[str]:
        svc = objects.get_service(stage.kube, stage.namespace, name)
        ips = [str(i.ip) for i in svc.ingress] if svc is not None else []
        return ips if len(ips) == count else []

    return wait_for(found, timeout=30, what=f"{count} ingress entries of {name}")


def _create(stage: Stage, name: str, **spec: Any) -> None:
    objects.create_service(
        stage.kube, stage.namespace, name, lb_class=stage.lb_class, ports=PORTS, **spec
    )


def _families(gce: Gce) -> dict[str, str]:
    """Forwarding rule name -> the family of its address."""
    return {n: family_of(r.I_p_address) for n, r in views.rules(gce).items()}


def _gone(stage: Stage, name: str) -> None:
    objects.delete_service(stage.kube, stage.namespace, name)
    wait_for(
        lambda: objects.get_service(stage.kube, stage.namespace, name) is None, what=f"{name} to go"
    )
    left = views.everything(stage.gce)
    assert left["rules"] == {} and left["addresses"] == {} and left["firewalls"] == {}
    assert left["backends"] == [] and left["checks"] == []


@pytest.mark.parametrize("families", [["IPv4", "IPv6"], ["IPv6", "IPv4"]])
def test_require_dual_stack_gets_both_families_in_order(
    stage_on: StageOn, families: list[str]
) -> None:
    stage = stage_on("dual")
    _create(stage, "web", ipFamilyPolicy="RequireDualStack", ipFamilies=families)
    ips = _ingress(stage, "web", 2)
    assert [family_of(ip) for ip in ips] == families
    stage.settle()
    assert sorted(_families(stage.gce).values()) == ["IPv4", "IPv6"]
    rules = views.rules(stage.gce)
    assert {r.I_p_address.partition("/")[0] for r in rules.values()} == set(ips)
    _gone(stage, "web")


def test_an_ipv6_only_service_gets_one_ipv6_entry(stage_on: StageOn) -> None:
    stage = stage_on("dual")
    _create(stage, "web", ipFamilyPolicy="SingleStack", ipFamilies=["IPv6"])
    (ip,) = _ingress(stage, "web", 1)
    assert ipaddress.ip_address(ip).version == 6
    stage.settle()
    assert list(_families(stage.gce).values()) == ["IPv6"]
    _gone(stage, "web")


def test_switching_the_policy_converges_in_place(stage_on: StageOn) -> None:
    stage = stage_on("dual")
    _create(stage, "web", ipFamilyPolicy="SingleStack", ipFamilies=["IPv4"])
    (v4,) = _ingress(stage, "web", 1)
    stage.settle()
    (ipv4_rule,) = views.rules(stage.gce).values()

    objects.patch_service(
        stage.kube, stage.namespace, "web", {"spec": {"ipFamilyPolicy": "PreferDualStack"}}
    )
    first, second = _ingress(stage, "web", 2)
    stage.settle()
    assert first == v4 and family_of(second) == "IPv6"
    rules = views.rules(stage.gce)
    assert rules[ipv4_rule.name].id == ipv4_rule.id and len(rules) == 2

    objects.patch_service(
        stage.kube,
        stage.namespace,
        "web",
        {"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}},
    )
    assert _ingress(stage, "web", 1) == [v4]
    stage.settle()
    rules = views.rules(stage.gce)
    assert list(rules) == [ipv4_rule.name] and rules[ipv4_rule.name].id == ipv4_rule.id
    assert set(views.addresses(stage.gce)) == {ipv4_rule.name.removesuffix("-tcp")}
    assert len(views.firewalls(stage.gce)) == 2
    _gone(stage, "web")


def test_ipv6_where_the_subnetwork_has_none_is_a_warning_and_nothing_made(
    stage_on: StageOn,
) -> None:
    stage = stage_on(None)
    _create(stage, "web", ipFamilyPolicy="RequireDualStack")
    warning = wait_for(
        lambda: [
            e
            for e in objects.events_for(stage.kube, stage.namespace, "web")
            if e["type"] == "Warning"
        ],
        what="a Warning Event",
    )[0]
    assert (
        "spec.ipFamilies" in warning["message"] and "no external IPv6 range" in warning["message"]
    )
    stage.settle()
    made = views.everything(stage.gce)
    assert made["rules"] == {} and made["addresses"] == {} and made["backends"] == []
