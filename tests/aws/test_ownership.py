"""Deletion, listing and name clashes: only resources with our ownership tags are touched."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.naming import child_name, child_prefix
from providers.aws.options import TYPE
from providers.aws.ownership import FINGERPRINT, ownership, to_list
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker
from tests.support.builders import CLUSTER, service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
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


def test_a_same_named_nlb_we_do_not_own_is_refused_by_name(
    world: World, provider: AwsLoadBalancers
) -> None:
    # that it is left untouched, and nothing written, is the contract suite's look-alike case
    spec = spec_of(provider, service(), world.nodes)
    _decoy(world, spec.ref.name)
    with pytest.raises(PermanentError, match="taken by a load balancer we do not own"):
        provider.ensure(spec)


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


def _groups_of(world: World, lb_name: str) -> list[str]:
    groups = world.elbv2.describe_target_groups()["TargetGroups"]
    prefix = child_prefix(lb_name)
    return sorted(g["TargetGroupArn"] for g in groups if g["TargetGroupName"].startswith(prefix))


def test_a_teardown_cut_short_after_the_nlb_leaves_nothing(
    world: World, provider: AwsLoadBalancers
) -> None:
    """A kill between deleting the NLB and its groups: gc lists the groups, delete finds them."""
    spec = spec_of(provider, service(ports=((80, "TCP", 30080), (53, "UDP", 30053))), world.nodes)
    provider.ensure(spec)
    decoy_lb, decoy_group = _decoy(world, "k8s-default-web-decoy")
    lb = world.elbv2.describe_load_balancers(Names=[spec.ref.name])["LoadBalancers"][0]
    world.elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    first, _ = _groups_of(world, spec.ref.name)
    world.elbv2.delete_target_group(TargetGroupArn=first)
    owned = provider.list_owned()
    assert [(item.ref, item.cloud_id[:3]) for item in owned] == [(spec.ref, "tg/")]
    provider.ensure_deleted(spec.ref)
    assert _everything(world) == ({decoy_lb}, {decoy_group}, set())
    assert provider.list_owned() == []


def test_a_group_deleted_by_a_call_whose_reply_was_lost_is_not_an_error(
    world: World, provider: AwsLoadBalancers
) -> None:
    """The call reaches AWS, the reply does not: the retry finds the group gone."""
    spec = spec_of(provider, service(ports=((80, "TCP", 30080), (53, "UDP", 30053))), world.nodes)
    provider.ensure(spec)
    lost: list[str] = []

    def deleted_elsewhere_first(params: dict[str, Any], **_: object) -> None:
        arn = params["TargetGroupArn"]
        if arn not in lost:
            lost.append(arn)
            world.elbv2.delete_target_group(TargetGroupArn=arn)

    events = provider.clients.elbv2.meta.events
    events.register(
        "before-parameter-build.elastic-load-balancing-v2.DeleteTargetGroup",
        deleted_elsewhere_first,
    )
    provider.ensure_deleted(spec.ref)
    assert len(lost) == 2
    assert _everything(world) == (set(), set(), set())


def _group(world: World, name: str, tags: dict[str, str]) -> str:
    return str(
        world.elbv2.create_target_group(
            Name=name,
            Protocol="TCP",
            Port=30099,
            VpcId=world.vpc_id,
            TargetType="instance",
            Tags=to_list(tags),
        )["TargetGroups"][0]["TargetGroupArn"]
    )


def test_a_group_left_unattached_by_a_crash_is_deleted_by_the_next_converge(
    world: World, provider: AwsLoadBalancers
) -> None:
    """A kill after a listener moved to a new group and before the old one was deleted."""
    spec = spec_of(provider, service(), world.nodes)
    provider.ensure(spec)
    planned = set(_groups_of(world, spec.ref.name))
    stray = _group(world, child_name(spec.ref.name, "tcp", "30099"), ownership(spec.ref))
    look_alike = _group(world, child_name(spec.ref.name, "udp", "30099"), {"team": "web"})
    arn = world.elbv2.describe_load_balancers(Names=[spec.ref.name])["LoadBalancers"][0][
        "LoadBalancerArn"
    ]  # the fingerprint of the change the crash cut short is not written
    world.elbv2.add_tags(ResourceArns=[arn], Tags=[{"Key": FINGERPRINT, "Value": "before"}])
    provider.ensure(spec)
    assert set(_groups_of(world, spec.ref.name)) == planned | {look_alike}
    assert stray not in planned


def test_a_delete_after_this_process_made_the_nlb_reads_only_the_region_s_groups(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    """The NLB's ARN and groups come from the provider's memo: no classic ELB, NLB or tag look-up
    for what it made; a stray of ours is still found by name (one tag read, for it and the
    look-alike), and the look-alike is spared."""
    spec = spec_of(provider, service(ports=((80, "TCP", 30080), (53, "UDP", 30053))), world.nodes)
    provider.ensure(spec)
    stray = _group(world, child_name(spec.ref.name, "tcp", "30099"), ownership(spec.ref))
    look_alike = _group(world, child_name(spec.ref.name, "udp", "30099"), {"team": "web"})
    calls.start()
    provider.ensure_deleted(spec.ref)
    assert calls.reads() == {
        "elbv2.DescribeTargetGroups": 1,
        "elbv2.DescribeTags": 1,  # the stray and the look-alike only
        "ec2.DescribeSecurityGroupRules": 1,  # our rules on the nodes' group
    }
    assert calls.writes()["elbv2.DeleteTargetGroup"] == 3
    assert stray not in _everything(world)[1]
    assert _everything(world) == (set(), {look_alike}, set())
    assert rules(world, marker(spec.ref)) == set()


def test_a_delete_after_a_switch_to_classic_looks_everything_up(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    """The memo of an NLB goes when another converge starts: the classic ELB that replaced it
    is found and deleted with its own group."""
    provider.ensure(spec_of(provider, service(), world.nodes))
    classic = spec_of(provider, service(annotations={TYPE: "classic"}), world.nodes)
    provider.ensure(classic)
    calls.start()
    provider.ensure_deleted(classic.ref)
    assert calls.writes()["elb.DeleteLoadBalancer"] == 1
    assert _everything(world) == (set(), set(), set())
    groups = world.ec2.describe_security_groups()["SecurityGroups"]
    assert all(not g["GroupName"].startswith("k8s-elb-") for g in groups)
