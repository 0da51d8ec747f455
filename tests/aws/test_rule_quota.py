"""The nodes' security group near AWS's quota of 60 inbound rules (both stand-ins enforce it).

A new Service whose rules do not fit is refused before its load balancer is made, with an
error naming the field; a Service that replaces its source ranges in a full group gets them,
because stale rules are revoked before new ones are added.
"""

from __future__ import annotations

import pytest

from lbcontroller.errors import PermanentError
from providers.aws.options import TYPE
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker
from tests.support.builders import service, spec_of

from .conftest import World
from .views import rules

pytestmark = pytest.mark.integration
QUOTA = 60


def _fill(world: World, leave: int) -> None:
    """Foreign rules (no marks of ours) until only `leave` rules fit in the nodes' group."""
    present = world.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [world.node_group]}]
    )["SecurityGroupRules"]
    used = sum(1 for rule in present if not rule["IsEgress"])
    world.ec2.authorize_security_group_ingress(
        GroupId=world.node_group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 2000 + i,
                "ToPort": 2000 + i,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
            for i in range(QUOTA - used - leave)
        ],
    )


@pytest.mark.parametrize("kind", ["nlb", "classic"])
def test_a_new_service_that_does_not_fit_is_refused_before_anything_is_made(
    world: World, provider: AwsLoadBalancers, kind: str
) -> None:
    ranges = ("192.0.2.0/24", "198.51.100.0/24", "198.18.0.0/24")
    svc = service(source_ranges=ranges, annotations={TYPE: kind} if kind == "classic" else {})
    spec = spec_of(provider, svc, world.nodes)
    _fill(world, leave=0)  # AWS adds all of one call's rules or none; moto adds until full
    with pytest.raises(PermanentError, match="no room") as refused:
        provider.ensure(spec)
    assert refused.value.field == "spec.loadBalancerSourceRanges"
    assert world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert world.elbv2.describe_target_groups()["TargetGroups"] == []
    assert world.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    assert rules(world, marker(spec.ref)) == set()
    provider.ensure_deleted(spec.ref)  # the classic ELB's own group, made first, goes too
    groups = world.ec2.describe_security_groups()["SecurityGroups"]
    assert [g["GroupName"] for g in groups if g["GroupName"].startswith("k8s-elb-")] == []


def test_ranges_replaced_in_a_full_group_fit_because_stale_rules_go_first(
    world: World, provider: AwsLoadBalancers
) -> None:
    before = spec_of(provider, service(source_ranges=("192.0.2.0/24",)), world.nodes)
    provider.ensure(before)
    _fill(world, leave=0)
    after = spec_of(provider, service(source_ranges=("198.51.100.0/24",)), world.nodes)
    provider.ensure(after)
    sources = {source for _, _, source in rules(world, marker(after.ref))}
    assert "198.51.100.0/24" in sources and "192.0.2.0/24" not in sources
