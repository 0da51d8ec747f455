"""Subnets as cloud-provider-aws finds them: `Name` tags in the annotation, and discovery by the
role and cluster tags when neither the annotation nor the config gives any.

The choice itself (`pick`) is table-tested with no server; resolving names and discovering
run against moto's EC2 (route tables, tags, zones) through the provider.
"""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.errors import PermanentError
from providers.aws import options as k
from providers.aws.subnets import ROLE_ELB, ROLE_INTERNAL_ELB, pick
from tests.support.builders import CLUSTER, service, spec_of

from .conftest import World, provider_for

OURS = f"kubernetes.io/cluster/{CLUSTER}"
PUBLIC: list[dict[str, Any]] = [
    {"Associations": [{"Main": True}], "Routes": [{"GatewayId": "igw-1"}]},
    {"Associations": [{"SubnetId": "subnet-private"}], "Routes": [{"GatewayId": "local"}]},
]


def _subnet(subnet_id: str, zone: str, **tags: str) -> dict[str, Any]:
    return {
        "SubnetId": subnet_id,
        "AvailabilityZone": zone,
        "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
    }


def _pick(
    subnets: list[dict[str, Any]], *, internal: bool = False, zones: dict[str, str] | None = None
) -> Any:
    return pick(subnets, PUBLIC, zones or {}, internal=internal, cluster=CLUSTER)


def test_one_subnet_per_zone_in_zone_order() -> None:
    subnets = [_subnet("subnet-b", "us-east-1b"), _subnet("subnet-a", "us-east-1a")]
    assert _pick(subnets) == ("subnet-a", "subnet-b")


def test_internet_facing_takes_public_subnets_only_internal_takes_both() -> None:
    subnets = [_subnet("subnet-private", "us-east-1a"), _subnet("subnet-z", "us-east-1b")]
    assert _pick(subnets) == ("subnet-z",)
    assert _pick(subnets, internal=True) == ("subnet-private", "subnet-z")


def test_ties_go_to_the_role_tag_then_the_cluster_tag_then_the_lower_id() -> None:
    plain = _subnet("subnet-1", "us-east-1a")
    clustered = _subnet("subnet-3", "us-east-1a", **{OURS: "shared"})
    role = _subnet("subnet-9", "us-east-1a", **{ROLE_ELB: "1"})
    internal_role = _subnet("subnet-8", "us-east-1a", **{ROLE_INTERNAL_ELB: "1"})
    assert _pick([plain, clustered, role, internal_role]) == ("subnet-9",)
    assert _pick([plain, clustered, role, internal_role], internal=True) == ("subnet-8",)
    assert _pick([plain, clustered]) == ("subnet-3",)
    assert _pick([_subnet("subnet-7", "us-east-1a"), plain]) == ("subnet-1",)


def test_another_clusters_subnets_and_local_zones_are_left_out() -> None:
    theirs = _subnet("subnet-1", "us-east-1a", **{"kubernetes.io/cluster/other": "owned"})
    local = _subnet("subnet-2", "us-east-1-bos-1a", **{OURS: "owned"})
    assert _pick([theirs, local], zones={"us-east-1-bos-1a": "local-zone"}) == ()


def _public(world: World) -> None:
    ec2 = world.ec2
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=world.vpc_id)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [world.vpc_id]}])
    main = tables["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)


def _nlb_subnets(world: World) -> set[str]:
    (lb,) = world.elbv2.describe_load_balancers()["LoadBalancers"]
    return {zone["SubnetId"] for zone in lb["AvailabilityZones"]}


@pytest.mark.integration
def test_subnet_names_are_resolved(world: World) -> None:
    world.ec2.create_tags(Resources=[world.subnets[1]], Tags=[{"Key": "Name", "Value": "edge-b"}])
    provider = provider_for(world, cluster=CLUSTER)
    svc = service(annotations={k.SUBNETS: "edge-b"})
    provider.ensure(spec_of(provider, svc, world.nodes))
    assert _nlb_subnets(world) == {world.subnets[1]}
    with pytest.raises(PermanentError, match="no single subnet is named nowhere"):
        provider.ensure(spec_of(provider, service("b", annotations={k.SUBNETS: "nowhere"})))


@pytest.mark.integration
def test_subnets_are_discovered_by_the_role_tag_one_per_zone(world: World) -> None:
    _public(world)
    tagged = world.ec2.create_subnet(
        VpcId=world.vpc_id, CidrBlock="10.0.9.0/24", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    world.ec2.create_tags(Resources=[tagged], Tags=[{"Key": ROLE_ELB, "Value": "1"}])
    provider = provider_for(world, cluster=CLUSTER, subnets=[], vpc_id=world.vpc_id)
    provider.ensure(spec_of(provider, service(annotations={k.TYPE: "nlb"}), world.nodes))
    assert _nlb_subnets(world) == {tagged, world.subnets[1]}


@pytest.mark.integration
def test_no_subnet_to_discover_is_refused(world: World) -> None:
    provider = provider_for(world, cluster=CLUSTER, subnets=[])
    with pytest.raises(PermanentError, match="no subnets"):
        provider.ensure(spec_of(provider, service(), world.nodes))


@pytest.mark.integration
def test_without_a_vpc_id_only_subnets_tagged_with_the_cluster_are_candidates(
    world: World,
) -> None:
    world.ec2.create_tags(Resources=[world.subnets[1]], Tags=[{"Key": OURS, "Value": "shared"}])
    provider = provider_for(world, cluster=CLUSTER, subnets=[])
    svc = service(annotations={k.TYPE: "nlb", k.INTERNAL: "true"})
    provider.ensure(spec_of(provider, svc, world.nodes))
    assert _nlb_subnets(world) == {world.subnets[1]}
