"""The node path: `update_backends` writes only RegisterTargets / DeregisterTargets deltas."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from providers.aws.options import TYPE
from providers.aws.provider import AwsLoadBalancers
from tests.support.builders import node, service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
from .views import instance_ids, target_groups, targets

pytestmark = pytest.mark.integration

PORTS = ((80, "TCP", 30080), (443, "TCP", 30443))


def _new_node(world: World) -> str:
    made = world.ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=world.subnets[0]
    )
    return str(made["Instances"][0]["InstanceId"])


def test_adding_a_node_registers_it_once_per_group(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    svc = service(ports=PORTS)
    provider.ensure(spec_of(provider, svc, world.nodes))
    extra = _new_node(world)
    nodes = (*world.nodes, node("node-new", provider_id=f"aws:///us-east-1a/{extra}"))
    calls.start()
    provider.update_backends(spec_of(provider, svc, nodes))
    assert calls.writes() == {"elbv2.RegisterTargets": 2}  # who is behind it: the contract suite


def test_removing_a_node_deregisters_it_once_per_group(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    svc = service(ports=PORTS)
    provider.ensure(spec_of(provider, svc, world.nodes))
    calls.start()
    provider.update_backends(spec_of(provider, svc, world.nodes[1:]))
    assert calls.writes() == {"elbv2.DeregisterTargets": 2}  # who is left: the contract suite


def test_nodes_without_an_instance_id_are_skipped(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    svc = service()
    provider.ensure(spec_of(provider, svc, world.nodes))
    odd = (
        *world.nodes,
        node("bare", provider_id=""),
        node("other-cloud", provider_id="gce://p/z/vm"),
    )
    calls.start()
    provider.update_backends(spec_of(provider, svc, odd))
    assert calls.writes() == {}


def test_classic_node_changes_touch_instances_only(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    svc = service(annotations={TYPE: "classic"})
    provider.ensure(spec_of(provider, svc, world.nodes))
    calls.start()
    provider.update_backends(spec_of(provider, svc, world.nodes[:1]))
    assert calls.writes() == {"elb.DeregisterInstancesFromLoadBalancer": 1}
    calls.start()
    provider.update_backends(spec_of(provider, svc, world.nodes))
    assert calls.writes() == {"elb.RegisterInstancesWithLoadBalancer": 1}


@pytest.mark.parametrize("kind", ["nlb", "classic"])
def test_with_the_backends_last_applied_a_node_change_reads_nothing(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls, kind: str
) -> None:
    """The reconciler passes what it applied; the provider remembers where it put it."""
    svc = service(ports=PORTS, annotations={TYPE: kind} if kind == "classic" else {})
    before = spec_of(provider, svc, world.nodes)
    provider.ensure(before)
    extra = _new_node(world)
    nodes = (*world.nodes[1:], node("node-new", provider_id=f"aws:///us-east-1a/{extra}"))
    calls.start()
    provider.update_backends(spec_of(provider, svc, nodes), previous=before.backends)
    assert calls.reads() == {}
    if kind == "nlb":
        assert calls.writes() == {"elbv2.RegisterTargets": 2, "elbv2.DeregisterTargets": 2}
        for group in target_groups(world, before.ref.name).values():
            assert targets(world, group["TargetGroupArn"]) == instance_ids(nodes)
    else:
        assert calls.writes() == {
            "elb.RegisterInstancesWithLoadBalancer": 1,
            "elb.DeregisterInstancesFromLoadBalancer": 1,
        }
        (lb,) = world.elb.describe_load_balancers(LoadBalancerNames=[before.ref.name])[
            "LoadBalancerDescriptions"
        ]
        assert {i["InstanceId"] for i in lb["Instances"]} == instance_ids(nodes)


def test_a_failed_write_without_reads_sends_the_retry_down_the_read_path(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    """A group replaced behind our back: the no-read write fails, the retry reads and heals."""
    svc = service()
    before = spec_of(provider, svc, world.nodes)
    provider.ensure(before)
    [group] = target_groups(world, before.ref.name).values()
    lb = world.elbv2.describe_load_balancers(Names=[before.ref.name])["LoadBalancers"][0]
    for listener in world.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])[
        "Listeners"
    ]:
        world.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
    world.elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
    after = spec_of(provider, svc, world.nodes[1:])
    with pytest.raises(ClientError, match="TargetGroupNotFound"):
        provider.update_backends(after, previous=before.backends)
    calls.start()
    provider.update_backends(after, previous=before.backends)  # the read path: no group, no-op
    assert "elbv2.DescribeListeners" in calls.reads() and calls.writes() == {}
    provider.ensure(after, verify=True)  # the resync rebuilds it
    [rebuilt] = target_groups(world, before.ref.name).values()
    assert targets(world, rebuilt["TargetGroupArn"]) == instance_ids(world.nodes[1:])
