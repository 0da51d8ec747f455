"""Reading what moto holds, independently of the provider's own code."""

from __future__ import annotations

import ipaddress
from typing import Any

from lbcontroller.model import Node
from providers.aws.security_groups import RULE_OWNER

from .conftest import World


def instance_ids(nodes: tuple[Node, ...]) -> set[str]:
    """The EC2 instance ids behind the nodes."""
    return {n.provider_id.rsplit("/", 1)[1] for n in nodes}


def add_ipv6(world: World) -> None:
    """Give the world's VPC an Amazon IPv6 block and each of its subnets a /64 of it."""
    association = world.ec2.associate_vpc_cidr_block(
        VpcId=world.vpc_id, AmazonProvidedIpv6CidrBlock=True
    )
    block = ipaddress.ip_network(association["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
    for subnet, cidr in zip(world.subnets, block.subnets(new_prefix=64), strict=False):
        world.ec2.associate_subnet_cidr_block(SubnetId=subnet, Ipv6CidrBlock=str(cidr))


def lb_arn(world: World, name: str) -> str:
    """The ARN of the one NLB named `name`."""
    found = world.elbv2.describe_load_balancers(Names=[name])["LoadBalancers"]
    assert len(found) == 1
    return found[0]["LoadBalancerArn"]


def target_groups(world: World, name: str) -> dict[str, dict[str, Any]]:
    """The target groups the NLB's listeners forward to, by name, each with a `Tags` dict."""
    arns = sorted({x["DefaultActions"][0]["TargetGroupArn"] for x in listeners(world, name)})
    groups = world.elbv2.describe_target_groups(TargetGroupArns=arns)
    out: dict[str, dict[str, Any]] = {}
    for group in groups["TargetGroups"]:
        arn = group["TargetGroupArn"]
        tags = world.elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
        out[group["TargetGroupName"]] = {**group, "Tags": {t["Key"]: t["Value"] for t in tags}}
    return out


def targets(world: World, arn: str) -> set[str]:
    """The instance ids registered in a target group."""
    health = world.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return {d["Target"]["Id"] for d in health}


def listeners(world: World, name: str) -> list[Any]:
    """The NLB's listeners."""
    arn = lb_arn(world, name)
    return list(world.elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"])


def rules(world: World, description: str, group: str | None = None) -> set[tuple[str, int, str]]:
    """(protocol, port, source) of the ingress rules marked `description` (by tag)."""
    found = world.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group or world.node_group]}]
    )["SecurityGroupRules"]
    return {
        (
            r["IpProtocol"],
            r["FromPort"],
            r.get("CidrIpv4")
            or r.get("CidrIpv6")
            or r.get("ReferencedGroupInfo", {}).get("GroupId", ""),
        )
        for r in found
        if {"Key": RULE_OWNER, "Value": description} in r.get("Tags", []) and not r["IsEgress"]
    }
