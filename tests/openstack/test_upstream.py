"""cloud-provider-openstack's names and marks, and the defaults of `compatibility: upstream`
(pure: no server). What CPO itself makes is checked against the real CPO in test_adoption."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.model import Ingress
from lbcontroller.spec import LoadBalancerRef, LoadBalancerSpec, SpecSettings, build_spec
from lbcontroller.steps import Made
from providers.openstack import floating_ip
from providers.openstack import options as k
from providers.openstack.api import Api
from providers.openstack.context import Context, Settings
from providers.openstack.desired import desired, graph
from providers.openstack.loadbalancer import Vip
from providers.openstack.options import parse_options
from providers.openstack.upstream import Claim, Upstream, lb_name, legacy_name, ref_of
from providers.openstack.validate import validate
from tests.support.builders import service

from .support import NODES, TCP_UDP

SETTINGS = Settings(cluster="unit", vip_subnet_id="vip-subnet", floating_network_id="public")
UPSTREAM = dataclasses.replace(SETTINGS, compatibility="upstream", upstream_cluster="kubernetes")
UID = "7a3cfad7-cd7e-476e-a41a-a037e94e7230"
REF = LoadBalancerRef(cluster="unit", namespace="default", service="web", name="k8s-x", uid=UID)
CPO = "kube_service_kubernetes_default_web"
OURS = ("lbcontroller.io/cluster=unit", "lbcontroller.io/service=default/web")
LOCAL: dict[str, Any] = {"external_traffic_policy": "Local", "health_check_node_port": 32000}


def _spec(settings: Settings, **changes: Any) -> LoadBalancerSpec[Any]:
    svc = service(**{"ports": TCP_UDP, **changes})
    return build_spec(svc, NODES, SpecSettings(cluster=settings.cluster), parse_options)


def _lb(name: str = CPO, *tags: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {"id": "lb-1", "name": name, "tags": list(tags), "provisioning_status": status}


def test_names_are_cpos() -> None:
    assert lb_name("kubernetes", "default", "web") == CPO
    assert len(lb_name("c" * 300, "ns", "name")) == 255
    assert legacy_name(UID) == "a7a3cfad7cd7e476ea41aa037e94e723"
    names = Upstream.of(REF, "kubernetes", None)
    assert (names.name, names.legacy, names.served) == (CPO, legacy_name(UID), True)
    unserved = Upstream.of(dataclasses.replace(REF, uid=""), "kubernetes", None)
    assert (unserved.legacy, unserved.served) == (None, False)
    assert Upstream.of(dataclasses.replace(REF, uid=""), "kubernetes", "lb-1").served


@pytest.mark.parametrize(
    ("lb", "reason"),
    [
        (_lb(CPO, CPO), None),
        (_lb(legacy_name(UID), CPO, "user-tag"), None),
        (_lb("kube_service_kubernetes_default_other", CPO), "does not bear"),
        (_lb(CPO), "lacks cloud-provider-openstack's tag"),
        (_lb(CPO, CPO, "kube_service_kubernetes_default_api"), "shared with other Services"),
        (_lb(CPO, CPO, "lbcontroller.io/cluster=other"), "lbcontroller's marks"),
    ],
)
def test_what_cpo_made_for_the_service_alone(lb: dict[str, Any], reason: str | None) -> None:
    names = Upstream.of(REF, "kubernetes", None)
    refusal = names.refusal(lb)
    assert refusal is None if reason is None else reason in str(refusal)
    assert names.made(lb) is (reason is None)
    assert not names.made(_lb(CPO, CPO, status="PENDING_DELETE"))


def test_children_are_claimed_by_cpos_names_and_tag_only_on_its_load_balancer() -> None:
    names = Upstream.of(REF, "kubernetes", None)
    adopting, ours = Claim(OURS, names), Claim(OURS)
    cpo_listener = {"name": f"listener_0_{CPO}", "tags": [CPO]}
    old_listener = {"name": "listener_a7a3_0", "tags": [CPO]}
    cpo_pool = {"name": f"pool_1_{CPO}", "tags": []}
    other = {"name": "pool_0_kube_service_kubernetes_default_webx", "tags": []}
    mine = {"name": "k8s-x-tcp-80", "tags": list(OURS)}
    assert adopting.all([cpo_listener, old_listener, cpo_pool, other, mine]) == [
        cpo_listener,
        old_listener,
        cpo_pool,
        mine,
    ]
    assert ours.all([cpo_listener, cpo_pool, mine]) == [mine]


def test_cpos_floating_ip_is_known_by_its_description() -> None:
    names = Upstream.of(REF, "kubernetes", None)
    text = "Floating IP for Kubernetes external service default/web from cluster kubernetes"
    made = {"description": text}
    assert names.fip(made, REF)
    assert not names.fip({"description": made["description"].replace("web", "api")}, REF)
    assert not names.fip({"description": ""}, REF)


def test_gc_refs_of_what_cpo_made() -> None:
    ref = ref_of(_lb(CPO, CPO), cluster="unit", cpo_cluster="kubernetes")
    assert ref is not None and (ref.namespace, ref.service) == ("default", "web")
    assert ref.name == desired(_spec(SETTINGS), SETTINGS).ref.name  # ours, as gc compares
    assert ref_of(_lb(CPO), cluster="unit", cpo_cluster="kubernetes") is None
    assert ref_of(_lb(CPO, CPO), cluster="unit", cpo_cluster="other") is None
    assert ref_of(_lb(legacy_name(UID), CPO), cluster="unit", cpo_cluster="kubernetes") is None


def test_load_balancer_id_is_accepted() -> None:
    assert parse_options({k.LOAD_BALANCER_ID: "lb-1"}).load_balancer_id == "lb-1"
    want = desired(_spec(SETTINGS, annotations={k.LOAD_BALANCER_ID: "lb-1"}), UPSTREAM)
    assert (want.upstream.lb_id, want.upstream.name, want.upstream.served) == ("lb-1", CPO, True)


@pytest.mark.parametrize(
    ("settings", "annotations", "changes", "expected"),
    [
        # lbcontroller's own: HTTP on kube-proxy's health port, or healthCheckNodePort
        (SETTINGS, {}, {}, ("HTTP", "HTTP", 10256)),
        (SETTINGS, {}, LOCAL, ("HTTP", "HTTP", 32000)),
        # CPO's: none unless asked; then a connect to the member's port, or HTTP on hcnp
        (UPSTREAM, {}, {}, (None, None, None)),
        (UPSTREAM, {}, LOCAL, (None, None, None)),
        (UPSTREAM, {k.ENABLE_MONITOR: "true"}, {}, ("TCP", "UDP-CONNECT", None)),
        (UPSTREAM, {k.ENABLE_MONITOR: "true"}, LOCAL, ("HTTP", "HTTP", 32000)),
        (SETTINGS, {k.ENABLE_MONITOR: "false"}, {}, (None, None, None)),
    ],
)
def test_monitor_defaults(
    settings: Settings,
    annotations: dict[str, str],
    changes: dict[str, Any],
    expected: tuple[Any, ...],
) -> None:
    tcp, udp = desired(_spec(settings, annotations=annotations, **changes), settings).ports
    types = tuple(None if p.monitor is None else p.monitor.type for p in (tcp, udp))
    probes = {m.get("monitor_port") for m in tcp.members}
    assert (*types, *probes) == expected


def test_unprobed_local_is_refused_only_with_lbcontrollers_defaults() -> None:
    validate(_spec(UPSTREAM, **LOCAL), UPSTREAM)
    with pytest.raises(Unsupported, match="externalTrafficPolicy Local"):
        validate(_spec(SETTINGS, annotations={k.ENABLE_MONITOR: "false"}, **LOCAL), SETTINGS)


def test_client_ip_affinity_is_source_ip_persistence() -> None:
    sticky = desired(_spec(SETTINGS, session_affinity="ClientIP"), SETTINGS)
    assert {p.persistence for p in sticky.ports} == {"SOURCE_IP"}
    pools = [listener["default_pool"] for listener in graph(sticky)["listeners"]]
    assert [p["session_persistence"] for p in pools] == [{"type": "SOURCE_IP"}] * 2
    plain = desired(_spec(SETTINGS), SETTINGS)
    assert [p["default_pool"]["session_persistence"] for p in graph(plain)["listeners"]] == [
        None
    ] * 2


class _Neutron:
    """Answers the floating IP listings `floating_ip.steps` reads: none of ours, on the VIP
    port the floating IPs given (what CPO made there), and the user's by its address."""

    def __init__(self, on_port: list[dict[str, Any]], networks: list[dict[str, Any]]) -> None:
        self.on_port = on_port
        self.networks = networks
        self.asked: list[dict[str, Any]] = []

    def list(self, operation: str, service: str, path: str, params: dict[str, Any]) -> Any:
        self.asked.append(params)
        if path == "/networks":
            return self.networks
        if "floating_ip_address" in params:
            address = params["floating_ip_address"]
            return [{"id": "user", "floating_ip_address": address, "port_id": "vip-port"}]
        return self.on_port if "port_id" in params else []


def _fip_steps(
    on_port: list[dict[str, Any]],
    settings: Settings = UPSTREAM,
    networks: tuple[dict[str, Any], ...] = (),
    **changes: Any,
) -> tuple[list[Any], Any, Any]:
    neutron = _Neutron(on_port, list(networks))
    ctx = Context(api=cast(Api, neutron), settings=settings)
    svc = service("web", uid=UID, ingress=(Ingress(ip="203.0.113.7"),), **changes)
    spec = build_spec(svc, NODES, SpecSettings(cluster="unit"), parse_options)
    vip = Vip("lb", "10.0.0.5", "vip-port")
    steps, address = floating_ip.steps(ctx, desired(spec, settings), vip, made=Made())
    return [s.change for s in steps], address, neutron


def test_cpos_floating_ip_on_the_vip_is_kept_and_marked_as_ours() -> None:
    made = {
        "id": "fip-1",
        "floating_ip_address": "203.0.113.7",
        "floating_network_id": "public",
        "port_id": "vip-port",
        "description": "Floating IP for Kubernetes external service default/web "
        "from cluster kubernetes",
    }
    changes, address, neutron = _fip_steps([made])
    assert address is not None and address() == "203.0.113.7"
    assert [(c.action, c.name, c.detail) for c in changes] == [
        ("update", "203.0.113.7", "description")
    ]
    assert {"port_id": "vip-port"} in neutron.asked
    foreign = {**made, "description": "the user's"}
    changes, _, _ = _fip_steps([foreign])
    assert [c.operation for c in changes] == ["floatingips.create"]  # never taken
    _, _, neutron = _fip_steps([made], load_balancer_ip="203.0.113.9")
    assert {"port_id": "vip-port"} not in neutron.asked  # CPO makes none for a requested IP


def test_without_a_floating_network_upstreams_choice_is_made() -> None:
    unset = dataclasses.replace(UPSTREAM, floating_network_id=None)
    validate(_spec(unset), unset)
    own = dataclasses.replace(SETTINGS, floating_network_id=None)
    with pytest.raises(PermanentError, match="no floating network"):
        validate(_spec(own), own)
    external = ({"id": "bare", "subnets": []}, {"id": "ext", "subnets": ["s"]})
    changes, _, neutron = _fip_steps([], unset, external)
    assert [(c.operation, c.detail) for c in changes] == [
        ("floatingips.create", "from network ext, on the VIP port when Neutron knows it")
    ]
    assert {"router:external": True} in neutron.asked
    changes, address, _ = _fip_steps([], unset, external[:1])
    assert (changes, address) == ([], None)  # served on its VIP, as CPO does
