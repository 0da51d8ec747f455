"""The baseline: the fewest AWS calls that build, check or update the same load balancers,
issued straight with boto3 at the controller's concurrency.

Where it sits: every cloud scenario times and counts this beside the controller. It builds in
its own region (`bench.world.BASELINE_REGION`) load balancers named, tagged and shaped as the
controller's (an NLB, one target group and listener per port, the same health check, targets
in chunks of 100, the fingerprint tag given at creation), and reads the controller's own load
balancers for the read baselines. It knows what it made, so it never looks anything up: a
lower bound, not a controller.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.parsers import ResponseParserError

from bench.counting import CloudCalls
from bench.world import World, clients
from lbcontroller.naming import child_name, lb_name

T = TypeVar("T")
PORTS = (80, 443)
CHUNK = 100
ATTEMPTS = 10  # a throttled burst needs more than botocore's 3
THROTTLES = frozenset({"Throttling", "RequestLimitExceeded"})
HEALTH: dict[str, Any] = {
    "HealthCheckProtocol": "HTTP",
    "HealthCheckPort": "10256",
    "HealthCheckPath": "/healthz",
    "HealthCheckIntervalSeconds": 10,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 2,
    "UnhealthyThresholdCount": 2,
}


@dataclass(frozen=True)
class Shape:
    """One Service's load balancer: its name and the NodePorts of its two ports."""

    namespace: str
    service: str
    node_ports: tuple[int, ...]

    @property
    def name(self) -> str:
        """The load balancer's name, as the controller names it."""
        return lb_name("bench", self.namespace, self.service)


@dataclass(frozen=True)
class Made:
    """What the baseline created for one Shape."""

    lb_arn: str
    group_arns: tuple[str, ...]
    node_ports: tuple[int, ...]  # opened on the nodes' group (empty without one)


def call(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """One API call, retried (each attempt counted) on a 5xx or a broken answer, as the
    provider's CloudCaller retries (moto answers 500 when concurrent requests race in it), and
    on AWS's throttling answers as botocore's standard retry mode waits: a random share of
    2^n seconds, at most 20 (behind the proxy's AWS limits, `bench.scenarios.peer`)."""
    for attempt in range(ATTEMPTS):
        try:
            return fn(**kwargs)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            throttled = exc.response.get("Error", {}).get("Code") in THROTTLES
            if not (throttled or status >= 500) or attempt + 1 == ATTEMPTS:
                raise
            if throttled:
                time.sleep(random.random() * min(20.0, 2.0**attempt))  # noqa: S311 - jitter
                continue
        except (ResponseParserError, HTTPClientError):
            if attempt + 1 == ATTEMPTS:
                raise
        time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def pooled(fn: Callable[[T], Any], items: Iterable[T], workers: int) -> None:
    """`fn` over `items` on `workers` threads; the first failure is raised."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(fn, items):
            pass


def _permissions(ports: list[int], cidr: str) -> list[Any]:
    return [
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": cidr}]}
        for p in ports
    ]


def _tags(shape: Shape) -> list[Any]:
    tags = {
        "kubernetes.io/cluster/bench": "owned",
        "kubernetes.io/service-name": f"{shape.namespace}/{shape.service}",
        "lbcontroller.io/managed-by": "lbcontroller",
    }
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


class Builder:
    """Creates and deletes load balancers in the baseline's world."""

    def __init__(self, world: World, calls: CloudCalls, *, node_group: bool) -> None:
        self.world = world
        self.calls = calls
        self.ec2, self.elbv2 = clients(world.endpoint, world.region)
        calls.hook([self.ec2, self.elbv2])
        self._node_group = node_group
        self._shared_rule = False
        self._lock = threading.Lock()

    def create(self, shape: Shape, instances: Sequence[str]) -> Made:
        """The NLB, a target group (filled) and a listener per port, and the nodes' rules."""
        elbv2 = self.elbv2
        tags = _tags(shape)
        lb = call(
            elbv2.create_load_balancer,
            Name=shape.name,
            Type="network",
            Scheme="internet-facing",
            SubnetMappings=[{"SubnetId": s} for s in self.world.subnets],
            IpAddressType="ipv4",
            Tags=[*tags, {"Key": "lbcontroller.io/fingerprint", "Value": "0" * 16}],
        )["LoadBalancers"][0]["LoadBalancerArn"]
        groups = []
        for port, node_port in zip(PORTS, shape.node_ports, strict=True):
            group = call(
                elbv2.create_target_group,
                Name=child_name(shape.name, "tcp", str(node_port)),
                Protocol="TCP",
                Port=node_port,
                VpcId=self.world.vpc_id,
                TargetType="instance",
                Tags=tags,
                **HEALTH,
            )["TargetGroups"][0]["TargetGroupArn"]
            groups.append(group)
            for start in range(0, len(instances), CHUNK):
                chunk = instances[start : start + CHUNK]
                call(
                    elbv2.register_targets, TargetGroupArn=group, Targets=[{"Id": i} for i in chunk]
                )
            call(
                elbv2.create_listener,
                LoadBalancerArn=lb,
                Port=port,
                Protocol="TCP",
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
            )
        opened = self._open(shape) if self._node_group else ()
        return Made(lb_arn=lb, group_arns=tuple(groups), node_ports=opened)

    def _open(self, shape: Shape) -> tuple[int, ...]:
        with self._lock:
            if not self._shared_rule:
                self._authorize([10256], "10.0.0.0/16", "shared")
                self._shared_rule = True
        self._authorize(list(shape.node_ports), "0.0.0.0/0", shape.name)
        return shape.node_ports

    def _authorize(self, ports: list[int], cidr: str, mark: str) -> None:
        call(
            self.ec2.authorize_security_group_ingress,
            GroupId=self.world.node_group,
            IpPermissions=_permissions(ports, cidr),
            TagSpecifications=[
                {"ResourceType": "security-group-rule", "Tags": [{"Key": "owner", "Value": mark}]}
            ],
        )

    def delete(self, made: Made) -> None:
        """Delete what `create` made (not timed by any scenario)."""
        elbv2 = self.elbv2
        call(elbv2.delete_load_balancer, LoadBalancerArn=made.lb_arn)
        for group in made.group_arns:
            call(elbv2.delete_target_group, TargetGroupArn=group)
        if made.node_ports:
            call(
                self.ec2.revoke_security_group_ingress,
                GroupId=self.world.node_group,
                IpPermissions=_permissions(list(made.node_ports), "0.0.0.0/0"),
            )

    def burst(
        self, shapes: Sequence[Shape], instances: Sequence[str], workers: int
    ) -> list[tuple[float, Made]]:
        """Create every shape on `workers` threads; each one's completion time and what it
        made, in the order they completed."""
        done: list[tuple[float, Made]] = []

        def one(shape: Shape) -> None:
            made = self.create(shape, instances)
            with self._lock:
                done.append((time.monotonic(), made))

        pooled(one, shapes, workers)
        return sorted(done, key=lambda item: item[0])


class Reader:
    """The fewest reads that check the controller's load balancers, shallow or deep."""

    def __init__(self, world: World, calls: CloudCalls) -> None:
        _, self.elbv2 = clients(world.endpoint, world.region)
        calls.hook([self.elbv2])

    def _paged(self, fn: Callable[..., Any], key: str, **kwargs: Any) -> list[Any]:
        out: list[Any] = []
        for _ in range(1000):
            page = call(fn, PageSize=400, **kwargs)
            out.extend(page[key])
            if not page.get("NextMarker"):
                return out
            kwargs["Marker"] = page["NextMarker"]
        raise RuntimeError("pagination did not end")

    def _tags(self, arns: Sequence[str]) -> None:
        for start in range(0, len(arns), 20):
            call(self.elbv2.describe_tags, ResourceArns=list(arns[start : start + 20]))

    def shallow(self, workers: int) -> int:
        """What a restart checks: each LB and its tags, its listeners, its groups' targets."""
        lbs = [
            lb["LoadBalancerArn"]
            for lb in self._paged(self.elbv2.describe_load_balancers, "LoadBalancers")
        ]
        self._tags(lbs)

        def check(arn: str) -> None:
            listeners = call(self.elbv2.describe_listeners, LoadBalancerArn=arn)["Listeners"]
            for listener in listeners:
                group = listener["DefaultActions"][0]["TargetGroupArn"]
                call(self.elbv2.describe_target_health, TargetGroupArn=group)

        pooled(check, lbs, workers)
        return len(lbs)

    def deep(self, workers: int) -> int:
        """Everything a drift check compares: also attributes, groups and their tags."""
        lbs = [
            lb["LoadBalancerArn"]
            for lb in self._paged(self.elbv2.describe_load_balancers, "LoadBalancers")
        ]
        self._tags(lbs)
        groups = [
            g["TargetGroupArn"]
            for g in self._paged(self.elbv2.describe_target_groups, "TargetGroups")
        ]
        self._tags(groups)

        def check_lb(arn: str) -> None:
            call(self.elbv2.describe_load_balancer_attributes, LoadBalancerArn=arn)
            call(self.elbv2.describe_listeners, LoadBalancerArn=arn)

        def check_group(arn: str) -> None:
            call(self.elbv2.describe_target_group_attributes, TargetGroupArn=arn)
            call(self.elbv2.describe_target_health, TargetGroupArn=arn)

        pooled(check_lb, lbs, workers)
        pooled(check_group, groups, workers)
        return len(lbs)

    def group_arns(self) -> list[str]:
        """Every target group's ARN (setup for the node-churn baseline; not timed)."""
        groups = self._paged(self.elbv2.describe_target_groups, "TargetGroups")
        return sorted(g["TargetGroupArn"] for g in groups)

    def register_everywhere(self, groups: Sequence[str], instance: str, workers: int) -> None:
        """One RegisterTargets per group."""
        pooled(
            lambda g: call(
                self.elbv2.register_targets, TargetGroupArn=g, Targets=[{"Id": instance}]
            ),
            groups,
            workers,
        )

    def deregister_everywhere(self, groups: Sequence[str], instance: str, workers: int) -> None:
        """One DeregisterTargets per group."""
        pooled(
            lambda g: call(
                self.elbv2.deregister_targets, TargetGroupArn=g, Targets=[{"Id": instance}]
            ),
            groups,
            workers,
        )


def read_all(world: World, workers: int, *, deep: bool) -> tuple[Counter[str], float]:
    """The baseline's check of every load balancer (`deep`: every part): calls and seconds."""
    calls = CloudCalls()
    reader = Reader(world, calls)
    started = time.monotonic()
    (reader.deep if deep else reader.shallow)(workers)
    return calls.since(0), time.monotonic() - started
