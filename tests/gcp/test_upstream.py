"""The pure parts of taking over cloud-provider-gcp's load balancers: upstream's names and
marks, whether its IP can be kept, and which address a taken-over load balancer uses."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from google.cloud import compute_v1

from lbcontroller.config import GcpProvider
from lbcontroller.spec import SpecSettings, build_spec
from providers.gcp.address import Choice, choose, named
from providers.gcp.adoption import Upstream, keeping, why_not_kept
from providers.gcp.context import Where
from providers.gcp.desired import Desired, desired
from providers.gcp.options import ADDRESSES, NETWORK_TIER, TYPE, parse_options
from providers.gcp.upstream import Names, group_name, names_for, service_of, tied, upstream_name
from tests.support.builders import CLUSTER, service

UID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
LB = "a0f1e2d3c4b5a69788796a5b4c3d2e1f"
WHERE = Where.of(
    GcpProvider(type="gcp", name="g", project="p", region="us-central1", upstream_cluster_id="cid"),
    cluster=CLUSTER,
)
SETTINGS = SpecSettings(cluster=CLUSTER)


def _spec(annotations: dict[str, str] | None = None, **raw: Any) -> Any:
    return build_spec(service(annotations=annotations, **raw), (), SETTINGS, parse_options)


def _desired(annotations: dict[str, str] | None = None, *, uid: str = UID, **raw: Any) -> Desired:
    """The desired state, the user's addresses found as IPv4 ones (`address.named`)."""
    spec = _spec(annotations, **raw)
    d = desired(dataclasses.replace(spec, ref=dataclasses.replace(spec.ref, uid=uid)), WHERE)
    return named(d, [compute_v1.Address(name=name) for name in d.user_addresses])


def _upstream(**fields: Any) -> Upstream:
    rule = compute_v1.ForwardingRule(
        name=LB, I_p_address="198.18.0.7", load_balancing_scheme="EXTERNAL", **fields
    )
    return Upstream(rule=rule, names=Names(lb=LB, cluster_id="cid"))


def test_upstream_names() -> None:
    assert upstream_name(UID) == LB and len(LB) == 32
    assert group_name("cid") == "k8s-ig--cid"
    names = names_for(dataclasses.replace(_spec().ref, uid=UID), WHERE)
    assert names == Names(lb=LB, cluster_id="cid")
    assert names.service_firewalls == (
        f"k8s-fw-{LB}",
        LB,
        f"k8s-fw-{LB}-deny",
        f"k8s-{LB}-http-hc",
        f"{LB}-hc",
    )
    assert (names.nodes_health_check, names.nodes_http_firewall, names.nodes_firewall) == (
        "k8s-cid-node",
        "k8s-cid-node-http-hc",
        "k8s-cid-node-hc",
    )
    assert names_for(_spec().ref, WHERE) is None  # no UID: nothing to look for
    by_name = Where.of(GcpProvider(type="gcp", name="g", project="p", region="r"), cluster="prod")
    assert names_for(dataclasses.replace(_spec().ref, uid=UID), by_name) == Names(LB, "prod")


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("k8s-cid-node-http-hc", '{"kubernetes.io/cluster-id":"cid"}', True),
        ("k8s-cid-node-http-hc", '{"kubernetes.io/cluster-id":"other"}', False),
        ("k8s-cid-node", '{"kubernetes.io/service-name":"k8s-cid-node"}', True),
        ("k8s-cid-node", '{"kubernetes.io/service-name":"ns/web"}', False),
        ("k8s-cid-node", "", True),  # the internal load balancers' global check
        ("k8s-cid-node-hc", "", True),
        ("k8s-cid-node-hc", "made by hand", False),
    ],
)
def test_shared_resources_are_tied_by_upstreams_description(
    name: str, description: str, expected: bool
) -> None:
    assert Names(lb=LB, cluster_id="cid").shared_tied(name, description) is expected


def test_a_service_is_named_by_upstreams_json() -> None:
    firewall = '{"kubernetes.io/service-name":"ns/web", "kubernetes.io/service-ip":"1.2.3.4"}'
    assert service_of(firewall) == "ns/web" and tied(firewall, "ns/web")
    assert not tied(firewall, "ns/other") and not tied("", "ns/web") and service_of("x") == ""


@pytest.mark.parametrize(
    ("annotations", "raw", "rule", "reason"),
    [
        ({}, {}, {}, ""),
        ({NETWORK_TIER: "Standard"}, {}, {"network_tier": "STANDARD"}, ""),
        (
            {},
            {},
            {"network_tier": "STANDARD"},
            "its IP is in the STANDARD tier, the Service asks for PREMIUM",
        ),
        ({TYPE: "Internal"}, {}, {}, "it is EXTERNAL, the Service asks for INTERNAL"),
        ({}, {"load_balancer_ip": "198.18.0.8"}, {}, "spec.loadBalancerIP asks for 198.18.0.8"),
        ({}, {"load_balancer_ip": "198.18.0.7"}, {}, ""),
        (
            {ADDRESSES: "mine"},
            {},
            {},
            "the Service names the address mine, whose IP is used",
        ),
    ],
)
def test_when_upstreams_ip_is_kept(
    annotations: dict[str, str], raw: dict[str, Any], rule: dict[str, Any], reason: str
) -> None:
    d, up = _desired(annotations, **raw), _upstream(**rule)
    assert why_not_kept(d, up) == reason
    kept = keeping(d, up)
    if reason:
        assert kept.kept_ip is None and reason in kept.note and LB in kept.note
    else:
        assert kept.wanted_ip == "198.18.0.7" and kept.note == ""
    assert keeping(d, None) is d


def _address(name: str, description: str = "", **fields: Any) -> compute_v1.Address:
    return compute_v1.Address(
        name=name, address="198.18.0.7", address_type="EXTERNAL", description=description, **fields
    )


def test_the_kept_ip_is_reserved_as_ours_then_kept() -> None:
    d = keeping(_desired(), _upstream())
    first = choose(d, [])
    assert first.ip is None and first.reserve is not None
    assert (first.reserve.name, first.reserve.address) == (d.names.lb, "198.18.0.7")
    later = dataclasses.replace(d, kept_ip=None)  # upstream's rule is gone by then
    ours = _address(d.names.lb, d.mark.description, network_tier="PREMIUM")
    assert choose(later, [ours]) == Choice(ip="198.18.0.7")


def test_upstreams_own_address_is_kept_as_ours() -> None:
    """Upstream may have left its address reserved (not demoted): it serves as ours."""
    d = _desired()
    theirs = _address(LB, '{"kubernetes.io/service-name":"default/web"}')
    assert choose(d, [theirs]) == Choice(ip="198.18.0.7")
    stranger = _address(LB, '{"kubernetes.io/service-name":"default/other"}')
    assert choose(d, [stranger]).reserve is not None  # a look-alike is not ours


@pytest.mark.parametrize(("affinity", "expected"), [("None", "NONE"), ("ClientIP", "CLIENT_IP")])
def test_session_affinity_as_upstream_maps_it(affinity: str, expected: str) -> None:
    assert _desired(session_affinity=affinity).affinity == expected


def test_network_tier_and_the_upstream_group() -> None:
    d = _desired({NETWORK_TIER: "Standard"})
    assert (d.tier, d.names.group, d.names.upstream_group) == ("STANDARD", "k8s-ig--cid", True)
    assert _desired().tier == "PREMIUM"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        (
            f"k8s-fw-{LB}",
            '{"kubernetes.io/service-name":"ns/web", "kubernetes.io/service-ip":"x"}',
            True,
        ),
        (f"k8s-fw-{LB}", '{"kubernetes.io/service-name":"ns/other"}', False),
        (f"{LB}-hc", "", True),  # the internal Local probers' rule: described ""
        (f"k8s-fw-{LB}", "", False),
        (f"{LB}-hc", "made by hand", False),
    ],
)
def test_the_services_firewalls_are_tied_by_description_or_name(
    name: str, description: str, expected: bool
) -> None:
    assert Names(lb=LB, cluster_id="cid").service_tied(name, description, "ns/web") is expected
