"""The AWS provider driven by the controller through the real API server, on moto and LocalStack.

What a user sees: a Service gets an NLB and its hostname; changes are applied in place (the
load balancer's ARN never changes); node changes cost one RegisterTargets/DeregisterTargets per
target group; deleting the Service leaves nothing of ours and never touches a look-alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lbcontroller.kube import KubeClient
from lbcontroller.naming import lb_name
from lbcontroller.spec import LoadBalancerRef
from providers.aws.options import HC_INTERVAL, TYPE
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker
from tests.support.calls import BotoCalls
from tests.support.harness import CLUSTER, make_controller, running, wait_for
from tests.support.objects import (
    Nodes,
    create_service,
    delete_service,
    events_for,
    get_service,
    patch_service,
)
from tests.support.stage import Stage as BaseStage
from tests.support.stage import lb_class

from .conftest import World, provider_for
from .test_resilience import Throttler
from .views import add_ipv6, lb_arn, listeners, rules, target_groups, targets

pytestmark = pytest.mark.integration
PORTS = [
    {"name": "http", "port": 80, "protocol": "TCP"},
    {"name": "https", "port": 443, "protocol": "TCP"},
]


@dataclass
class Stage(BaseStage[AwsLoadBalancers, BotoCalls]):
    """One test's cluster, AWS stand-in and running controller."""

    CLOUD = "aws"

    world: World

    def lb(self, name: str) -> str:
        return lb_name(CLUSTER, self.namespace, name)

    def create(self, name: str, *, annotations: dict[str, str] | None = None, **spec: Any) -> None:
        create_service(
            self.kube,
            self.namespace,
            name,
            lb_class=self.lb_class,
            ports=PORTS,
            annotations=annotations,
            **spec,
        )

    def warning(self, name: str) -> str:
        """The first Warning Event of the Service (waited for)."""
        found = wait_for(
            lambda: [
                e for e in events_for(self.kube, self.namespace, name) if e["type"] == "Warning"
            ],
            what="a Warning Event",
        )
        return str(found[0]["message"])

    def own_rules(self, name: str) -> set[tuple[str, int, str]]:
        """The Service's own rules on the nodes' group."""
        return rules(self.world, marker(lb_ref(self.namespace, name, self.lb(name))))

    def hostname(self, name: str) -> str:
        def ready() -> str | None:
            svc = get_service(self.kube, self.namespace, name)
            return svc.ingress[0].hostname if svc and svc.ingress else None

        found = wait_for(ready, timeout=30, what=f"{name}'s hostname")
        assert found is not None
        return found


@pytest.fixture
def stage(
    kube: KubeClient,
    namespace: str,
    world: World,
    nodes: Nodes,
    calls: BotoCalls,
) -> Iterator[Stage]:
    for node in world.nodes:
        nodes.add(node.name, provider_id=node.provider_id)
    provider = provider_for(world, cluster=CLUSTER)
    controller = make_controller(
        kube,
        {"aws": (provider, lb_class("aws", namespace))},
        node_selector={},
        node_sync_delay=0.3,
    )
    with running(controller):
        yield Stage(kube, namespace, provider, calls, nodes, controller, world=world)


def test_create_gives_a_tagged_nlb_and_its_hostname(stage: Stage) -> None:
    stage.create("web")
    hostname = stage.hostname("web")
    found = stage.world.elbv2.describe_load_balancers(Names=[stage.lb("web")])["LoadBalancers"]
    assert [lb["DNSName"] for lb in found] == [hostname]
    tags = stage.world.elbv2.describe_tags(ResourceArns=[found[0]["LoadBalancerArn"]])
    tag_map = {t["Key"]: t["Value"] for t in tags["TagDescriptions"][0]["Tags"]}
    assert tag_map[f"kubernetes.io/cluster/{CLUSTER}"] == "owned"
    assert tag_map["kubernetes.io/service-name"] == f"{stage.namespace}/web"
    groups = target_groups(stage.world, stage.lb("web"))
    assert len(groups) == 2
    assert all(g["Tags"][f"kubernetes.io/cluster/{CLUSTER}"] == "owned" for g in groups.values())
    assert sorted(x["Port"] for x in listeners(stage.world, stage.lb("web"))) == [80, 443]


@pytest.mark.parametrize(
    ("change", "expected_writes"),
    [
        pytest.param(
            {"spec": {"ports": [*PORTS, {"name": "dns", "port": 53, "protocol": "UDP"}]}},
            {
                "elbv2.CreateTargetGroup",
                "elbv2.RegisterTargets",
                "elbv2.CreateListener",
                "ec2.AuthorizeSecurityGroupIngress",
                "elbv2.AddTags",
            },
            id="add-port",
        ),
        pytest.param(
            {"spec": {"loadBalancerSourceRanges": ["192.0.2.0/24"]}},
            {
                "ec2.AuthorizeSecurityGroupIngress",
                "ec2.RevokeSecurityGroupIngress",
                "elbv2.AddTags",
            },
            id="source-ranges",
        ),
        pytest.param(
            {"spec": {"externalTrafficPolicy": "Local"}},
            {"elbv2.ModifyTargetGroup", "ec2.AuthorizeSecurityGroupIngress", "elbv2.AddTags"},
            id="traffic-policy",
        ),
        pytest.param(
            {"metadata": {"annotations": {HC_INTERVAL: "20"}}},
            {"elbv2.ModifyTargetGroup", "elbv2.AddTags"},
            id="annotation",
        ),
    ],
)
def test_changes_apply_in_place(
    stage: Stage, change: dict[str, object], expected_writes: set[str]
) -> None:
    stage.create("web")
    stage.hostname("web")
    stage.settle()
    arn = lb_arn(stage.world, stage.lb("web"))
    stage.calls.start()
    patch_service(stage.kube, stage.namespace, "web", change)
    wait_for(lambda: "elbv2.AddTags" in stage.calls.writes(), what="the converge to finish")
    stage.settle()
    assert set(stage.calls.writes()) <= expected_writes
    assert "elbv2.CreateLoadBalancer" not in stage.calls.writes()
    assert lb_arn(stage.world, stage.lb("web")) == arn


def test_node_changes_cost_one_call_per_target_group(stage: Stage) -> None:
    stage.create("web")
    stage.hostname("web")
    stage.settle()
    groups = target_groups(stage.world, stage.lb("web"))
    extra = stage.world.ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=stage.world.subnets[0]
    )["Instances"][0]["InstanceId"]
    stage.calls.start()
    name = stage.nodes.add("extra", provider_id=f"aws:///us-east-1a/{extra}")
    wait_for(
        lambda: stage.calls.writes().get("elbv2.RegisterTargets") == len(groups),
        what="RegisterTargets",
    )
    stage.settle()
    assert stage.calls.writes() == {"elbv2.RegisterTargets": len(groups)}
    assert all(extra in targets(stage.world, g["TargetGroupArn"]) for g in groups.values())

    stage.calls.start()
    stage.nodes.remove(name)
    wait_for(
        lambda: stage.calls.writes().get("elbv2.DeregisterTargets") == len(groups),
        what="DeregisterTargets",
    )
    stage.settle()
    assert stage.calls.writes() == {"elbv2.DeregisterTargets": len(groups)}


def test_delete_leaves_nothing_of_ours_and_spares_a_decoy(stage: Stage) -> None:
    world = stage.world
    decoy = world.elbv2.create_load_balancer(
        Name=stage.lb("web")[:-1] + "x",
        Type="network",
        Subnets=list(world.subnets),
        Tags=[{"Key": "kubernetes.io/service-name", "Value": f"{stage.namespace}/web"}],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    decoy_group = world.elbv2.create_target_group(
        Name="decoy-tg", Protocol="TCP", Port=30080, VpcId=world.vpc_id
    )["TargetGroups"][0]["TargetGroupArn"]
    stage.create("web")
    stage.hostname("web")
    stage.settle()
    rules_before = world.ec2.describe_security_group_rules()["SecurityGroupRules"]
    delete_service(stage.kube, stage.namespace, "web")
    wait_for(
        lambda: get_service(stage.kube, stage.namespace, "web") is None,
        timeout=30,
        what="the Service to go",
    )
    remaining = world.elbv2.describe_load_balancers()["LoadBalancers"]
    assert [lb["LoadBalancerArn"] for lb in remaining] == [decoy]
    groups = world.elbv2.describe_target_groups()["TargetGroups"]
    assert [g["TargetGroupArn"] for g in groups] == [decoy_group]
    rules_after = world.ec2.describe_security_group_rules()["SecurityGroupRules"]
    ours = [r for r in rules_before if stage.lb("web") in (r.get("Description") or "")]
    assert ours, "the Service had rules of its own"
    assert not [r for r in rules_after if stage.lb("web") in (r.get("Description") or "")]
    assert [
        c for c in stage.calls.mentioning(decoy) if not c.split(".")[1].startswith("Describe")
    ] == []
    assert stage.calls.mentioning(decoy_group) == []


def test_an_invalid_annotation_is_a_warning_and_creates_nothing(stage: Stage) -> None:
    stage.create("bad", annotations={HC_INTERVAL: "every minute"})
    warning = wait_for(
        lambda: [
            e for e in events_for(stage.kube, stage.namespace, "bad") if e["type"] == "Warning"
        ],
        what="a Warning Event",
    )[0]
    assert HC_INTERVAL in warning["message"] and "every minute" in warning["message"]
    assert stage.calls.writes() == {}
    assert stage.world.elbv2.describe_load_balancers()["LoadBalancers"] == []


def test_every_service_converges_with_a_third_of_elb_calls_throttled(stage: Stage) -> None:
    throttler = Throttler()
    for client in (stage.provider.clients.elbv2, stage.provider.clients.elb):
        client.meta.events.register("before-send", throttler)
    names = [f"web{i}" for i in range(5)]
    for name in names:
        stage.create(name)
    for name in names:
        stage.hostname(name)
    stage.settle()
    assert throttler.refused >= 10
    lbs = stage.world.elbv2.describe_load_balancers()["LoadBalancers"]
    assert sorted(lb["LoadBalancerName"] for lb in lbs) == sorted(stage.lb(n) for n in names)
    groups = stage.world.elbv2.describe_target_groups()["TargetGroups"]
    assert len(groups) == 2 * len(names)
    assert len({g["TargetGroupName"] for g in groups}) == len(groups)


def lb_ref(namespace: str, name: str, lb: str) -> LoadBalancerRef:
    """The ref a rule marker is made from."""
    return LoadBalancerRef(cluster=CLUSTER, namespace=namespace, service=name, name=lb)


def _ip_address_type(stage: Stage, name: str) -> str:
    found = stage.world.elbv2.describe_load_balancers(Names=[stage.lb(name)])["LoadBalancers"]
    return str(found[0]["IpAddressType"])


@pytest.mark.parametrize(
    ("spec", "families"),
    [
        pytest.param({"ipFamilyPolicy": "RequireDualStack"}, ["IPv4", "IPv6"], id="require"),
        pytest.param({"ipFamilies": ["IPv6"]}, ["IPv6"], id="ipv6-only"),
    ],
)
def test_an_ipv6_service_gets_a_dualstack_nlb_and_leaves_nothing(
    stage: Stage, spec: dict[str, Any], families: list[str]
) -> None:
    """AWS has no IPv6-only NLB: an IPv6-only Service is served by a dualstack one too."""
    add_ipv6(stage.world)
    stage.create("web", **spec)
    hostname = stage.hostname("web")
    assert _ip_address_type(stage, "web") == "dualstack"
    svc = get_service(stage.kube, stage.namespace, "web")
    assert svc is not None and list(svc.ip_families) == families
    assert [(i.hostname, i.ip) for i in svc.ingress] == [(hostname, None)]  # one name, both
    groups = target_groups(stage.world, stage.lb("web"))
    assert {g["IpAddressType"] for g in groups.values()} == {"ipv4"}  # instance targets
    node_ports = {g["Port"] for g in groups.values()}
    own = stage.own_rules("web")
    for port in node_ports:  # IPv6 clients (::/0), and as the nodes see them after translation
        assert {("tcp", port, "::/0"), ("tcp", port, "0.0.0.0/0")} <= own
        assert ("tcp", port, "10.0.0.0/16") in own
    stage.settle()

    delete_service(stage.kube, stage.namespace, "web")
    wait_for(lambda: get_service(stage.kube, stage.namespace, "web") is None, what="the delete")
    assert stage.world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert stage.world.elbv2.describe_target_groups()["TargetGroups"] == []
    assert stage.own_rules("web") == set()


def test_single_stack_to_prefer_dual_stack_and_back_converges_in_place(stage: Stage) -> None:
    add_ipv6(stage.world)
    stage.create("web")
    stage.hostname("web")
    stage.settle()
    arn = lb_arn(stage.world, stage.lb("web"))
    assert _ip_address_type(stage, "web") == "ipv4"
    assert not [r for r in stage.own_rules("web") if ":" in r[2]]
    stage.calls.start()
    patch_service(
        stage.kube, stage.namespace, "web", {"spec": {"ipFamilyPolicy": "PreferDualStack"}}
    )
    wait_for(lambda: "elbv2.AddTags" in stage.calls.writes(), what="the converge to finish")
    stage.settle()
    assert "elbv2.SetIpAddressType" in stage.calls.writes()
    assert "elbv2.CreateLoadBalancer" not in stage.calls.writes()
    assert lb_arn(stage.world, stage.lb("web")) == arn
    assert _ip_address_type(stage, "web") == "dualstack"
    assert [r for r in stage.own_rules("web") if ":" in r[2]]  # ::/0 on each NodePort

    stage.calls.start()
    back = {"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}}
    patch_service(stage.kube, stage.namespace, "web", back)
    wait_for(lambda: "elbv2.AddTags" in stage.calls.writes(), what="the converge to finish")
    stage.settle()
    assert lb_arn(stage.world, stage.lb("web")) == arn
    assert _ip_address_type(stage, "web") == "ipv4"
    assert not [r for r in stage.own_rules("web") if ":" in r[2] or r[2] == "10.0.0.0/16"]


def test_dual_stack_in_subnets_without_ipv6_is_a_warning_naming_them(stage: Stage) -> None:
    stage.create("web", ipFamilyPolicy="RequireDualStack")
    message = stage.warning("web")
    assert all(subnet in message for subnet in stage.world.subnets)
    assert "IPv6 CIDR block" in message
    assert stage.world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert stage.calls.writes() == {}


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"ipFamilyPolicy": "RequireDualStack"}, id="require"),
        pytest.param({"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"]}, id="ipv6-only"),
    ],
)
def test_a_classic_elb_refuses_ipv6_and_makes_nothing(stage: Stage, spec: dict[str, Any]) -> None:
    add_ipv6(stage.world)
    stage.create("old", annotations={TYPE: "classic"}, **spec)
    assert "classic ELB has no IPv6" in stage.warning("old")
    assert stage.world.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    assert stage.calls.writes() == {}


def test_prefer_dual_stack_in_subnets_without_ipv6_is_served_over_ipv4(stage: Stage) -> None:
    stage.create("web", ipFamilyPolicy="PreferDualStack")
    stage.hostname("web")
    stage.settle()
    svc = get_service(stage.kube, stage.namespace, "web")
    assert svc is not None and list(svc.ip_families) == ["IPv4", "IPv6"]
    assert _ip_address_type(stage, "web") == "ipv4"
    events = events_for(stage.kube, stage.namespace, "web")
    assert [e["message"] for e in events if e["type"] == "Warning"] == []
