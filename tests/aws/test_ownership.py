"""Deletion, listing and name clashes: only resources with our ownership tags are touched."""

from __future__ import annotations

import pytest

from lbcontroller.errors import PermanentError
from providers.aws.keys import TYPE
from providers.aws.provider import AwsLoadBalancers
from providers.aws.rules import marker

from .conftest import World
from .support import CLUSTER, Calls, service, spec_of
from .views import rules

pytestmark = pytest.mark.integration


def _decoy(world: World, name: str) -> tuple[str, str]:
    """An NLB with a target group and listener that looks like ours but has no ownership tags."""
    lb = world.elbv2.create_load_balancer(
        Name=name,
        Type="network",
        Subnets=list(world.subnets),
        Tags=[{"Key": "kubernetes.io/cluster/other", "Value": "owned"}],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    group = world.elbv2.create_target_group(
        Name=f"{name}-tg", Protocol="TCP", Port=30080, VpcId=world.vpc_id, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    world.elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )
    return lb, group


def _everything(world: World) -> tuple[set[str], set[str], set[str]]:
    """(NLB ARNs, target group ARNs, classic ELB names) that exist."""
    lbs = world.elbv2.describe_load_balancers()["LoadBalancers"]
    groups = world.elbv2.describe_target_groups()["TargetGroups"]
    classics = world.elb.describe_load_balancers()["LoadBalancerDescriptions"]
    return (
        {x["LoadBalancerArn"] for x in lbs},
        {x["TargetGroupArn"] for x in groups},
        {x["LoadBalancerName"] for x in classics},
    )


def test_delete_removes_ours_and_spares_the_decoy(world: World, provider: AwsLoadBalancers) -> None:
    spec = spec_of(provider, service(ports=((80, "TCP", 30080), (53, "UDP", 30053))), world.nodes)
    provider.ensure(spec)
    decoy_lb, decoy_group = _decoy(world, "k8s-default-web-decoy")
    provider.ensure_deleted(spec.ref)
    assert _everything(world) == ({decoy_lb}, {decoy_group}, set())
    assert rules(world, marker(spec.ref)) == set()
    listeners = world.elbv2.describe_listeners(LoadBalancerArn=decoy_lb)["Listeners"]
    assert [x["DefaultActions"][0]["TargetGroupArn"] for x in listeners] == [decoy_group]
    provider.ensure_deleted(spec.ref)  # absent is success


def test_delete_of_a_classic_elb_removes_its_group_and_rules(
    world: World, provider: AwsLoadBalancers
) -> None:
    spec = spec_of(provider, service(annotations={TYPE: "classic"}), world.nodes)
    provider.ensure(spec)
    provider.ensure_deleted(spec.ref)
    assert _everything(world) == (set(), set(), set())
    assert rules(world, marker(spec.ref)) == set()
    groups = world.ec2.describe_security_groups()["SecurityGroups"]
    assert all(not g["GroupName"].startswith("k8s-elb-") for g in groups)


def test_a_same_named_nlb_we_do_not_own_is_refused_and_untouched(
    world: World, provider: AwsLoadBalancers, calls: Calls
) -> None:
    spec = spec_of(provider, service(), world.nodes)
    decoy_lb, decoy_group = _decoy(world, spec.ref.name)
    with pytest.raises(PermanentError, match="taken by a load balancer we do not own"):
        provider.ensure(spec)
    assert calls.writes() == {}
    provider.ensure_deleted(spec.ref)
    assert calls.writes() == {}
    assert _everything(world) == ({decoy_lb}, {decoy_group}, set())


def test_list_owned_finds_both_kinds_and_skips_the_decoy(
    world: World, provider: AwsLoadBalancers
) -> None:
    nlb = spec_of(provider, service(name="web"), world.nodes)
    classic = spec_of(provider, service(name="db", annotations={TYPE: "classic"}), world.nodes)
    provider.ensure(nlb)
    provider.ensure(classic)
    _decoy(world, "k8s-default-other-decoy")
    owned = provider.list_owned()
    assert [item.ref for item in owned] == [classic.ref, nlb.ref]
    assert owned[0].cloud_id == f"elb/{classic.ref.name}"
    assert owned[1].cloud_id.startswith("arn:aws:elasticloadbalancing:")
    assert all(item.ref.cluster == CLUSTER for item in owned)
