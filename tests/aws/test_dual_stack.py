"""A dualstack NLB at the provider's verbs, on moto and LocalStack: what a steady state reads,
and that a plan of a policy change names the in-place switch the next run makes."""

from __future__ import annotations

from collections import Counter

import pytest

from lbcontroller.model import Service
from providers.aws.provider import AwsLoadBalancers
from tests.support.builders import service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
from .views import add_ipv6, lb_arn

pytestmark = pytest.mark.integration


def dual() -> Service:
    """A PreferDualStack Service on a dual-stack cluster (both families)."""
    return service(ip_families=("IPv4", "IPv6"), ip_family_policy="PreferDualStack")


def test_a_steady_dualstack_nlb_reads_its_subnets_once(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    add_ipv6(world)
    spec = spec_of(provider, dual(), world.nodes)
    provider.ensure(spec)
    assert "ec2.DescribeSubnets" in calls.made  # their IPv6 blocks (and the VPC, once)
    calls.start()
    provider.ensure(spec)
    assert "ec2.DescribeSubnets" not in calls.made  # cached
    assert calls.writes() == {}


def test_a_plan_of_a_policy_change_names_the_switch_and_the_run_makes_it(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    add_ipv6(world)
    provider.ensure(spec_of(provider, service(), world.nodes))
    arn = lb_arn(world, spec_of(provider, service(), world.nodes).ref.name)
    wanted = spec_of(provider, dual(), world.nodes)
    calls.start()
    planned = provider.plan(wanted)
    assert calls.writes() == {}
    switch = [c for c in planned if c.operation == "SetIpAddressType"]
    assert [(c.action, c.kind, c.name) for c in switch] == [("update", "load-balancer", arn)]
    provider.ensure(wanted)
    made = Counter(name.split(".")[1] for name in calls.writes().elements())
    assert made == Counter(c.operation for c in planned)  # exactly what the plan said
    found = world.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    assert found[0]["IpAddressType"] == "dualstack"
