"""Addresses: the user's are used and never released, ours are; internal load balancers."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from google.cloud import compute_v1

from lbcontroller.errors import PermanentError
from lbcontroller.model import Node
from providers.gcp.desired import PROBER_RANGES
from providers.gcp.options import ADDRESSES, SUBNET, TYPE
from providers.gcp.ownership import read
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, REGION, Admin, Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views
from .conftest import make_provider
from .support import change, squatter_ip

pytestmark = pytest.mark.integration

INTERNAL = {TYPE: "Internal"}


def _reserve(gce: Gce, name: str, **fields: str) -> compute_v1.Address:
    address = compute_v1.Address(name=name, description="reserved by hand", **fields)
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
    return gce.addresses.get(project=PROJECT, region=REGION, address=name)


@pytest.mark.parametrize("how", ["annotation", "loadBalancerIP"])
def test_a_user_reserved_address_is_used_and_survives(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], how: str
) -> None:
    mine = _reserve(gce, "user-ip")
    svc = (
        service(annotations={ADDRESSES: "user-ip"})
        if how == "annotation"
        else service(load_balancer_ip=mine.address)
    )
    spec = spec_of(provider, svc, gce_nodes)
    assert provider.ensure(spec).ingress[0].ip == mine.address
    found = views.addresses(gce)
    assert set(found) == {"user-ip"}
    assert found["user-ip"].status == "IN_USE"
    provider.ensure_deleted(spec.ref)
    after = views.addresses(gce)["user-ip"]
    assert (after.status, after.address, after.description) == (
        "RESERVED",
        mine.address,
        "reserved by hand",
    )
    assert views.rules(gce) == {}


def test_our_address_is_released_with_the_service(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(load_balancer_ip="198.18.7.7"), gce_nodes)
    assert provider.ensure(spec).ingress[0].ip == "198.18.7.7"
    ours = views.addresses(gce)[spec.ref.name]
    assert ours.address == "198.18.7.7" and read(ours.description)
    provider.ensure_deleted(spec.ref)
    assert views.addresses(gce) == {}


def test_moving_to_a_user_address_releases_ours(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    mine = _reserve(gce, "user-ip")
    moved = change(
        provider, tally, gce_nodes, service(), service(annotations={ADDRESSES: "user-ip"})
    )
    assert moved.after == mine.address != moved.before
    assert moved.writes == {
        "forwardingRules.delete": 1,
        "addresses.delete": 1,
        "forwardingRules.insert": 1,
        "firewalls.patch": 2,
    }
    assert set(views.addresses(gce)) == {"user-ip"}


@pytest.mark.parametrize(
    ("annotations", "text"),
    [
        ({ADDRESSES: "nowhere"}, "no address 'nowhere'"),
        ({**INTERNAL, ADDRESSES: "user-ip"}, "is not an INTERNAL address"),
    ],
)
def test_a_bad_user_address_is_refused_before_any_write(
    provider: GcpLoadBalancers,
    gce: Gce,
    gce_nodes: tuple[Node, ...],
    tally: GceCalls,
    annotations: dict[str, str],
    text: str,
) -> None:
    _reserve(gce, "user-ip")
    tally.start()
    with pytest.raises(PermanentError, match=text):
        provider.ensure(spec_of(provider, service(annotations=annotations), gce_nodes))
    assert tally.writes() == {}


@pytest.fixture
def internal_provider(gce_fake_url: str, admin: Admin) -> Iterator[GcpLoadBalancers]:
    """A provider whose internal load balancers go to the subnetwork `nodes` by default."""
    for name, cidr in (("nodes", "10.10.0.0/24"), ("edge", "10.20.0.0/24")):
        admin.call(
            "POST",
            "/_fake/subnets",
            {"project": PROJECT, "region": REGION, "name": name, "ipCidrRange": cidr},
        )
    built = make_provider(gce_fake_url, subnetwork="nodes")
    yield built
    built.ctx.api.clients.close()


@pytest.mark.parametrize(
    ("annotations", "subnet", "cidr"),
    [({}, "nodes", "10.10.0.0/24"), ({SUBNET: "edge"}, "edge", "10.20.0.0/24")],
)
def test_internal_load_balancer_in_its_subnetwork(
    internal_provider: GcpLoadBalancers,
    gce: Gce,
    gce_nodes: tuple[Node, ...],
    annotations: dict[str, str],
    subnet: str,
    cidr: str,
) -> None:
    ports = ((80, "TCP", 30080), (53, "UDP", 30053))
    spec = spec_of(
        internal_provider, service(ports=ports, annotations={**INTERNAL, **annotations}), gce_nodes
    )
    ip = internal_provider.ensure(spec).ingress[0].ip
    assert ip is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)
    found = views.rules(gce)
    assert len(found) == 2
    for rule in found.values():
        assert (rule.load_balancing_scheme, rule.I_p_address) == ("INTERNAL", ip)
        assert rule.subnetwork.endswith(f"/subnetworks/{subnet}")
    address = views.addresses(gce)[spec.ref.name]
    assert (address.address_type, address.purpose) == ("INTERNAL", "SHARED_LOADBALANCER_VIP")
    assert address.subnetwork.endswith(f"/subnetworks/{subnet}")
    service_ = views.backend(gce, spec.ref.name)
    assert service_ is not None and service_.load_balancing_scheme == "INTERNAL"
    probes = views.firewalls(gce)[f"{spec.ref.name}-hc"]
    assert sorted(probes.source_ranges) == sorted(PROBER_RANGES)
    assert internal_provider.plan(spec) == []


def test_switching_to_internal_rebuilds_the_front_end(
    internal_provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    moved = change(internal_provider, tally, gce_nodes, service(), service(annotations=INTERNAL))
    inside = moved.after
    assert inside != moved.before and inside is not None and inside.startswith("10.10.0.")
    assert moved.writes == {
        "forwardingRules.delete": 1,
        "backendServices.delete": 1,
        "backendServices.insert": 1,
        "addresses.delete": 1,
        "addresses.insert": 1,
        "forwardingRules.insert": 1,
        "firewalls.patch": 2,
    }
    assert internal_provider.plan(moved.spec) == []


def test_a_requested_ip_gcp_refuses_is_the_users_to_fix(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(load_balancer_ip=squatter_ip(gce)), gce_nodes)
    with pytest.raises(PermanentError, match=r"check spec\.loadBalancerIP") as caught:
        provider.ensure(spec)
    assert caught.value.field == "spec.loadBalancerIP"
    assert set(views.rules(gce)) == {"squatter"}


def test_a_user_address_that_cannot_be_shared_is_the_users_to_fix(
    internal_provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    _reserve(
        gce,
        "one-rule-only",
        address_type="INTERNAL",
        subnetwork=f"regions/{REGION}/subnetworks/nodes",
    )
    ports = ((80, "TCP", 30080), (53, "UDP", 30053))
    svc = service(ports=ports, annotations={**INTERNAL, ADDRESSES: "one-rule-only"})
    with pytest.raises(PermanentError, match=f"check metadata.annotations\\[{ADDRESSES}\\]"):
        internal_provider.ensure(spec_of(internal_provider, svc, gce_nodes))
