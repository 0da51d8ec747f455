"""AWS's request limits in the fault proxy, without a server: which bucket a call draws from,
bursts and refills by a fake clock, the scale, and the configuration's validation."""

from __future__ import annotations

import pytest

from devenv.faults.calls import CloudCall, recognise
from devenv.faults.limits import AwsLimits, bucket_of
from devenv.faults.rules import ConfigError

FORM = "application/x-www-form-urlencoded"


def aws(service: str, action: str, *params: str) -> CloudCall:
    version = {"elbv2": "2015-12-01", "elb": "2012-06-01", "ec2": "2016-11-15"}[service]
    body = "&".join([f"Action={action}", f"Version={version}", *params]).encode()
    call = recognise("POST", "/", FORM, body)
    assert call is not None
    return call


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def burst(limits: AwsLimits, call: CloudCall, calls: int) -> int:
    """How many of `calls` back-to-back calls pass."""
    return sum(limits.admit(call) for _ in range(calls))


@pytest.mark.parametrize(
    ("call", "key", "size"),
    [
        (aws("elbv2", "DescribeLoadBalancers"), "elbv2:describe", (40, 10)),
        (aws("elbv2", "DescribeTargetHealth", "TargetGroupArn=x"), "elbv2:describe", (40, 10)),
        (aws("elbv2", "RegisterTargets", "TargetGroupArn=x"), "elbv2:register", (20, 4)),
        (aws("elb", "RegisterInstancesWithLoadBalancer"), "elb:register", (20, 4)),
        (aws("elbv2", "AddTags"), "elbv2:tags", (20, 3)),
        (aws("elbv2", "CreateListener"), "elbv2:mutate", (20, 3)),
        (aws("elb", "DescribeLoadBalancers"), "elb:describe", (40, 10)),
        (
            aws("ec2", "DescribeInstances", "InstanceId.1=i-1"),
            "ec2:DescribeInstances:describe",
            (100, 20),
        ),
        (aws("ec2", "DescribeInstances"), "ec2:DescribeInstances:describe-unfiltered", (50, 10)),
        (aws("ec2", "CreateTags"), "ec2:CreateTags:mutate", (50, 5)),
        (
            aws("ec2", "AuthorizeSecurityGroupIngress"),
            "ec2:AuthorizeSecurityGroupIngress:intensive",
            (50, 5),
        ),
    ],
)
def test_each_call_draws_from_its_documented_bucket(
    call: CloudCall, key: str, size: tuple[int, int]
) -> None:
    found = bucket_of(call)
    assert found is not None
    assert (found[0], (found[1].capacity, found[1].refill)) == (key, size)


def test_gce_calls_are_never_limited() -> None:
    call = recognise("GET", "/compute/v1/projects/p/global/healthChecks", "", b"")
    assert call is not None and bucket_of(call) is None
    assert all(AwsLimits(enabled=True).admit(call) for _ in range(500))


def test_off_by_default_nothing_is_throttled() -> None:
    assert burst(AwsLimits(), aws("elbv2", "DescribeLoadBalancers"), 200) == 200


def test_a_burst_empties_the_bucket_and_the_clock_refills_it() -> None:
    clock = Clock()
    limits = AwsLimits(enabled=True, clock=clock)
    describe = aws("elbv2", "DescribeLoadBalancers")
    assert burst(limits, describe, 60) == 40
    clock.now += 0.5
    assert burst(limits, describe, 60) == 5  # 10 a second
    clock.now += 60
    assert burst(limits, describe, 60) == 40  # never more than the capacity


def test_categories_and_services_keep_their_own_tokens() -> None:
    limits = AwsLimits(enabled=True, clock=Clock())
    assert burst(limits, aws("elbv2", "DescribeTargetGroups"), 50) == 40
    assert burst(limits, aws("elbv2", "DescribeListeners"), 5) == 0  # one Describe* bucket
    assert burst(limits, aws("elbv2", "RegisterTargets"), 30) == 20
    assert burst(limits, aws("elb", "DescribeLoadBalancers"), 50) == 40  # classic: its own
    assert burst(limits, aws("ec2", "DescribeSubnets", "SubnetId.1=s"), 120) == 100
    assert burst(limits, aws("ec2", "DescribeVpcs", "VpcId.1=v"), 120) == 100  # per API


def test_the_scale_shrinks_capacity_and_refill_alike() -> None:
    clock = Clock()
    limits = AwsLimits(enabled=True, scale=0.1, clock=clock)
    register = aws("elbv2", "DeregisterTargets")
    assert burst(limits, register, 10) == 2
    clock.now += 2.5  # 0.4 a second
    assert burst(limits, register, 10) == 1


def test_configuring_refills_every_bucket_and_is_validated() -> None:
    limits = AwsLimits(enabled=True, clock=Clock())
    describe = aws("elbv2", "DescribeLoadBalancers")
    assert burst(limits, describe, 40) == 40
    assert limits.configure({"scale": 0.5}) == limits.to_json()
    assert limits.to_json()["scale"] == 0.5
    assert burst(limits, describe, 40) == 20
    bad_specs: list[tuple[dict[str, object], str]] = [
        ({"scale": 0}, "scale"),
        ({"enabled": "yes"}, "enabled"),
        ({"rate": 1}, "unknown keys"),
    ]
    for bad, message in bad_specs:
        with pytest.raises(ConfigError, match=message):
            limits.configure(bad)
    assert limits.to_json()["scale"] == 0.5 and limits.enabled
