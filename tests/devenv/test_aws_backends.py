"""The same small boto3 round trip passes on both AWS stand-ins: moto_server and LocalStack;
and moto describes a new classic ELB's health check as AWS does (`devenv.moto_serve`)."""

from __future__ import annotations

import boto3
import pytest

from devenv.state import EnvState
from tests.conftest import aws_backend_url


@pytest.mark.parametrize("backend", ["moto", "localstack"])
def test_nlb_round_trip(devenv: EnvState, backend: str) -> None:
    url = aws_backend_url(devenv, backend)
    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1")
    elbv2 = boto3.client("elbv2", endpoint_url=url, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    lb = elbv2.create_load_balancer(
        Name="smoke", Type="network", Subnets=[subnet["Subnet"]["SubnetId"]]
    )["LoadBalancers"][0]
    tg = elbv2.create_target_group(
        Name="smoke-tg", Protocol="TCP", Port=30080, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]

    found = elbv2.describe_load_balancers(Names=["smoke"])["LoadBalancers"]
    assert [f["LoadBalancerArn"] for f in found] == [lb["LoadBalancerArn"]]
    assert found[0]["Type"] == "network"
    assert found[0]["DNSName"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert [(x["Port"], x["Protocol"]) for x in listeners] == [(80, "TCP")]

    elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
    elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert elbv2.describe_target_groups()["TargetGroups"] == []


def test_a_new_classic_elb_has_the_health_check_aws_gives_it(devenv: EnvState) -> None:
    """moto, run through `devenv.moto_serve`: what AWS describes for an ELB never configured
    (bare moto describes none; the upstream aws-cloud-controller-manager panics on that)."""
    url = aws_backend_url(devenv, "moto")
    elb = boto3.client("elb", endpoint_url=url, region_name="us-east-1")
    listeners = [(80, 30080), (443, 30443)]
    elb.create_load_balancer(
        LoadBalancerName="smoke",
        Listeners=[
            {"Protocol": "TCP", "LoadBalancerPort": port, "InstancePort": node_port}
            for port, node_port in listeners
        ],
        AvailabilityZones=["us-east-1a"],
    )
    (found,) = elb.describe_load_balancers(LoadBalancerNames=["smoke"])["LoadBalancerDescriptions"]
    assert found["HealthCheck"] == {
        "Target": "TCP:30080",
        "Interval": 30,
        "Timeout": 5,
        "UnhealthyThreshold": 2,
        "HealthyThreshold": 10,
    }
