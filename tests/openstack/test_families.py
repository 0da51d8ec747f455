"""IP families on Octavia, the pure parts: which families a Service gets, where its VIPs go,
the listeners' allowed CIDRs, where a node is a member, and the status' addresses."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from lbcontroller.errors import Unsupported
from lbcontroller.naming import digest
from lbcontroller.spec import Backend, LoadBalancerSpec, SpecSettings, build_spec
from lbcontroller.steps import Made
from providers.openstack import families as fam
from providers.openstack import options as k
from providers.openstack.context import Context, Settings
from providers.openstack.converge import addresses
from providers.openstack.desired import allowed_cidrs, desired, graph, member_address
from providers.openstack.loadbalancer import Lb, Vip, create, must_recreate
from providers.openstack.options import parse_options
from providers.openstack.ownership import CREATED_WITH, tag
from providers.openstack.validate import check_ranges, validate
from tests.support.builders import node, service

from .support import TCP_UDP

V4 = Settings(cluster="unit", vip_subnet_id="v4-subnet", floating_network_id="public")
DUAL = dataclasses.replace(V4, vip_ipv6_subnet_id="v6-subnet")
BOTH = ("IPv4", "IPv6")
NODES = (
    dataclasses.replace(node("node-a"), internal_ips=("10.0.0.11", "fd00::11")),
    node("node-b", ip="10.0.0.12"),
    node("node-c", ip="fd00::13"),
)


def _spec(families: tuple[str, ...], policy: str = "SingleStack", **changes: Any) -> Any:
    svc = service(ports=TCP_UDP, ip_families=families, ip_family_policy=policy, **changes)
    return build_spec(svc, NODES, SpecSettings(cluster="unit"), parse_options)


@pytest.mark.parametrize(
    ("families", "policy", "settings", "version", "expected"),
    [
        (("IPv4",), "SingleStack", V4, (2, 0), ("IPv4",)),
        (BOTH, "PreferDualStack", V4, (2, 30), ("IPv4",)),
        (("IPv6", "IPv4"), "PreferDualStack", V4, (2, 30), ("IPv4",)),
        (("IPv6",), "SingleStack", DUAL, (2, 0), ("IPv6",)),
        (BOTH, "RequireDualStack", DUAL, (2, 26), BOTH),
        (("IPv6", "IPv4"), "PreferDualStack", DUAL, (2, 30), ("IPv6", "IPv4")),
        (("IPv6", "IPv4"), "PreferDualStack", DUAL, (2, 25), ("IPv6",)),
    ],
)
def test_served_families(
    families: tuple[str, ...],
    policy: str,
    settings: Settings,
    version: tuple[int, int],
    expected: tuple[str, ...],
) -> None:
    assert fam.served(_spec(families, policy), settings, version) == expected


@pytest.mark.parametrize(
    ("families", "policy", "settings", "version", "field", "words"),
    [
        (("IPv6",), "SingleStack", V4, (2, 30), "spec.ipFamilies", "vipIpv6SubnetId"),
        (BOTH, "RequireDualStack", V4, (2, 30), "spec.ipFamilies", "vipIpv6SubnetId"),
        (BOTH, "RequireDualStack", DUAL, (2, 25), "spec.ipFamilyPolicy", "v2.25"),
    ],
)
def test_refused_families(
    families: tuple[str, ...],
    policy: str,
    settings: Settings,
    version: tuple[int, int],
    field: str,
    words: str,
) -> None:
    with pytest.raises(Unsupported) as caught:
        fam.served(_spec(families, policy), settings, version)
    assert caught.value.field == field and words in str(caught.value)
    if version >= fam.MULTI_VIP:  # validate refuses it before any call, too
        with pytest.raises(Unsupported):
            validate(_spec(families, policy), settings)


def test_newest_api_version() -> None:
    versions = [
        {"id": "v2.0", "status": "SUPPORTED"},
        {"id": "v2.30", "status": "CURRENT"},
        {"id": "v2.31", "status": "DEPRECATED"},
        {"id": "v1", "status": "CURRENT"},
    ]
    assert fam.newest(versions) == (2, 30)
    assert fam.newest([]) == (2, 0)


def test_ipv4_load_balancer_is_recorded_as_before_additional_vips() -> None:
    """An IPv4-only load balancer made before IP families keeps its tag: no recreate."""
    want = desired(_spec(("IPv4",)), DUAL)
    before = tag(CREATED_WITH, digest(*(f"{k}={v}" for k, v in sorted(want.placement.items()))))
    assert want.created_with == before
    assert "additional_vips" not in graph(want)


def test_dual_stack_has_an_additional_ipv6_vip_and_ipv6_only_none() -> None:
    dual = desired(_spec(("IPv6", "IPv4"), "RequireDualStack"), DUAL)
    assert dual.placement == {"vip_subnet_id": "v4-subnet"}
    assert graph(dual)["additional_vips"] == [{"subnet_id": "v6-subnet"}]
    assert dual.floating is not None
    only6 = desired(_spec(("IPv6",)), DUAL)
    assert only6.placement == {"vip_subnet_id": "v6-subnet"} and only6.additional_vips == ()
    assert only6.floating is None  # floating IPs are IPv4 only: the IPv6 VIP is reported
    ipv4 = desired(_spec(("IPv4",)), DUAL)
    assert len({dual.created_with, only6.created_with, ipv4.created_with}) == 3


def test_family_change_recreates() -> None:
    old = desired(_spec(("IPv4",)), DUAL)
    lb = Lb(
        id="lb",
        name=old.name,
        status="ACTIVE",
        tags=frozenset({*old.tags, old.created_with}),
        vip=Vip("lb", "10.0.0.5", "port"),
    )
    assert must_recreate(lb, old) == ""
    assert must_recreate(lb, desired(_spec(BOTH, "PreferDualStack"), DUAL)) != ""
    upstream = dataclasses.replace(lb, upstream=True, placement={"vip_subnet_id": "v4-subnet"})
    why = must_recreate(upstream, desired(_spec(BOTH, "PreferDualStack"), DUAL))
    assert "additional VIPs [] -> ['v6-subnet']" in why


@pytest.mark.parametrize(
    ("ranges", "families", "expected"),
    [
        (("0.0.0.0/0", "::/0"), BOTH, None),
        (("10.0.0.0/8", "fd00::/8"), ("IPv4",), ["10.0.0.0/8"]),
        (("10.0.0.0/8", "fd00::/8"), ("IPv6",), ["fd00::/8"]),
        (("10.0.0.0/8", "fd00::/8"), BOTH, ["10.0.0.0/8", "fd00::/8"]),
        (("fd00::/8",), ("IPv4",), []),
    ],
)
def test_allowed_cidrs_match_the_vips_families(
    ranges: tuple[str, ...], families: tuple[str, ...], expected: list[str] | None
) -> None:
    assert allowed_cidrs(ranges, families) == expected


def test_source_ranges_of_no_vip_family_are_refused() -> None:
    spec = _spec(("IPv6",), source_ranges=("10.0.0.0/8",))
    with pytest.raises(Unsupported) as caught:
        validate(spec, DUAL)
    assert caught.value.field == "spec.loadBalancerSourceRanges"


def test_ipv6_only_needs_no_floating_network_and_refuses_a_floating_ip() -> None:
    validate(_spec(("IPv6",)), dataclasses.replace(DUAL, floating_network_id=None))
    with pytest.raises(Unsupported) as caught:
        validate(_spec(("IPv6",), load_balancer_ip="203.0.113.9"), DUAL)
    assert caught.value.field == "spec.loadBalancerIP"


DUAL_NODE = Backend("a", "", "10.0.0.11", ("10.0.0.11", "fd00::11"))
V4_NODE = Backend("b", "", "10.0.0.12", ("10.0.0.12",))
V6_NODE = Backend("c", "", "fd00::13", ("fd00::13",))


@pytest.mark.parametrize(
    ("backend", "protocol", "families", "expected"),
    [
        (DUAL_NODE, "TCP", ("IPv6", "IPv4"), "fd00::11"),
        (DUAL_NODE, "UDP", ("IPv4",), "10.0.0.11"),
        (V4_NODE, "TCP", ("IPv6",), "10.0.0.12"),  # the amphora proxies across families
        (V4_NODE, "UDP", ("IPv6",), None),  # Octavia refuses a UDP member of no VIP's family
        (V4_NODE, "UDP", ("IPv6", "IPv4"), "10.0.0.12"),
        (V6_NODE, "UDP", ("IPv4",), None),
        (Backend("old", "", "10.0.0.9"), "UDP", ("IPv4",), "10.0.0.9"),
    ],
)
def test_member_address(
    backend: Backend, protocol: str, families: tuple[str, ...], expected: str | None
) -> None:
    assert member_address(backend, protocol, families) == expected


def test_members_follow_the_services_first_family() -> None:
    spec: LoadBalancerSpec[Any] = _spec(("IPv6", "IPv4"), "RequireDualStack")
    tcp, udp = desired(spec, DUAL).ports
    assert [m["address"] for m in tcp.members] == ["10.0.0.12", "fd00::11", "fd00::13"]
    assert [m["address"] for m in udp.members] == ["10.0.0.12", "fd00::11", "fd00::13"]


@pytest.mark.parametrize(
    ("vip", "floating", "expected"),
    [
        (Vip("lb", "10.64.0.5", None), None, ("10.64.0.5",)),
        (Vip("lb", "10.64.0.5", None), "203.0.113.7", ("203.0.113.7",)),
        (Vip("lb", "fd00::5", None), None, ("fd00::5",)),
        (Vip("lb", "10.64.0.5", None, ("fd00::5",)), "203.0.113.7", ("203.0.113.7", "fd00::5")),
        (Vip("lb", "10.64.0.5", None, ("fd00::5",)), None, ("10.64.0.5", "fd00::5")),
    ],
)
def test_status_addresses(vip: Vip, floating: str | None, expected: tuple[str, ...]) -> None:
    assert addresses(vip, floating) == expected


def test_annotated_subnet_places_only_the_ipv4_vip() -> None:
    spec = _spec(BOTH, "PreferDualStack", annotations={k.SUBNET_ID: "mine"})
    want = desired(spec, DUAL)
    assert (want.placement["vip_subnet_id"], want.additional_vips) == ("mine", ("v6-subnet",))


@pytest.mark.parametrize("name", [k.SUBNET_ID, k.NETWORK_ID, k.FLOATING_NETWORK_ID])
def test_ipv6_only_refuses_what_places_an_ipv4_vip(name: str) -> None:
    with pytest.raises(Unsupported) as caught:
        validate(_spec(("IPv6",), annotations={name: "x"}), DUAL)
    assert caught.value.field == f"metadata.annotations[{name}]"


def test_older_octavia_serving_fewer_families_still_checks_the_ranges() -> None:
    spec = _spec(BOTH, "PreferDualStack", source_ranges=("fd00::/8",))
    validate(spec, DUAL)  # fine with both families
    with pytest.raises(Unsupported):
        check_ranges(spec, fam.served(spec, DUAL, (2, 25)))


def test_member_updates_never_refuse() -> None:
    """update_backends builds the desired load balancer without the checks `ensure` makes (a
    Service refused after it was served keeps its members current)."""
    spec = _spec(("IPv6",))
    assert desired(spec, V4).families == ("IPv4",)


def test_the_create_names_the_families_and_the_additional_vip() -> None:
    want = desired(_spec(("IPv6", "IPv4"), "RequireDualStack"), DUAL)
    change = create(cast(Context, None), want, made=Made()).change
    assert "additional_vips=v6-subnet" in change.detail
    assert "families: IPv6, IPv4" in change.detail
