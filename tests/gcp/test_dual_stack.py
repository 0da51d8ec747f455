"""IPv6 and dual-stack load balancers against the Compute fake: both families' parts made, a
change of ipFamilyPolicy converging in place, the user's IPv6 address used and kept, and a
subnetwork without IPv6 refused (or, for PreferDualStack, served with IPv4)."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import compute_v1

from lbcontroller.errors import PermanentError, Unsupported
from lbcontroller.model import Node
from providers.gcp.desired import EXTERNAL_PROBER_RANGES6, PROBER_RANGES6
from providers.gcp.options import ADDRESSES, EXTERNAL_SUBNET, SUBNET, TYPE
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, REGION, Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views
from .conftest import make_provider

pytestmark = pytest.mark.integration

DUAL: dict[str, Any] = {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "RequireDualStack"}
SINGLE: dict[str, Any] = {"ip_families": ("IPv4",), "ip_family_policy": "SingleStack"}
TCP_UDP = ((80, "TCP", 30080), (53, "UDP", 30053))


def _subnet(gce: Gce, name: str, cidr: str, access: str) -> compute_v1.Subnetwork:
    subnet = compute_v1.Subnetwork(
        name=name, ip_cidr_range=cidr, stack_type="IPV4_IPV6", ipv6_access_type=access
    )
    gce.done(gce.subnetworks.insert(project=PROJECT, region=REGION, subnetwork_resource=subnet))
    return gce.subnetworks.get(project=PROJECT, region=REGION, subnetwork=name)


@pytest.fixture
def prefix(gce: Gce) -> ipaddress.IPv6Network:
    """The external IPv6 /64 of the provider's subnetwork `dual`."""
    made = _subnet(gce, "dual", "10.10.0.0/20", "EXTERNAL")
    return ipaddress.IPv6Network(made.external_ipv6_prefix)


@pytest.fixture
def dual(gce_fake_url: str, prefix: ipaddress.IPv6Network) -> Iterator[GcpLoadBalancers]:
    """A provider whose subnetwork has an external IPv6 range."""
    built = make_provider(gce_fake_url, subnetwork="dual")
    yield built
    built.ctx.api.clients.close()


def _ensure(provider: GcpLoadBalancers, nodes: tuple[Node, ...], **fields: Any) -> list[str]:
    status = provider.ensure(spec_of(provider, service(**fields), nodes))
    return [str(entry.ip) for entry in status.ingress]


def test_require_dual_stack_builds_both_families(
    dual: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], prefix: ipaddress.IPv6Network
) -> None:
    v4, v6 = _ensure(dual, gce_nodes, ports=TCP_UDP, **DUAL)
    lb = spec_of(dual, service()).ref.name
    assert ipaddress.ip_address(v4).version == 4 and ipaddress.ip_address(v6) in prefix

    rules = views.rules(gce)
    assert set(rules) == {f"{lb}-tcp", f"{lb}-udp", f"{lb}-tcp-ipv6", f"{lb}-udp-ipv6"}
    for proto in ("tcp", "udp"):
        rule = rules[f"{lb}-{proto}-ipv6"]
        assert (rule.ip_version, rule.I_p_address) == ("IPV6", f"{v6}/96")
        assert rule.subnetwork.endswith("/subnetworks/dual")
        assert rules[f"{lb}-{proto}"].I_p_address == v4 and not rules[f"{lb}-{proto}"].ip_version
    addresses = views.addresses(gce)
    assert set(addresses) == {lb, f"{lb}-ipv6"}
    ours6 = addresses[f"{lb}-ipv6"]
    assert (ours6.ip_version, ours6.address, ours6.status) == ("IPV6", v6, "IN_USE")

    walls = views.firewalls(gce)
    assert set(walls) == {lb, f"{lb}-hc", f"{lb}-ipv6", f"{lb}-hc-ipv6"}
    assert (list(walls[lb].source_ranges), list(walls[lb].destination_ranges)) == (
        ["0.0.0.0/0"],
        [f"{v4}/32"],
    )
    assert (
        list(walls[f"{lb}-ipv6"].source_ranges),
        list(walls[f"{lb}-ipv6"].destination_ranges),
    ) == (
        ["::/0"],
        [f"{v6}/96"],
    )
    assert list(walls[f"{lb}-hc-ipv6"].source_ranges) == list(EXTERNAL_PROBER_RANGES6)

    dual.ensure_deleted(spec_of(dual, service()).ref)
    assert views.rules(gce) == {} and views.addresses(gce) == {} and views.firewalls(gce) == {}


def test_ipv6_first_and_ipv6_only(
    dual: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    first = _ensure(
        dual, gce_nodes, ip_families=("IPv6", "IPv4"), ip_family_policy="PreferDualStack"
    )
    assert [ipaddress.ip_address(ip).version for ip in first] == [6, 4]
    lb = spec_of(dual, service()).ref.name
    dual.ensure_deleted(spec_of(dual, service()).ref)

    (only,) = _ensure(dual, gce_nodes, ip_families=("IPv6",), ip_family_policy="SingleStack")
    assert ipaddress.ip_address(only).version == 6
    assert set(views.rules(gce)) == {f"{lb}-tcp-ipv6"}
    assert set(views.addresses(gce)) == {f"{lb}-ipv6"}
    assert set(views.firewalls(gce)) == {f"{lb}-ipv6", f"{lb}-hc-ipv6"}


def test_policy_changes_converge_in_place(
    dual: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    (v4,) = _ensure(dual, gce_nodes, **SINGLE)
    lb = spec_of(dual, service()).ref.name
    before = views.rules(gce)[f"{lb}-tcp"]

    planned = Counter(c.operation for c in dual.plan(spec_of(dual, service(**DUAL), gce_nodes)))
    tally.start()
    assert _ensure(dual, gce_nodes, **DUAL)[0] == v4
    writes = tally.writes()
    assert planned == writes  # the plan says what the switch writes
    assert writes["forwardingRules.insert"] == 1 and writes["addresses.insert"] == 1
    assert "forwardingRules.delete" not in writes and "addresses.delete" not in writes
    assert list(dual.plan(spec_of(dual, service(**DUAL), gce_nodes))) == []  # converged
    assert views.rules(gce)[f"{lb}-tcp"].id == before.id  # the IPv4 rule is untouched

    tally.start()
    assert _ensure(dual, gce_nodes, **SINGLE) == [v4]
    writes = tally.writes()
    assert "forwardingRules.insert" not in writes and "addresses.insert" not in writes
    assert set(views.rules(gce)) == {f"{lb}-tcp"} and views.rules(gce)[f"{lb}-tcp"].id == before.id
    assert set(views.addresses(gce)) == {lb}
    assert set(views.firewalls(gce)) == {lb, f"{lb}-hc"}


def test_the_users_ipv6_address_is_used_and_kept(
    dual: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    mine = compute_v1.Address(
        name="my-v6",
        ip_version="IPV6",
        ipv6_endpoint_type="NETLB",
        subnetwork=gce.link(f"regions/{REGION}", "subnetworks", "dual"),
    )
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=mine))
    reserved = views.addresses(gce)["my-v6"].address
    _, v6 = _ensure(dual, gce_nodes, annotations={ADDRESSES: "my-v6"}, **DUAL)
    lb = spec_of(dual, service()).ref.name
    assert v6 == reserved and set(views.addresses(gce)) == {lb, "my-v6"}

    dual.ensure_deleted(spec_of(dual, service()).ref)
    left = views.addresses(gce)
    assert set(left) == {"my-v6"} and left["my-v6"].status == "RESERVED"


def test_a_user_ipv6_address_on_an_ipv4_only_service_is_refused(
    dual: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    mine = compute_v1.Address(
        name="my-v6",
        ip_version="IPV6",
        ipv6_endpoint_type="NETLB",
        subnetwork=gce.link(f"regions/{REGION}", "subnetworks", "dual"),
    )
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=mine))
    with pytest.raises(PermanentError, match="is an IPv6 address") as caught:
        _ensure(dual, gce_nodes, annotations={ADDRESSES: "my-v6"}, **SINGLE)
    assert caught.value.field == f"metadata.annotations[{ADDRESSES}]"
    assert views.rules(gce) == {} and set(views.addresses(gce)) == {"my-v6"}


def test_without_an_ipv6_range_prefer_is_ipv4_and_require_is_refused(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    prefer = {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "PreferDualStack"}
    (v4,) = _ensure(provider, gce_nodes, **prefer)
    assert ipaddress.ip_address(v4).version == 4
    provider.ensure_deleted(spec_of(provider, service()).ref)
    with pytest.raises(Unsupported, match="no external IPv6 range") as caught:
        _ensure(provider, gce_nodes, **DUAL)
    assert caught.value.field == "spec.ipFamilies"
    assert views.everything(gce)["rules"] == {} and views.addresses(gce) == {}
    assert views.backend(gce, spec_of(provider, service()).ref.name) is None


def test_internal_dual_stack_takes_the_subnetworks_internal_range(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    made = _subnet(gce, "inner", "10.20.0.0/20", "INTERNAL")
    annotations = {TYPE: "Internal", SUBNET: "inner"}
    v4, v6 = _ensure(provider, gce_nodes, annotations=annotations, **DUAL)
    assert ipaddress.ip_address(v4) in ipaddress.ip_network("10.20.0.0/20")
    assert ipaddress.ip_address(v6) in ipaddress.ip_network(made.internal_ipv6_prefix)
    lb = spec_of(provider, service()).ref.name
    rule = views.rules(gce)[f"{lb}-tcp-ipv6"]
    assert (rule.I_p_address, rule.load_balancing_scheme) == (v6, "INTERNAL")
    assert list(views.firewalls(gce)[f"{lb}-hc-ipv6"].source_ranges) == list(PROBER_RANGES6)


def test_an_external_service_names_its_ipv6_subnetwork(
    provider: GcpLoadBalancers, gce: Gce, gce_nodes: tuple[Node, ...], prefix: ipaddress.IPv6Network
) -> None:
    annotations = {EXTERNAL_SUBNET: "dual"}  # the provider's own subnetwork has no IPv6
    _, v6 = _ensure(provider, gce_nodes, annotations=annotations, **DUAL)
    assert ipaddress.ip_address(v6) in prefix
    lb = spec_of(provider, service()).ref.name
    assert views.rules(gce)[f"{lb}-tcp-ipv6"].subnetwork.endswith("/subnetworks/dual")
    assert views.addresses(gce)[f"{lb}-ipv6"].subnetwork.endswith("/subnetworks/dual")
