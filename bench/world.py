"""What moto holds before a scenario: a VPC, two subnets, a nodes' security group, per region.

Where it sits: the runner seeds one `World` for the controller (us-east-1) and one for the
boto3 baseline (us-west-2) after each moto reset, so the baseline builds the same load
balancers without ever seeing the controller's. As tests/aws/conftest.py `_world` does, but
no EC2 instances are made: moto accepts unknown instances in RegisterTargets, and with real
ones its DescribeTargetHealth scans every instance for every target (O(targets x instances)),
which would measure moto rather than the controller. Nodes carry instance-shaped ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config
from mypy_boto3_ec2 import EC2Client
from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

CONTROLLER_REGION = "us-east-1"
BASELINE_REGION = "us-west-2"
VPC_CIDR = "10.0.0.0/16"
# botocore's own retries off: every call made is one request, for the controller and baseline
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=32)


@dataclass(frozen=True)
class World:
    """One region's seeded network and the clients that reach it."""

    region: str
    endpoint: str
    vpc_id: str
    subnets: tuple[str, ...]
    node_group: str
    ec2: EC2Client
    elbv2: ElasticLoadBalancingv2Client


def clients(endpoint: str, region: str) -> tuple[EC2Client, ElasticLoadBalancingv2Client]:
    """Fresh ec2 and elbv2 clients for `region` at `endpoint`."""
    session = boto3.session.Session(region_name=region)
    ec2 = session.client("ec2", endpoint_url=endpoint, config=NO_RETRIES)
    elbv2 = session.client("elbv2", endpoint_url=endpoint, config=NO_RETRIES)
    return ec2, elbv2


def seed(endpoint: str, region: str) -> World:
    """A VPC with a subnet in each of two zones and an empty nodes' security group."""
    ec2, elbv2 = clients(endpoint, region)
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(zones(region), start=1)
    )
    group = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=vpc_id)
    return World(
        region=region,
        endpoint=endpoint,
        vpc_id=vpc_id,
        subnets=subnets,
        node_group=group["GroupId"],
        ec2=ec2,
        elbv2=elbv2,
    )


def zones(region: str) -> tuple[str, str]:
    """The two zones the subnets (and the nodes) are spread over."""
    return (f"{region}a", f"{region}b")
