"""The pure parts of IPv6 and dual-stack on GCP: which families are served, the IPv6 parts'
names, the rules and firewalls per family, and the IPv6 address decision."""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud import compute_v1

from lbcontroller.config import GcpProvider
from lbcontroller.errors import PermanentError
from lbcontroller.spec import SpecSettings, build_spec
from providers.gcp import firewalls, forwarding_rules
from providers.gcp.address import choose, choose6, named
from providers.gcp.context import Where
from providers.gcp.desired import EXTERNAL_PROBER_RANGES6, Desired, desired, without
from providers.gcp.options import ADDRESSES, EXTERNAL_SUBNET, NETWORK_TIER, TYPE, parse_options
from tests.support.builders import CLUSTER, service

WHERE = Where.of(
    GcpProvider(type="gcp", name="g", project="p", region="r1", subnetwork="dual"), cluster=CLUSTER
)
DUAL: dict[str, Any] = {"ip_families": ("IPv6", "IPv4"), "ip_family_policy": "RequireDualStack"}
TCP_UDP = ((80, "TCP", 30080), (53, "UDP", 30053))


def _desired(annotations: dict[str, str] | None = None, **raw: Any) -> Desired:
    ports = raw.pop("ports", TCP_UDP)
    svc = service(annotations=annotations, ports=ports, **raw)
    return desired(build_spec(svc, (), SpecSettings(cluster=CLUSTER), parse_options), WHERE)


def _address(name: str, ip: str, *, subnet: str = "dual", **fields: Any) -> compute_v1.Address:
    return compute_v1.Address(
        name=name,
        address=ip,
        ip_version="IPV6",
        address_type="EXTERNAL",
        subnetwork=WHERE.subnet(subnet),
        **fields,
    )


def test_one_rule_per_protocol_and_family_in_the_services_order() -> None:
    d = _desired(**DUAL)
    lb = d.names.lb
    assert d.families == ("IPv6", "IPv4")
    assert [r.name for r in d.rules] == [
        f"{lb}-tcp-ipv6",
        f"{lb}-udp-ipv6",
        f"{lb}-tcp",
        f"{lb}-udp",
    ]
    assert d.protocol == "UNSPECIFIED" and d.subnetwork6 == WHERE.subnet("dual")
    assert (d.names.ipv6, d.names.health_firewall6) == (f"{lb}-ipv6", f"{lb}-hc-ipv6")
    assert without(d, "IPv6").rules == tuple(r for r in d.rules if r.family == "IPv4")


@pytest.mark.parametrize(
    ("raw", "families"),
    [
        ({}, ("IPv4",)),
        ({"ip_families": ("IPv6",)}, ("IPv6",)),
        # PreferDualStack: a family no source range opens is left out
        (
            {
                "ip_families": ("IPv4", "IPv6"),
                "ip_family_policy": "PreferDualStack",
                "source_ranges": ("10.0.0.0/8",),
            },
            ("IPv4",),
        ),
    ],
)
def test_the_families_served(raw: dict[str, Any], families: tuple[str, ...]) -> None:
    assert _desired(**raw).families == families


PREFER: dict[str, Any] = {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "PreferDualStack"}


@pytest.mark.parametrize(
    "annotations",
    [
        pytest.param({NETWORK_TIER: "Standard"}, id="standard-tier"),
        pytest.param({TYPE: "Internal"}, id="internal-tcp-and-udp"),
    ],
)
def test_prefer_dual_stack_is_ipv4_where_gce_has_no_ipv6_for_it(
    annotations: dict[str, str],
) -> None:
    assert _desired(annotations, **PREFER).families == ("IPv4",)
    assert _desired(annotations, ports=((80, "TCP", 30080),), **PREFER).families == (
        ("IPv4",) if NETWORK_TIER in annotations else ("IPv4", "IPv6")
    )


def test_an_external_ipv6_rule_gives_its_slash_96_and_its_subnetwork() -> None:
    d = _desired(ports=((80, "TCP", 30080),), **DUAL)
    v6, v4 = d.rules
    rule = forwarding_rules.wanted(d, v6, ip="2001:db8::1:0:0")
    assert (rule.I_p_address, rule.ip_version) == ("2001:db8::1:0:0/96", "IPV6")
    assert rule.subnetwork == WHERE.subnet("dual") and not rule.network
    plain = forwarding_rules.wanted(d, v4, ip="198.18.0.1")
    assert (plain.I_p_address, plain.ip_version, plain.subnetwork) == ("198.18.0.1", "", "")


def test_firewalls_per_family_towards_its_address() -> None:
    d = _desired(source_ranges=("10.0.0.0/8", "2001:db8:1::/48"), **DUAL)
    walls = {
        w.name: w
        for w in firewalls.wanted(d, ips={"IPv6": "2001:db8::1:0:0", "IPv4": "198.18.0.1"})
    }
    lb = d.names.lb
    assert list(walls[f"{lb}-ipv6"].source_ranges) == ["2001:db8:1::/48"]
    assert list(walls[f"{lb}-ipv6"].destination_ranges) == ["2001:db8::1:0:0/96"]
    assert list(walls[lb].source_ranges) == ["10.0.0.0/8"]
    assert list(walls[lb].destination_ranges) == ["198.18.0.1/32"]
    assert list(walls[f"{lb}-hc-ipv6"].source_ranges) == list(EXTERNAL_PROBER_RANGES6)
    assert list(firewalls.wanted(d, ips={"IPv4": "198.18.0.1"})) == [walls[lb], walls[f"{lb}-hc"]]


def test_the_ipv6_address_decision() -> None:
    d = _desired(**DUAL)
    ours = _address(d.names.ipv6, "2001:db8::1:0:0")
    assert choose6(d, []).reserve is not None  # none yet: reserve ours
    assert choose6(d, [ours]).ip == "2001:db8::1:0:0"  # ours fits: kept
    moved = _address(d.names.ipv6, "2001:db8::2:0:0", subnet="other")
    decision = choose6(d, [moved])  # ours is in another subnetwork: a new one
    assert (decision.release, decision.reserve is not None) == (moved, True)
    gone = choose6(_desired(), [ours])  # the Service no longer has IPv6: release ours
    assert (gone.ip, gone.reserve, gone.release) == (None, None, ours)
    only6 = _desired(ip_families=("IPv6",))
    theirs4 = compute_v1.Address(name=only6.names.lb, address="198.18.0.1")
    assert choose(only6, [theirs4]).ip is None  # no IPv4: nothing reserved


def test_the_users_addresses_by_family() -> None:
    d = _desired({ADDRESSES: "mine4,mine6"}, **DUAL)
    found = [
        compute_v1.Address(name="mine4", address="198.18.0.9"),
        _address("mine6", "2001:db8::5:0:0"),
    ]
    d = named(d, found)
    assert (d.user_address, d.user_address6) == ("mine4", "mine6")
    assert choose6(d, found).ip == "2001:db8::5:0:0"
    with pytest.raises(PermanentError, match="a second IPv6 address"):
        named(
            _desired({ADDRESSES: "a,b"}, **DUAL),
            [_address("a", "2001:db8::5:0:0"), _address("b", "2001:db8::6:0:0")],
        )
    with pytest.raises(PermanentError, match="no address 'b' here"):
        named(_desired({ADDRESSES: "a,b"}, **DUAL), [_address("a", "2001:db8::5:0:0")])
    elsewhere = named(
        _desired({ADDRESSES: "w"}, **DUAL), [_address("w", "2001:db8::5:0:0", subnet="other")]
    )
    with pytest.raises(PermanentError, match="not EXTERNAL in the subnetwork dual"):
        choose6(elsewhere, [_address("w", "2001:db8::5:0:0", subnet="other")])


def test_the_external_subnet_annotation_names_the_ipv6_subnetwork() -> None:
    assert _desired({EXTERNAL_SUBNET: "v6"}, **DUAL).subnetwork6 == WHERE.subnet("v6")
