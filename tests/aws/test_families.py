"""The AWS provider's IP families, without a server: which address type an NLB gets, what is
refused before any call, and the rules a dualstack NLB needs on the nodes' group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lbcontroller.errors import InvalidAnnotation, Unsupported
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.aws import families
from providers.aws.desired import desired_for
from providers.aws.options import IP_ADDRESS_TYPE, TYPE, parse_options
from providers.aws.security_groups import Rule, nlb_rules
from providers.aws.subnets import has_ipv6
from providers.aws.validate import validate
from tests.support.builders import CLUSTER, node, service

DUAL = ("IPv4", "IPv6")
VPC = ("10.0.0.0/16",)


def _spec(
    families_: tuple[str, ...] = ("IPv4",),
    policy: str = "SingleStack",
    annotations: Mapping[str, str] | None = None,
    ranges: tuple[str, ...] = (),
) -> LoadBalancerSpec[Any]:
    svc = service(
        annotations=annotations,
        ip_families=families_,
        ip_family_policy=policy,
        source_ranges=ranges,
    )
    nodes = [node("n", provider_id="aws:///us-east-1a/i-0abc")]
    return build_spec(svc, nodes, SpecSettings(cluster=CLUSTER), parse_options)


@pytest.mark.parametrize(
    ("families_", "policy", "annotations", "expected"),
    [
        pytest.param(("IPv4",), "SingleStack", {}, families.Wanted("ipv4", False), id="v4"),
        pytest.param(DUAL, "PreferDualStack", {}, families.Wanted("dualstack", False), id="prefer"),
        pytest.param(
            DUAL, "RequireDualStack", {}, families.Wanted("dualstack", True), id="require"
        ),
        pytest.param(
            ("IPv6", "IPv4"),
            "RequireDualStack",
            {},
            families.Wanted("dualstack", True),
            id="v6-1st",
        ),
        pytest.param(
            ("IPv6",), "SingleStack", {}, families.Wanted("dualstack", True), id="v6-only"
        ),
        pytest.param(
            ("IPv4",),
            "SingleStack",
            {IP_ADDRESS_TYPE: "dualstack"},
            families.Wanted("dualstack", True),
            id="annotated-dualstack",
        ),
        pytest.param(
            DUAL,
            "PreferDualStack",
            {IP_ADDRESS_TYPE: "IPv4"},
            families.Wanted("ipv4", False),
            id="annotated-ipv4-prefer",
        ),
    ],
)
def test_the_address_type_wanted(
    families_: tuple[str, ...],
    policy: str,
    annotations: dict[str, str],
    expected: families.Wanted,
) -> None:
    spec = _spec(families_, policy, annotations)
    validate(spec, default_subnets=("subnet-a",))
    assert families.wanted(spec) == expected


@pytest.mark.parametrize(
    ("families_", "policy", "annotations", "ranges", "words"),
    [
        pytest.param(("IPv6",), "SingleStack", {TYPE: "classic"}, (), "classic ELB", id="cl-v6"),
        pytest.param(DUAL, "RequireDualStack", {TYPE: "elb"}, (), "EC2-Classic", id="cl-require"),
        pytest.param(
            DUAL, "RequireDualStack", {IP_ADDRESS_TYPE: "ipv4"}, (), "is ipv4", id="ipv4-require"
        ),
        pytest.param(("IPv6",), "SingleStack", {IP_ADDRESS_TYPE: "ipv4"}, (), "is ipv4", id="v6"),
        pytest.param(
            DUAL,
            "RequireDualStack",
            {},
            ("192.0.2.0/24", "2001:db8::/32"),
            "2001:db8::/32",
            id="narrow-v6-range",
        ),
    ],
)
def test_refused_before_any_call(
    families_: tuple[str, ...],
    policy: str,
    annotations: dict[str, str],
    ranges: tuple[str, ...],
    words: str,
) -> None:
    with pytest.raises(Unsupported) as caught:
        validate(_spec(families_, policy, annotations, ranges), default_subnets=("subnet-a",))
    assert words in caught.value.message


def test_a_classic_elb_serves_prefer_dual_stack_over_ipv4() -> None:
    spec = _spec(DUAL, "PreferDualStack", {TYPE: "classic"})
    validate(spec, default_subnets=("subnet-a",))
    assert desired_for(spec, subnets=("subnet-a",)).ip_address_type == "ipv4"


@pytest.mark.parametrize(
    ("annotations", "culprit"),
    [
        ({IP_ADDRESS_TYPE: "dualstack-without-public-ipv4"}, IP_ADDRESS_TYPE),
        ({TYPE: "classic", IP_ADDRESS_TYPE: "dualstack"}, IP_ADDRESS_TYPE),
    ],
)
def test_the_annotation_is_checked(annotations: dict[str, str], culprit: str) -> None:
    with pytest.raises(InvalidAnnotation) as caught:
        parse_options(annotations)
    assert caught.value.annotation == culprit


@pytest.mark.parametrize(
    ("want", "ipv6_less", "expected"),
    [
        (families.Wanted("dualstack", True), (), "dualstack"),
        (families.Wanted("dualstack", False), ("subnet-b",), "ipv4"),
        (families.Wanted("ipv4", False), ("subnet-b",), "ipv4"),
    ],
)
def test_settle(want: families.Wanted, ipv6_less: tuple[str, ...], expected: str) -> None:
    assert families.settle(want, ipv6_less) == expected


def test_settle_refuses_naming_the_subnets_without_ipv6() -> None:
    with pytest.raises(Unsupported) as caught:
        families.settle(families.Wanted("dualstack", True), ("subnet-a", "subnet-b"))
    assert "subnet-a, subnet-b have none" in caught.value.message
    assert caught.value.field == "spec.ipFamilies"


def test_a_dualstack_nlb_opens_its_node_ports_to_the_vpc_for_translated_ipv6_clients() -> None:
    spec = _spec(DUAL, "RequireDualStack", ranges=("192.0.2.0/24", "::/0"))
    own, _ = nlb_rules(desired_for(spec, subnets=("subnet-a",), ip_address_type="dualstack"), VPC)
    clients = {r.source for r in own if r.port == 30080}
    assert clients == {"192.0.2.0/24", "::/0", "10.0.0.0/16"}
    ipv4_nlb = desired_for(spec, subnets=("subnet-a",), ip_address_type="ipv4")
    assert Rule("tcp", 30080, "10.0.0.0/16") not in nlb_rules(ipv4_nlb, VPC)[0]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([], False),
        (
            [{"Ipv6CidrBlock": "2600:1f18::/64", "Ipv6CidrBlockState": {"State": "associated"}}],
            True,
        ),
        # moto 5.2.5 writes the state as the text of a dict
        ([{"Ipv6CidrBlock": "2600::/64", "Ipv6CidrBlockState": {"State": "{'State': 'x'}"}}], True),
        ([{"Ipv6CidrBlock": "2600::/64", "Ipv6CidrBlockState": {"State": "disassociated"}}], False),
    ],
)
def test_has_ipv6(blocks: list[dict[str, Any]], expected: bool) -> None:
    assert has_ipv6({"SubnetId": "subnet-a", "Ipv6CidrBlockAssociationSet": blocks}) is expected
