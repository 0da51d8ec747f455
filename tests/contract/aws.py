"""The AWS kinds of the contract suite, NLB and classic ELB, on moto_server.

Each test gets moto reset and the AWS provider tests' world (`tests.aws.conftest.make_world`):
a VPC with a subnet in each of two zones, a nodes' security group and three EC2 instances as
nodes. Calls are recorded by a botocore hook that every session made
during the test registers (`tests.support.calls.BotoCalls`), so the provider's clients are
never reached into.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from lbcontroller.config import AwsProvider, RateLimit
from lbcontroller.metrics import Metrics
from lbcontroller.naming import child_prefix
from lbcontroller.provider import Provider
from lbcontroller.spec import LoadBalancerRef
from tests.aws.conftest import REGION, make_world
from tests.support.calls import BotoCalls

from .kind import Snapshot, built

FAST = RateLimit(qps=10_000, burst=10_000)
TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
TARGETS = frozenset({"RegisterTargets", "DeregisterTargets"})
INSTANCES = frozenset({"RegisterInstancesWithLoadBalancer", "DeregisterInstancesFromLoadBalancer"})


def _bare(*answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The answers without their per-request metadata."""
    return [{k: v for k, v in a.items() if k != "ResponseMetadata"} for a in answers]


class AwsKind:
    """An NLB (`classic=False`) or a classic ELB on a freshly reset moto."""

    def __init__(self, endpoint: str, *, classic: bool) -> None:
        world = make_world(endpoint)  # the AWS provider tests' world
        self.endpoint, self.ec2, self.elbv2, self.elb = endpoint, world.ec2, world.elbv2, world.elb
        self.subnets, self.node_group = list(world.subnets), world.node_group
        self.nodes = world.nodes
        self.classic = classic
        self.annotations: Mapping[str, str] = {TYPE: "classic" if classic else "nlb"}
        self.backend_writes = INSTANCES if classic else TARGETS
        self.calls = BotoCalls()
        self._hook = ExitStack()  # from here on, every new client records its calls
        self._hook.enter_context(self.calls.hooked())

    def provider(self, cluster: str) -> Provider:
        """The AWS provider on this moto, with generous rate limits."""
        config = AwsProvider(
            type="aws",
            name="aws-test",
            region=REGION,
            endpoint=self.endpoint,
            subnets=self.subnets,
            node_security_group=self.node_group,
            rate_limits={"describe": FAST, "register": FAST, "modify": FAST},
        )
        return built(config, cluster=cluster, metrics=Metrics())

    def operation(self, call: str) -> str:
        """`elbv2.CreateListener` is planned as `CreateListener`."""
        return call.split(".", 1)[1]

    def _nlb(self, name: str) -> str | None:
        found = self.elbv2.describe_load_balancers()["LoadBalancers"]
        arns = [lb["LoadBalancerArn"] for lb in found if lb["LoadBalancerName"] == name]
        return arns[0] if arns else None

    def members(self, ref: LoadBalancerRef) -> set[str]:
        """The nodes whose instances the load balancer's targets (or instances) are."""
        if self.classic:
            found = self.elb.describe_load_balancers(LoadBalancerNames=[ref.name])
            ids = {i["InstanceId"] for i in found["LoadBalancerDescriptions"][0]["Instances"]}
        else:
            listeners = self.elbv2.describe_listeners(LoadBalancerArn=self._nlb(ref.name) or "")
            groups = {x["DefaultActions"][0]["TargetGroupArn"] for x in listeners["Listeners"]}
            ids = {
                d["Target"]["Id"]
                for arn in groups
                for d in self.elbv2.describe_target_health(TargetGroupArn=arn)[
                    "TargetHealthDescriptions"
                ]
            }
        return {n.name for n in self.nodes if n.provider_id.rsplit("/", 1)[1] in ids}

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        """Load balancers, target groups and security groups whose names carry `ref`'s."""
        names = [
            *(x["LoadBalancerName"] for x in self.elbv2.describe_load_balancers()["LoadBalancers"]),
            *(x["TargetGroupName"] for x in self.elbv2.describe_target_groups()["TargetGroups"]),
            *(
                x["LoadBalancerName"]
                for x in self.elb.describe_load_balancers()["LoadBalancerDescriptions"]
            ),
            *(x["GroupName"] for x in self.ec2.describe_security_groups()["SecurityGroups"]),
        ]
        return sorted(name for name in names if child_prefix(ref.name) in name)

    def look_alike(self, ref: LoadBalancerRef) -> Snapshot:
        """A same-named load balancer of this kind, without tags."""
        if self.classic:
            self.elb.create_load_balancer(
                LoadBalancerName=ref.name,
                Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}],
                Subnets=self.subnets,
            )
            return lambda: _bare(
                self.elb.describe_load_balancers(LoadBalancerNames=[ref.name]),
                self.elb.describe_tags(LoadBalancerNames=[ref.name]),
            )
        arn = self.elbv2.create_load_balancer(Name=ref.name, Type="network", Subnets=self.subnets)[
            "LoadBalancers"
        ][0]["LoadBalancerArn"]
        return lambda: _bare(
            self.elbv2.describe_load_balancers(LoadBalancerArns=[arn]),
            self.elbv2.describe_listeners(LoadBalancerArn=arn),
            self.elbv2.describe_tags(ResourceArns=[arn]),
        )

    def close(self) -> None:
        """Stop recording; moto is reset before the next test."""
        self._hook.close()
