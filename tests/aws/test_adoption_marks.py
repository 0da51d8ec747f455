"""Adoption by upstream's marks, on NLBs seeded as cloud-provider-aws makes them.

An NLB named `a` + the Service's UID, tagged with upstream's cluster id and service-name,
behind a `k8s-…` target group, its client rule and the ICMP MTU rule on the nodes' group
(described as upstream describes them): with `upstreamClusterId` naming that cluster id it is
adopted (the client rule taken over in place, same rule id), and deleting the Service leaves
nothing of either; when the cluster ids differ it is a look-alike, never touched; one whose
Service is gone is listed for `gc`, and deleting that ref removes it with its group and rules.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from mypy_boto3_ec2.type_defs import IpPermissionTypeDef, IpRangeTypeDef

from lbcontroller.model import Ingress, Service
from providers.aws.ownership import upstream_name
from tests.support.builders import CLUSTER, service, spec_of

from .conftest import World, provider_for

pytestmark = pytest.mark.integration
LEGACY = "legacy-id"
CLIENT = "kubernetes.io/rule/nlb/client="
MTU = "kubernetes.io/rule/nlb/mtu"
OWNER = "lbcontroller.io/rule-owner"
EVERYONE: list[IpRangeTypeDef] = [{"CidrIp": "0.0.0.0/0"}]


def _upstream_tags(svc: Service) -> list[Any]:
    return [
        {"Key": f"kubernetes.io/cluster/{LEGACY}", "Value": "owned"},
        {"Key": "kubernetes.io/service-name", "Value": svc.key},
    ]


def _seed(world: World, svc: Service) -> str:
    """What upstream makes for `svc` (port 80 -> NodePort 30080); returns the NLB's ARN."""
    name = upstream_name(svc.uid)
    tags = _upstream_tags(svc)
    arn = world.elbv2.create_load_balancer(
        Name=name, Type="network", Subnets=list(world.subnets), Tags=tags
    )["LoadBalancers"][0]["LoadBalancerArn"]
    group = world.elbv2.create_target_group(
        Name=f"k8s-default-web-{uuid.uuid4().hex[:10]}",
        Protocol="TCP",
        Port=30080,
        VpcId=world.vpc_id,
        TargetType="instance",
        Tags=tags,
    )["TargetGroups"][0]["TargetGroupArn"]
    world.elbv2.create_listener(
        LoadBalancerArn=arn,
        Port=80,
        Protocol="TCP",
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )
    client: IpPermissionTypeDef = {
        "IpProtocol": "tcp",
        "FromPort": 30080,
        "ToPort": 30080,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": CLIENT + name}],
    }
    mtu: IpPermissionTypeDef = {
        "IpProtocol": "icmp",
        "FromPort": 3,
        "ToPort": 4,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": MTU}],
    }
    world.ec2.authorize_security_group_ingress(
        GroupId=world.node_group, IpPermissions=[client, mtu]
    )
    return str(arn)


def _rules(world: World) -> dict[str, Any]:
    items = world.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [world.node_group]}]
    )["SecurityGroupRules"]
    return {r["SecurityGroupRuleId"]: r for r in items if not r["IsEgress"]}


def _client_rule(world: World) -> str:
    (rid,) = [i for i, r in _rules(world).items() if r.get("FromPort") == 30080]
    return rid


def _svc() -> Service:
    """A Service upstream served: its NLB's name in the status, upstream's finalizer on it."""
    uid = str(uuid.uuid4())
    return service(
        uid=uid,
        ingress=(Ingress(hostname=f"a{uid.replace('-', '')[:31]}.elb.example"),),
        finalizers=("service.kubernetes.io/load-balancer-cleanup",),
    )


def test_an_upstream_nlb_of_the_configured_cluster_id_is_adopted_then_deleted(
    world: World,
) -> None:
    svc = _svc()
    arn = _seed(world, svc)
    dns = world.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    client = _client_rule(world)
    provider = provider_for(world, cluster=CLUSTER, upstream_cluster_id=LEGACY)
    spec = spec_of(provider, svc, world.nodes)

    status = provider.ensure(spec)

    assert status.ingress[0].hostname == dns["DNSName"]
    (lb,) = world.elbv2.describe_load_balancers()["LoadBalancers"]
    assert lb["LoadBalancerArn"] == arn
    (group,) = world.elbv2.describe_target_groups()["TargetGroups"]
    assert not group["TargetGroupName"].startswith("k8s-default-web-")
    rules = _rules(world)
    assert client in rules  # taken over in place, not revoked and added again
    assert {t["Key"] for t in rules[client].get("Tags", [])} == {OWNER}
    assert not [r for r in rules.values() if r.get("Description") == MTU]
    assert provider.plan(spec) == ()

    provider.ensure_deleted(spec.ref)

    assert world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert world.elbv2.describe_target_groups()["TargetGroups"] == []
    assert {r.get("FromPort") for r in _rules(world).values()} <= {10256}


def test_an_upstream_nlb_of_another_cluster_id_is_a_look_alike(world: World) -> None:
    svc = _svc()
    arn = _seed(world, svc)
    before = world.elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"]
    rules = _rules(world)
    provider = provider_for(world, cluster=CLUSTER)  # upstreamClusterId: clusterName
    spec = spec_of(provider, svc, world.nodes)

    assert all(change.action != "adopt" for change in provider.plan(spec))
    provider.ensure(spec)
    provider.ensure_deleted(spec.ref)

    (lb,) = world.elbv2.describe_load_balancers()["LoadBalancers"]
    assert lb["LoadBalancerArn"] == arn
    assert world.elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"] == before
    assert len(world.elbv2.describe_target_groups()["TargetGroups"]) == 1
    assert set(rules) <= set(_rules(world))
    assert provider.list_owned() == []


def test_gc_deletes_an_upstream_nlb_whose_service_is_gone(world: World) -> None:
    svc = _svc()
    arn = _seed(world, svc)
    provider = provider_for(world, cluster=CLUSTER, upstream_cluster_id=LEGACY)

    (owned,) = provider.list_owned()
    assert owned.cloud_id == arn and owned.ref.service_key == svc.key
    provider.ensure_deleted(owned.ref)  # what `lbcontroller gc` does with an orphan

    assert world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert world.elbv2.describe_target_groups()["TargetGroups"] == []
    assert _rules(world) == {}


def _seed_classic(world: World, svc: Service, cluster_id: str = LEGACY) -> str:
    """What upstream makes for `svc` on a classic ELB: the ELB, its own group `k8s-elb-<lb>`
    (port 80 and ICMP open to everyone) and the nodes' group open to that group."""
    name = upstream_name(svc.uid)
    group = world.ec2.create_security_group(
        GroupName=f"k8s-elb-{name}",
        Description=f"Security group for Kubernetes ELB {name} ({svc.key})",
        VpcId=world.vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": f"kubernetes.io/cluster/{cluster_id}", "Value": "owned"}],
            }
        ],
    )["GroupId"]
    front: list[IpPermissionTypeDef] = [
        {"IpProtocol": protocol, "FromPort": low, "ToPort": high, "IpRanges": EVERYONE}
        for protocol, low, high in (("tcp", 80, 80), ("icmp", 3, 4))
    ]
    world.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=front)
    world.ec2.authorize_security_group_ingress(
        GroupId=world.node_group,
        IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}],
    )
    world.elb.create_load_balancer(
        LoadBalancerName=name,
        Listeners=[
            {
                "Protocol": "TCP",
                "LoadBalancerPort": 80,
                "InstanceProtocol": "TCP",
                "InstancePort": 30080,
            }
        ],
        Subnets=[world.subnets[0]],
        SecurityGroups=[group],
        Tags=[
            {"Key": f"kubernetes.io/cluster/{cluster_id}", "Value": "owned"},
            {"Key": "kubernetes.io/service-name", "Value": svc.key},
        ],
    )
    return name


def _group_names(world: World) -> set[str]:
    found = world.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [world.vpc_id]}]
    )["SecurityGroups"]
    return {g["GroupName"] for g in found}


def test_gc_deletes_an_upstream_classic_elb_with_its_group_and_rules(world: World) -> None:
    svc = _svc()
    name = _seed_classic(world, svc)
    provider = provider_for(world, cluster=CLUSTER, upstream_cluster_id=LEGACY)

    (owned,) = provider.list_owned()
    assert owned.cloud_id == f"elb/{name}" and owned.ref.service_key == svc.key
    provider.ensure_deleted(owned.ref)  # what `lbcontroller gc` does with an orphan

    assert world.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    assert f"k8s-elb-{name}" not in _group_names(world)
    assert _rules(world) == {}


def test_an_upstream_classic_elb_of_another_cluster_id_is_a_look_alike(world: World) -> None:
    svc = _svc()
    name = _seed_classic(world, svc, cluster_id="elsewhere")
    rules = _rules(world)
    provider = provider_for(world, cluster=CLUSTER, upstream_cluster_id=LEGACY)
    spec = spec_of(provider, svc, world.nodes)

    assert provider.list_owned() == []
    provider.ensure_deleted(spec.ref)

    (lb,) = world.elb.describe_load_balancers()["LoadBalancerDescriptions"]
    assert lb["LoadBalancerName"] == name
    assert f"k8s-elb-{name}" in _group_names(world)
    assert set(rules) == set(_rules(world))
