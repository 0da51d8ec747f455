"""Fixtures for the AWS provider's tests, against a real moto_server over HTTP.

Integration tests take the `world` fixture: a freshly reset backend, once moto_server and once
LocalStack, holding a VPC, one subnet in each of two zones, a nodes' security group and three
EC2 instances as nodes; unit tests touch no server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from mypy_boto3_ec2 import EC2Client
from mypy_boto3_elb import ElasticLoadBalancingClient
from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

from devenv.state import EnvState
from lbcontroller.config import AwsProvider, RateLimit
from lbcontroller.metrics import Metrics
from lbcontroller.model import Node
from providers.aws import build
from providers.aws.provider import AwsLoadBalancers
from tests.conftest import aws_backend_url
from tests.support.builders import CLUSTER, node
from tests.support.calls import BotoCalls

REGION = "us-east-1"
ZONES = ("us-east-1a", "us-east-1b")
FAST = RateLimit(qps=10_000, burst=10_000)


@dataclass(frozen=True)
class World:
    """What each integration test starts with."""

    endpoint: str
    ec2: EC2Client
    elbv2: ElasticLoadBalancingv2Client
    elb: ElasticLoadBalancingClient
    vpc_id: str
    subnets: tuple[str, ...]
    node_group: str
    nodes: tuple[Node, ...]


def make_world(endpoint: str) -> World:
    """A VPC, a subnet in each of two zones, the nodes' security group and three instances as
    nodes, made on the AWS stand-in at `endpoint` (freshly reset by the caller)."""
    session = boto3.session.Session(region_name=REGION)
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    ec2 = session.client("ec2", endpoint_url=endpoint, config=config)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(ZONES, start=1)
    )
    group = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=vpc_id)
    nodes = []
    for i in range(3):
        zone, subnet = ZONES[i % 2], subnets[i % 2]
        made = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)
        instance = made["Instances"][0]["InstanceId"]
        nodes.append(node(f"node-{i}", provider_id=f"aws:///{zone}/{instance}"))
    return World(
        endpoint=endpoint,
        ec2=ec2,
        elbv2=session.client("elbv2", endpoint_url=endpoint, config=config),
        elb=session.client("elb", endpoint_url=endpoint, config=config),
        vpc_id=vpc_id,
        subnets=subnets,
        node_group=group["GroupId"],
        nodes=tuple(nodes),
    )


@pytest.fixture(params=["moto", "localstack"])
def world(request: pytest.FixtureRequest, devenv: EnvState) -> World:
    """A fresh AWS stand-in (each test runs on moto and on LocalStack) holding the world."""
    return make_world(aws_backend_url(devenv, str(request.param)))


@pytest.fixture
def provider(world: World, calls: BotoCalls) -> AwsLoadBalancers:
    """The provider under test, configured for the world, with generous rate limits; its
    calls are recorded in `calls`."""
    return provider_for(world, cluster=CLUSTER)


def provider_for(
    world: World, *, cluster: str, upstream_cluster_id: str | None = None, **settings: Any
) -> AwsLoadBalancers:
    """A provider configured for the world, with generous rate limits; `settings` override
    any other field of its config entry."""
    config = AwsProvider(
        type="aws",
        name="aws-test",
        region=REGION,
        endpoint=world.endpoint,
        node_security_group=world.node_group,
        rate_limits={"describe": FAST, "register": FAST, "modify": FAST},
        upstream_cluster_id=upstream_cluster_id,
        **({"subnets": list(world.subnets)} | settings),
    )
    built = build(config, cluster=cluster, metrics=Metrics())
    assert isinstance(built, AwsLoadBalancers)
    return built


@pytest.fixture
def calls(world: World) -> Iterator[BotoCalls]:
    """Records every call of the botocore clients made after the world (so the provider's)."""
    with BotoCalls().hooked() as recorder:
        yield recorder
