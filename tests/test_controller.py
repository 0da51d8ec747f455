"""The controller core against the real API server, with a recording provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from lbcontroller.model import EXCLUDE_LABEL, FINALIZER
from lbcontroller.naming import lb_name
from lbcontroller.spec import family_of
from tests.support.harness import CLUSTER, make_controller, running, wait_for
from tests.support.objects import (
    Nodes,
    create_service,
    delete_service,
    events_for,
    get_service,
    patch_service,
)
from tests.support.recording import NODE_LABELS, SIZE, RecordingProvider

CLASS = "test.lbcontroller.io/rec"


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


@pytest.fixture
def controller(
    kube: KubeClient, provider: RecordingProvider, namespace: str, nodes: Nodes
) -> Iterator[Controller]:
    nodes.add("a", labels={"pool": "a"}, ip="10.0.0.1")
    nodes.add("b", labels={"pool": "b"}, ip="10.0.0.2")
    made = make_controller(kube, {"rec": (provider, f"{CLASS}-{namespace}")})
    with running(made) as ctl:
        yield ctl


def cls(namespace: str) -> str:
    return f"{CLASS}-{namespace}"


def lb(namespace: str, name: str) -> str:
    return lb_name(CLUSTER, namespace, name)


def converged(kube: KubeClient, namespace: str, name: str) -> bool:
    svc = get_service(kube, namespace, name)
    return svc is not None and bool(svc.ingress)


def test_finalizer_first_then_delete_removes_it(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    seen: list[tuple[str, bool]] = []

    def check_finalizer(verb: str, _lb: str) -> None:
        svc = get_service(kube, namespace, "web")
        seen.append((verb, svc is not None and FINALIZER in svc.finalizers))

    provider.before_call = check_finalizer
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    assert seen[0] == ("ensure", True)
    svc = get_service(kube, namespace, "web")
    assert svc is not None and svc.ingress[0].ip == "192.0.2.1"

    delete_service(kube, namespace, "web")
    wait_for(lambda: get_service(kube, namespace, "web") is None, what="the Service to go")
    assert provider.writes() == [("create", lb(namespace, "web")), ("delete", lb(namespace, "web"))]
    assert provider.calls[-1] == ("ensure_deleted", lb(namespace, "web"))
    reasons = [e["reason"] for e in events_for(kube, namespace, "web")]
    for reason in (
        "EnsuringLoadBalancer",
        "EnsuredLoadBalancer",
        "DeletingLoadBalancer",
        "DeletedLoadBalancer",
    ):
        assert reason in reasons


def test_other_classes_and_cluster_ip_services_are_never_touched(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    create_service(kube, namespace, "theirs", lb_class="example.com/other")
    create_service(kube, namespace, "plain", lb_class=None)
    create_service(kube, namespace, "internal", lb_class=None, type="ClusterIP")
    create_service(kube, namespace, "ours", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "ours"), what="our Service")
    assert {name for _, name in provider.calls} == {lb(namespace, "ours")}
    for name in ("theirs", "plain", "internal"):
        svc = get_service(kube, namespace, name)
        assert svc is not None and not svc.finalizers and not svc.ingress


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"spec": {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}}, "listeners"),
        ({"spec": {"loadBalancerSourceRanges": ["10.1.0.0/16"]}}, "ranges"),
        ({"spec": {"externalTrafficPolicy": "Local"}}, "health"),
        ({"metadata": {"annotations": {SIZE: "3"}}}, "size"),
    ],
)
def test_a_change_reaches_the_provider_once_and_a_resync_writes_nothing(
    kube: KubeClient,
    namespace: str,
    provider: RecordingProvider,
    controller: Controller,
    change: dict[str, object],
    expect: str,
) -> None:
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    before = provider.snapshot()["lbs"][lb(namespace, "web")]["front"][expect]
    patch_service(kube, namespace, "web", change)
    wait_for(lambda: len(provider.writes()) == 2, what="the update")
    assert provider.writes()[1] == ("update", lb(namespace, "web"))
    assert provider.snapshot()["lbs"][lb(namespace, "web")]["front"][expect] != before

    resource_version = get_service(kube, namespace, "web").resource_version  # type: ignore[union-attr]
    controller.resync()
    wait_for(lambda: ("verify", lb(namespace, "web")) in provider.calls, what="the resync")
    wait_for(controller.queue_idle, what="the queue to drain")
    assert len(provider.writes()) == 2
    assert get_service(kube, namespace, "web").resource_version == resource_version  # type: ignore[union-attr]


def test_node_changes_update_only_backends_of_affected_load_balancers(
    kube: KubeClient,
    namespace: str,
    provider: RecordingProvider,
    controller: Controller,
    nodes: Nodes,
) -> None:
    create_service(kube, namespace, "all", lb_class=cls(namespace))
    create_service(
        kube, namespace, "pool-a", lb_class=cls(namespace), annotations={NODE_LABELS: "pool=a"}
    )
    for name in ("all", "pool-a"):
        wait_for(lambda n=name: converged(kube, namespace, n), what=f"{name} ingress")  # type: ignore[misc]
    assert provider.snapshot()["lbs"][lb(namespace, "pool-a")]["backends"] == [nodes.names[0]]
    provider.calls.clear()

    new = nodes.add("c", labels={"pool": "b"}, ip="10.0.0.3")
    wait_for(lambda: ("backends", lb(namespace, "all")) in provider.writes(), what="node add")
    wait_for(controller.queue_idle, what="the queue to drain")
    assert provider.writes()[-1:] == [("backends", lb(namespace, "all"))]
    assert all(verb == "update_backends" for verb, _ in provider.calls)
    assert new in provider.snapshot()["lbs"][lb(namespace, "all")]["backends"]
    updates = "lbcontroller_update_loadbalancer_host_latency_seconds_count"
    assert controller.metrics.registry.get_sample_value(updates, {"provider": "rec"}) == 1

    provider.calls.clear()
    writes = len(provider.writes())
    nodes.label(nodes.names[0], {EXCLUDE_LABEL: "true"})
    wait_for(lambda: len(provider.writes()) == writes + 2, what="label-out")
    assert sorted(provider.writes()[writes:]) == [
        ("backends", lb(namespace, "all")),
        ("backends", lb(namespace, "pool-a")),
    ]
    assert provider.snapshot()["lbs"][lb(namespace, "pool-a")]["backends"] == []
    assert {verb for verb, _ in provider.calls} == {"update_backends"}


def test_bad_annotation_gives_a_warning_event_and_no_provider_call(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    create_service(kube, namespace, "bad", lb_class=cls(namespace), annotations={SIZE: "huge"})
    warning = wait_for(
        lambda: [e for e in events_for(kube, namespace, "bad") if e["type"] == "Warning"],
        what="a Warning Event",
    )[0]
    assert warning["reason"] == "SyncLoadBalancerFailed"
    assert SIZE in warning["message"] and "'huge'" in warning["message"]
    assert provider.calls == []
    svc = get_service(kube, namespace, "bad")
    assert svc is not None and FINALIZER not in svc.finalizers


def test_a_service_that_stops_being_ours_loses_its_load_balancer(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    patch_service(
        kube,
        namespace,
        "web",
        {"spec": {"type": "ClusterIP", "loadBalancerClass": None, "externalTrafficPolicy": None}},
    )
    wait_for(lambda: ("delete", lb(namespace, "web")) in provider.writes(), what="the delete")
    wait_for(
        lambda: (s := get_service(kube, namespace, "web")) is not None and not s.finalizers,
        what="the finalizer to go",
    )
    svc = get_service(kube, namespace, "web")
    assert svc is not None and svc.type == "ClusterIP"
    assert svc.ingress == ()
    assert provider.snapshot()["lbs"] == {}


def test_a_lost_record_never_leaves_the_finalizer_stuck(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    patch_service(
        kube, namespace, "web", {"metadata": {"annotations": {"lbcontroller.io/provider": None}}}
    )
    delete_service(kube, namespace, "web")
    wait_for(lambda: get_service(kube, namespace, "web") is None, what="the Service to go")
    assert provider.snapshot()["lbs"] == {}


UPSTREAM_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
GKE_FINALIZER = "gke.networking.io/l4-netlb-v1"
OTHER_FINALIZER = "example.com/keep-me"


def test_taking_a_service_over_replaces_upstream_and_gke_cleanup_finalizers(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    """A Service migrated from a CCM (or GKE) carries their cleanup finalizers: ours replaces
    them, another controller's unrelated finalizer stays, and the delete never hangs."""
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    patch_service(
        kube,
        namespace,
        "web",
        {"metadata": {"finalizers": [UPSTREAM_FINALIZER, GKE_FINALIZER, OTHER_FINALIZER]}},
    )
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    svc = get_service(kube, namespace, "web")
    assert svc is not None and sorted(svc.finalizers) == sorted([OTHER_FINALIZER, FINALIZER])
    assert FINALIZER != UPSTREAM_FINALIZER

    delete_service(kube, namespace, "web")
    wait_for(lambda: ("delete", lb(namespace, "web")) in provider.writes(), what="the delete")
    wait_for(
        lambda: (s := get_service(kube, namespace, "web")) and s.finalizers == (OTHER_FINALIZER,),
        what="only the unrelated finalizer left",
    )
    patch_service(kube, namespace, "web", {"metadata": {"finalizers": None}})
    wait_for(lambda: get_service(kube, namespace, "web") is None, what="the Service to go")


def test_a_service_an_older_lbcontroller_made_keeps_its_load_balancer_under_our_finalizer(
    kube: KubeClient, namespace: str, provider: RecordingProvider, controller: Controller
) -> None:
    """Before it had its own finalizer, lbcontroller used upstream's: such a Service is still
    recognised as ours (no second create), and its finalizer is swapped for ours."""
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    patch_service(kube, namespace, "web", {"metadata": {"finalizers": [UPSTREAM_FINALIZER]}})
    wait_for(
        lambda: (s := get_service(kube, namespace, "web")) and s.finalizers == (FINALIZER,),
        what="our finalizer back in place of upstream's",
    )
    assert provider.writes() == [("create", lb(namespace, "web"))]


@pytest.mark.parametrize(
    ("policy", "families", "expected"),
    [
        pytest.param("SingleStack", None, ["IPv4"], id="single"),
        pytest.param("RequireDualStack", ["IPv6", "IPv4"], ["IPv6", "IPv4"], id="dual-v6-first"),
        pytest.param("PreferDualStack", None, ["IPv4", "IPv6"], id="prefer"),
    ],
)
def test_the_status_has_an_address_a_family_in_the_service_order(
    kube: KubeClient,
    namespace: str,
    controller: Controller,
    policy: str,
    families: list[str] | None,
    expected: list[str],
) -> None:
    """On the dual-stack API server: one ingress entry per family, in `spec.ipFamilies` order
    (the provider answers IPv4 first)."""
    spec: dict[str, Any] = {"ipFamilyPolicy": policy}
    if families:
        spec["ipFamilies"] = families
    made = create_service(kube, namespace, "web", lb_class=cls(namespace), **spec)
    assert list(made.ip_families) == expected  # the API server's choice
    wait_for(lambda: converged(kube, namespace, "web"), what="ingress")
    svc = get_service(kube, namespace, "web")
    assert svc is not None
    assert [family_of(i.ip or "") for i in svc.ingress] == expected


def _warnings(kube: KubeClient, namespace: str, name: str) -> dict[str, str]:
    events = events_for(kube, namespace, name)
    return {e["reason"]: e["message"] for e in events if e["type"] == "Warning"}


def test_failures_and_no_nodes_are_warned_with_upstream_reasons(
    kube: KubeClient,
    namespace: str,
    provider: RecordingProvider,
    controller: Controller,
    nodes: Nodes,
) -> None:
    """Users' alerts match the upstream service controller's reasons: a failed node update is
    UpdateLoadBalancerFailed, a failed delete DeleteLoadBalancerFailed, no node at all
    UnAvailableLoadBalancer."""
    create_service(
        kube, namespace, "nowhere", lb_class=cls(namespace), annotations={NODE_LABELS: "pool=z"}
    )
    create_service(kube, namespace, "web", lb_class=cls(namespace))
    for name in ("nowhere", "web"):
        wait_for(lambda n=name: converged(kube, namespace, n), what=f"{name} ingress")  # type: ignore[misc]
    assert _warnings(kube, namespace, "nowhere") == {
        "UnAvailableLoadBalancer": "There are no available nodes for LoadBalancer"
    }
    assert _warnings(kube, namespace, "web") == {}

    def refuse(verb: str, _: str) -> None:
        if verb in ("update_backends", "ensure_deleted"):
            raise RuntimeError(f"the cloud refused {verb}")

    registry = controller.metrics.registry
    errors = "lbcontroller_nodesync_error_total"
    assert registry.get_sample_value(errors, {"provider": "rec"}) is None
    provider.before_call = refuse
    nodes.add("c", ip="10.0.0.3")
    wait_for(
        lambda: "UpdateLoadBalancerFailed" in _warnings(kube, namespace, "web"),
        what="the failed node update's Warning",
    )
    assert (registry.get_sample_value(errors, {"provider": "rec"}) or 0) >= 1
    delete_service(kube, namespace, "web")
    wait_for(
        lambda: "DeleteLoadBalancerFailed" in _warnings(kube, namespace, "web"),
        what="the failed delete's Warning",
    )
    assert "SyncLoadBalancerFailed" not in _warnings(kube, namespace, "web")
    provider.before_call = None
    wait_for(lambda: get_service(kube, namespace, "web") is None, timeout=60, what="the delete")
