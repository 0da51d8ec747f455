"""NLB create and converge-in-place, against moto_server, counting every API call."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT, LoadBalancerSpec
from providers.aws.options import CROSS_ZONE, EXTRA_TAGS, INTERNAL, PROXY_PROTOCOL
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker, shared_marker
from tests.support.builders import service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
from .views import instance_ids, lb_arn, listeners, rules, target_groups, targets

pytestmark = pytest.mark.integration

PORTS = ((80, "TCP", 30080), (443, "TCP", 30443))


def test_create_builds_everything_tagged(world: World, provider: AwsLoadBalancers) -> None:
    spec = spec_of(provider, service(ports=PORTS), world.nodes)
    status = provider.ensure(spec)
    lb = world.elbv2.describe_load_balancers(Names=[spec.ref.name])["LoadBalancers"]
    assert len(lb) == 1 and lb[0]["Type"] == "network" and lb[0]["Scheme"] == "internet-facing"
    assert status.ingress[0].hostname == lb[0]["DNSName"]
    groups = target_groups(world, spec.ref.name)
    assert sorted((g["Protocol"], g["Port"]) for g in groups.values()) == [
        ("TCP", 30080),
        ("TCP", 30443),
    ]
    for group in groups.values():
        assert (group["HealthCheckProtocol"], group["HealthCheckPort"]) == ("HTTP", "10256")
        assert group["HealthCheckPath"] == "/healthz"
        assert group["Tags"]["kubernetes.io/cluster/test"] == "owned"
        assert targets(world, group["TargetGroupArn"]) == instance_ids(world.nodes)
    assert {(x["Port"], x["Protocol"]) for x in listeners(world, spec.ref.name)} == {
        (80, "TCP"),
        (443, "TCP"),
    }
    assert rules(world, marker(spec.ref)) == {
        ("tcp", 30080, "0.0.0.0/0"),
        ("tcp", 30443, "0.0.0.0/0"),
    }
    assert rules(world, shared_marker("test")) == {("tcp", KUBE_PROXY_HEALTH_PORT, "10.0.0.0/16")}


def test_second_ensure_reads_exactly(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    spec = spec_of(provider, service(ports=PORTS), world.nodes)
    provider.ensure(spec)
    calls.start()
    provider.ensure(spec)
    assert calls.made == [  # these reads and no write (the address: the contract suite)
        "elbv2.DescribeLoadBalancers",
        "elbv2.DescribeTags",
        "elbv2.DescribeListeners",
        "elbv2.DescribeTargetHealth",
        "elbv2.DescribeTargetHealth",
    ]


def test_create_writes(world: World, provider: AwsLoadBalancers, calls: BotoCalls) -> None:
    provider.ensure(spec_of(provider, service(ports=PORTS), world.nodes))
    assert calls.writes() == {
        "elbv2.CreateLoadBalancer": 1,
        "ec2.AuthorizeSecurityGroupIngress": 2,  # this Service's rules, the shared health rule
        "elbv2.CreateTargetGroup": 2,
        "elbv2.RegisterTargets": 2,
        "elbv2.CreateListener": 2,
        "elbv2.AddTags": 1,
    }


def _again(
    provider: AwsLoadBalancers, calls: BotoCalls, spec: LoadBalancerSpec[Any]
) -> Counter[str]:
    """Ensure `spec` and return the writes that took."""
    calls.start()
    provider.ensure(spec)
    return calls.writes()


def test_adding_a_port_creates_only_its_group_and_listener(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(ports=PORTS[:1]), world.nodes))
    name = spec_of(provider, service(), world.nodes).ref.name
    writes = _again(provider, calls, spec_of(provider, service(ports=PORTS), world.nodes))
    assert writes == {
        "ec2.AuthorizeSecurityGroupIngress": 1,
        "elbv2.CreateTargetGroup": 1,
        "elbv2.RegisterTargets": 1,
        "elbv2.CreateListener": 1,
        "elbv2.AddTags": 1,
    }
    assert {x["Port"] for x in listeners(world, name)} == {80, 443}


def test_removing_a_port_deletes_its_listener_group_and_rule(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(ports=PORTS), world.nodes))
    spec = spec_of(provider, service(ports=PORTS[:1]), world.nodes)
    writes = _again(provider, calls, spec)
    assert writes == {
        "ec2.RevokeSecurityGroupIngress": 1,
        "elbv2.DeleteListener": 1,
        "elbv2.DeleteTargetGroup": 1,
        "elbv2.AddTags": 1,
    }
    assert [g["Port"] for g in target_groups(world, spec.ref.name).values()] == [30080]
    assert rules(world, marker(spec.ref)) == {("tcp", 30080, "0.0.0.0/0")}
    all_groups = world.elbv2.describe_target_groups()["TargetGroups"]
    assert [g["Port"] for g in all_groups] == [30080]


def test_changing_a_port_moves_its_listener(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(), world.nodes))
    spec = spec_of(provider, service(ports=((8080, "TCP", 30080),)), world.nodes)
    before = {x["ListenerArn"] for x in listeners(world, spec.ref.name)}
    assert _again(provider, calls, spec) == {"elbv2.ModifyListener": 1, "elbv2.AddTags": 1}
    after = listeners(world, spec.ref.name)
    assert [x["Port"] for x in after] == [8080]
    assert {x["ListenerArn"] for x in after} == before


def test_changing_a_node_port_replaces_the_group_new_before_old(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(), world.nodes))
    spec = spec_of(provider, service(ports=((80, "TCP", 30081),)), world.nodes)
    assert _again(provider, calls, spec) == {
        "ec2.AuthorizeSecurityGroupIngress": 1,
        "ec2.RevokeSecurityGroupIngress": 1,
        "elbv2.CreateTargetGroup": 1,
        "elbv2.RegisterTargets": 1,
        "elbv2.ModifyListener": 1,
        "elbv2.DeleteTargetGroup": 1,
        "elbv2.AddTags": 1,
    }
    writes = [
        c
        for c in calls.made
        if c in ("elbv2.CreateTargetGroup", "elbv2.ModifyListener", "elbv2.DeleteTargetGroup")
    ]
    assert writes == ["elbv2.CreateTargetGroup", "elbv2.ModifyListener", "elbv2.DeleteTargetGroup"]
    (group,) = target_groups(world, spec.ref.name).values()
    assert group["Port"] == 30081
    assert targets(world, group["TargetGroupArn"]) == instance_ids(world.nodes)


@pytest.mark.parametrize(
    ("after", "sent"),
    [
        pytest.param((53, "UDP", 30054), set(), id="udp-node-port"),
        pytest.param((54, "UDP", 30053), {"Port"}, id="udp-port"),
        pytest.param((53, "TCP", 30053), {"Protocol"}, id="protocol"),
    ],
)
def test_modify_listener_sends_port_and_protocol_only_when_they_change(
    world: World,
    provider: AwsLoadBalancers,
    calls: BotoCalls,
    after: tuple[int, str, int],
    sent: set[str],
) -> None:
    """AWS takes an unchanged Port/Protocol; moto refuses a UDP one even unchanged, so a UDP
    Service's NodePort or port change must not send what stays."""
    provider.ensure(spec_of(provider, service(ports=((53, "UDP", 30053),)), world.nodes))
    spec = spec_of(provider, service(ports=(after,)), world.nodes)
    calls.start()
    provider.ensure(spec)
    (sent_body,) = [
        p["body"]
        for c, p in zip(calls.made, calls.params, strict=True)
        if c.endswith("ModifyListener")
    ]
    assert {key for key in sent_body if key in ("Port", "Protocol")} == sent
    assert [(x["Port"], x["Protocol"]) for x in listeners(world, spec.ref.name)] == [after[:2]]


def test_tcp_and_udp_on_one_port_share_a_tcp_udp_listener(
    world: World, provider: AwsLoadBalancers
) -> None:
    ports = ((53, "TCP", 30053), (53, "UDP", 30053), (80, "TCP", 30080))
    spec = spec_of(provider, service(ports=ports), world.nodes)
    provider.ensure(spec)
    found = {(x["Port"], x["Protocol"]) for x in listeners(world, spec.ref.name)}
    assert found == {(53, "TCP_UDP"), (80, "TCP")}
    assert rules(world, marker(spec.ref)) == {
        ("tcp", 30053, "0.0.0.0/0"),
        ("udp", 30053, "0.0.0.0/0"),
        ("tcp", 30080, "0.0.0.0/0"),
    }


def test_local_traffic_policy_moves_the_health_check(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(ports=PORTS), world.nodes))
    svc = service(ports=PORTS, external_traffic_policy="Local", health_check_node_port=31999)
    spec = spec_of(provider, svc, world.nodes)
    assert _again(provider, calls, spec) == {
        "elbv2.ModifyTargetGroup": 2,
        "ec2.AuthorizeSecurityGroupIngress": 1,
        "elbv2.AddTags": 1,
    }
    for group in target_groups(world, spec.ref.name).values():
        assert (group["HealthCheckPort"], group["HealthCheckPath"]) == ("31999", "/healthz")
    assert ("tcp", 31999, "10.0.0.0/16") in rules(world, marker(spec.ref))
    assert rules(world, shared_marker("test")) == {("tcp", KUBE_PROXY_HEALTH_PORT, "10.0.0.0/16")}


def test_source_ranges_change_only_rules(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(), world.nodes))
    svc = service(source_ranges=("192.0.2.0/24", "198.51.100.0/24"))
    spec = spec_of(provider, svc, world.nodes)
    arn = lb_arn(world, spec.ref.name)
    assert _again(provider, calls, spec) == {
        "ec2.AuthorizeSecurityGroupIngress": 1,
        "ec2.RevokeSecurityGroupIngress": 1,
        "elbv2.AddTags": 1,
    }
    assert rules(world, marker(spec.ref)) == {
        ("tcp", 30080, "192.0.2.0/24"),
        ("tcp", 30080, "198.51.100.0/24"),
    }
    assert lb_arn(world, spec.ref.name) == arn


def test_attribute_and_tag_changes_modify_in_place(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(), world.nodes))
    annotations = {CROSS_ZONE: "true", PROXY_PROTOCOL: "*", EXTRA_TAGS: "team=web,cost=1"}
    spec = spec_of(provider, service(annotations=annotations), world.nodes)
    assert _again(provider, calls, spec) == {
        "elbv2.ModifyLoadBalancerAttributes": 1,
        "elbv2.ModifyTargetGroupAttributes": 1,
        "elbv2.AddTags": 2,
    }
    arn = lb_arn(world, spec.ref.name)
    attributes = world.elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    assert {"Key": "load_balancing.cross_zone.enabled", "Value": "true"} in attributes
    (group,) = target_groups(world, spec.ref.name).values()
    assert group["Tags"]["team"] == "web"
    assert _again(provider, calls, spec) == {}


def test_scheme_change_recreates_the_nlb(world: World, provider: AwsLoadBalancers) -> None:
    provider.ensure(spec_of(provider, service(), world.nodes))
    spec = spec_of(provider, service(annotations={INTERNAL: "true"}), world.nodes)
    old = lb_arn(world, spec.ref.name)
    creates = [c for c in provider.plan(spec) if c.operation == "CreateLoadBalancer"]
    assert [c.detail for c in creates] == [f"replaces NLB {spec.ref.name}: scheme changes"]
    provider.ensure(spec)
    (lb,) = world.elbv2.describe_load_balancers(Names=[spec.ref.name])["LoadBalancers"]
    assert lb["LoadBalancerArn"] != old and lb["Scheme"] == "internal"
    assert len(world.elbv2.describe_target_groups()["TargetGroups"]) == 1


def test_verify_repairs_a_listener_deleted_behind_our_back(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    spec = spec_of(provider, service(ports=PORTS), world.nodes)
    provider.ensure(spec)
    gone = listeners(world, spec.ref.name)[0]
    world.elbv2.delete_listener(ListenerArn=gone["ListenerArn"])
    assert _again(provider, calls, spec) == {}  # the fingerprint shortcut trusts its record
    calls.start()
    provider.ensure(spec, verify=True)
    assert calls.writes() == {"elbv2.CreateListener": 1}
    assert {(x["Port"], x["Protocol"]) for x in listeners(world, spec.ref.name)} == {
        (80, "TCP"),
        (443, "TCP"),
    }
