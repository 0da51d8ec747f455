"""build_spec: the desired load balancer as a pure function of Service, Nodes and settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from lbcontroller import annotations as ann
from lbcontroller.errors import InvalidAnnotation, PermanentError, Unsupported
from lbcontroller.model import EXCLUDE_LABEL, Ingress, Node, Service, ServicePort
from lbcontroller.naming import lb_name
from lbcontroller.spec import (
    IPV4,
    SOURCE_RANGES_ANNOTATION,
    Backend,
    HealthCheck,
    Listener,
    LoadBalancerSpec,
    SpecSettings,
    build_spec,
    check_families,
    ordered_ingress,
    ref_for,
)
from tests.support.builders import HTTP, node, service

INTERNAL = "example.com/internal"
NODE_LABELS = "example.com/node-labels"


@dataclass(frozen=True)
class Options:
    """A provider's parsed options, as small as the core's protocol allows."""

    internal: bool = False
    node_labels: Mapping[str, str] = field(default_factory=dict)


def parse(annotations: Mapping[str, str]) -> Options:
    """A provider-style option parser built from the shared annotation readers."""
    return Options(
        internal=ann.get_bool(annotations, INTERNAL),
        node_labels=ann.get_map(annotations, NODE_LABELS),
    )


def build(
    svc: Service,
    nodes: Sequence[Node] = (),
    *,
    selector: Mapping[str, str] | None = None,
    needs_node_ports: bool = True,
) -> LoadBalancerSpec[Options]:
    settings = SpecSettings(
        cluster="prod", node_selector=dict(selector or {}), needs_node_ports=needs_node_ports
    )
    return build_spec(svc, nodes, settings, parse)


def test_ref_names_the_service_and_its_load_balancer() -> None:
    ref = build(service()).ref
    assert (ref.cluster, ref.namespace, ref.service) == ("prod", "default", "web")
    assert ref.name == lb_name("prod", "default", "web")
    assert ref.service_key == "default/web"


UDP_NO_NODE_PORT = ServicePort(name="dns", protocol="UDP", port=53, node_port=None)
TLS = ServicePort(name="tls", protocol="TCP", port=443, node_port=30443)


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        pytest.param((HTTP,), (Listener("TCP", 80, 30080),), id="one"),
        pytest.param(
            (HTTP, TLS), (Listener("TCP", 80, 30080), Listener("TCP", 443, 30443)), id="two"
        ),
        pytest.param(
            (UDP_NO_NODE_PORT, TLS), (Listener("TCP", 443, 30443),), id="skip-no-nodeport"
        ),
    ],
)
def test_listeners_only_for_ports_with_a_node_port(
    ports: tuple[ServicePort, ...], expected: tuple[Listener, ...]
) -> None:
    assert build(service(ports=ports)).listeners == expected


@pytest.mark.parametrize(
    "ports", [pytest.param((), id="no-ports"), pytest.param((UDP_NO_NODE_PORT,), id="no-nodeport")]
)
def test_no_node_port_at_all_is_a_permanent_error_on_spec_ports(
    ports: tuple[ServicePort, ...],
) -> None:
    with pytest.raises(PermanentError) as caught:
        build(service(ports=ports))
    assert caught.value.field == "spec.ports"
    assert "nodePort" in caught.value.message


def test_a_provider_that_needs_no_node_port_gets_every_port() -> None:
    spec = build(service(ports=(UDP_NO_NODE_PORT, TLS)), needs_node_ports=False)
    assert spec.listeners == (Listener("UDP", 53, None), Listener("TCP", 443, 30443))
    with pytest.raises(PermanentError) as caught:
        spec.listeners[0].target_port  # noqa: B018 (the property raises)
    assert caught.value.field == "spec.ports"


@pytest.mark.parametrize(
    ("policy", "hc_node_port", "expected"),
    [
        pytest.param("Local", 32000, HealthCheck("HTTP", 32000, "/healthz"), id="local"),
        pytest.param("Local", None, HealthCheck("HTTP", 10256, "/healthz"), id="local-no-port"),
        pytest.param("Cluster", None, HealthCheck("HTTP", 10256, "/healthz"), id="cluster"),
        pytest.param("Cluster", 32000, HealthCheck("HTTP", 10256, "/healthz"), id="cluster-port"),
    ],
)
def test_health_check(policy: str, hc_node_port: int | None, expected: HealthCheck) -> None:
    svc = service(external_traffic_policy=policy, health_check_node_port=hc_node_port)
    assert build(svc).health_check == expected


@pytest.mark.parametrize(
    ("ranges", "annotation", "families", "expected"),
    [
        pytest.param((), None, ("IPv4",), ("0.0.0.0/0",), id="default-ipv4"),
        pytest.param((), None, ("IPv4", "IPv6"), ("0.0.0.0/0", "::/0"), id="default-dual"),
        pytest.param((), None, ("IPv6",), ("0.0.0.0/0", "::/0"), id="default-ipv6"),
        pytest.param(
            ("192.168.1.7/16", " 10.0.0.0/8 ", "10.1.2.3/8"),
            None,
            ("IPv4",),
            ("10.0.0.0/8", "192.168.0.0/16"),
            id="spec-normalised-sorted-deduped",
        ),
        pytest.param(("fd00::1/64",), None, ("IPv6",), ("fd00::/64",), id="spec-ipv6-no-default"),
        pytest.param(
            (),
            "203.0.113.9/24, 198.51.100.0/24,203.0.113.0/24",
            ("IPv4",),
            ("198.51.100.0/24", "203.0.113.0/24"),
            id="annotation",
        ),
        pytest.param(("10.0.0.0/8",), "203.0.113.0/24", ("IPv4",), ("10.0.0.0/8",), id="spec-wins"),
        pytest.param((), " , ", ("IPv4",), ("0.0.0.0/0",), id="blank-annotation-default"),
    ],
)
def test_source_ranges(
    ranges: tuple[str, ...],
    annotation: str | None,
    families: tuple[str, ...],
    expected: tuple[str, ...],
) -> None:
    annotations = {} if annotation is None else {SOURCE_RANGES_ANNOTATION: annotation}
    svc = service(source_ranges=ranges, annotations=annotations, ip_families=families)
    assert build(svc).source_ranges == expected


def test_bad_spec_cidr_names_its_index() -> None:
    svc = service(source_ranges=("10.0.0.0/8", "10.0.0.0/99"))
    with pytest.raises(PermanentError) as caught:
        build(svc)
    assert caught.value.field == "spec.loadBalancerSourceRanges[1]"
    assert caught.value.message == "spec.loadBalancerSourceRanges[1]: '10.0.0.0/99' is not a CIDR"


def test_bad_annotation_cidr_names_the_annotation() -> None:
    svc = service(annotations={SOURCE_RANGES_ANNOTATION: "10.0.0.0/8,example.com"})
    with pytest.raises(InvalidAnnotation) as caught:
        build(svc)
    assert caught.value.annotation == SOURCE_RANGES_ANNOTATION
    assert "'example.com' is not a CIDR" in caught.value.message


@pytest.mark.parametrize(
    ("families", "expected"),
    [
        pytest.param((), ("IPv4",), id="default"),
        pytest.param(("IPv6", "IPv4"), ("IPv6", "IPv4"), id="kept-in-order"),
    ],
)
def test_ip_families(families: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert build(service(ip_families=families)).ip_families == expected


@pytest.mark.parametrize("requested", [None, "203.0.113.10"])
def test_requested_ip(requested: str | None) -> None:
    assert build(service(load_balancer_ip=requested)).requested_ip == requested


def test_options_come_from_the_annotations() -> None:
    spec = build(service(annotations={INTERNAL: "true"}))
    assert spec.internal is True
    assert spec.options == Options(internal=True)


def test_bad_option_annotation_propagates() -> None:
    with pytest.raises(InvalidAnnotation):
        build(service(annotations={INTERNAL: "maybe"}))


NODES = (
    node("c-lb-a", labels={"pool": "lb", "zone": "a"}),
    node("a-lb-b", labels={"pool": "lb", "zone": "b"}),
    node("b-lb-a-excluded", labels={"pool": "lb", "zone": "a", EXCLUDE_LABEL: ""}),
    node("d-apps-a", labels={"pool": "apps", "zone": "a"}),
)


@pytest.mark.parametrize(
    ("selector", "annotation", "expected"),
    [
        pytest.param({}, None, ["a-lb-b", "c-lb-a", "d-apps-a"], id="all-eligible-sorted"),
        pytest.param({"pool": "lb"}, None, ["a-lb-b", "c-lb-a"], id="settings"),
        pytest.param({}, "zone=a", ["c-lb-a", "d-apps-a"], id="annotation"),
        pytest.param({"pool": "lb"}, "zone=a", ["c-lb-a"], id="merged"),
        pytest.param({"pool": "lb"}, "zone=c", [], id="none-match"),
    ],
)
def test_backends_selected_and_sorted(
    selector: dict[str, str], annotation: str | None, expected: list[str]
) -> None:
    annotations = {} if annotation is None else {NODE_LABELS: annotation}
    spec = build(service(annotations=annotations), NODES, selector=selector)
    assert [b.node for b in spec.backends] == expected


def test_backend_carries_provider_id_and_the_addresses_of_each_family() -> None:
    dual = dataclasses.replace(node("n3"), internal_ips=("fd00::3", "10.1.2.4"))
    spec = build(service(), [node("n1", ip="10.1.2.3"), node("n2", ip=None), dual])
    assert spec.backends == (
        Backend("n1", "aws:///eu-west-1a/i-n1", "10.1.2.3", ("10.1.2.3",)),
        Backend("n2", "aws:///eu-west-1a/i-n2", None),
        Backend("n3", "aws:///eu-west-1a/i-n3", "fd00::3", ("fd00::3", "10.1.2.4")),
    )
    assert spec.backends[2].address_of("IPv4") == "10.1.2.4"
    assert spec.backends[2].address_of("IPv6") == "fd00::3"
    assert spec.backends[0].address_of("IPv6") is None


@pytest.mark.parametrize(
    ("families", "policy"),
    [
        pytest.param((), None, id="unset"),
        pytest.param(("IPv6", "IPv4"), "RequireDualStack", id="dual-v6-first"),
    ],
)
def test_families_and_policy_come_from_the_service(
    families: tuple[str, ...], policy: str | None
) -> None:
    svc = service(ip_families=families, ip_family_policy=policy or "SingleStack")
    spec = build(svc)
    assert spec.ip_families == (families or ("IPv4",))
    assert spec.ip_family_policy == (policy or "SingleStack")


V4, V6 = Ingress(ip="192.0.2.1"), Ingress(ip="2001:db8::1")
NAME = Ingress(hostname="lb.example")


@pytest.mark.parametrize(
    ("ingress", "families", "expected"),
    [
        pytest.param((V4, V6), ("IPv6", "IPv4"), (V6, V4), id="v6-first"),
        pytest.param((V6, V4), ("IPv4", "IPv6"), (V4, V6), id="v4-first"),
        pytest.param((V4, NAME), ("IPv4",), (NAME, V4), id="hostname-first"),
    ],
)
def test_status_follows_the_service_family_order(
    ingress: tuple[Ingress, ...], families: tuple[str, ...], expected: tuple[Ingress, ...]
) -> None:
    assert ordered_ingress(ingress, families) == expected


def test_built_twice_compares_equal_whatever_the_node_order() -> None:
    svc = service(source_ranges=("10.0.0.0/8", "192.168.0.0/16"))
    assert build(svc, NODES) == build(svc, tuple(reversed(NODES)))


def test_front_end_drops_only_the_backends() -> None:
    full = build(service(), NODES)
    front = full.front_end()
    assert full.backends
    assert front.backends == ()
    assert front == build(service(), [])
    assert front.front_end() == front


@pytest.mark.parametrize(
    ("changes", "uid"),
    [
        pytest.param({}, "", id="new-no-lookup-for-an-upstream-load-balancer"),
        pytest.param({"ingress": (Ingress(hostname="a.example"),)}, "uid-web", id="served"),
        pytest.param(
            {"finalizers": ("service.kubernetes.io/load-balancer-cleanup",)},
            "uid-web",
            id="upstreams-finalizer",
        ),
        pytest.param(
            {"finalizers": ("gke.networking.io/l4-netlb-v1",)}, "uid-web", id="gkes-finalizer"
        ),
    ],
)
def test_the_ref_carries_the_uid_only_for_a_service_already_served(
    changes: dict[str, Any], uid: str
) -> None:
    assert ref_for("c", service(**changes)).uid == uid


@pytest.mark.parametrize(
    ("families", "policy", "refused"),
    [
        pytest.param(("IPv4",), "SingleStack", False, id="v4"),
        pytest.param(("IPv6",), "SingleStack", True, id="v6-only"),
        pytest.param(("IPv6", "IPv4"), "PreferDualStack", False, id="prefer"),
        pytest.param(("IPv4", "IPv6"), "RequireDualStack", True, id="require"),
    ],
)
def test_families_a_load_balancer_cannot_carry_are_refused_unless_only_preferred(
    families: tuple[str, ...], policy: str, refused: bool
) -> None:
    spec = build(service(ip_families=families, ip_family_policy=policy))
    if not refused:
        check_families(spec, IPV4, "IPv4 only here")
        return
    with pytest.raises(Unsupported) as caught:
        check_families(spec, IPV4, "IPv4 only here")
    assert caught.value.field == "spec.ipFamilies"
    assert f"IPv6 ({policy}): IPv4 only here" in caught.value.message
