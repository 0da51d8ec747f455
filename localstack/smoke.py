"""Smoke test for an AWS endpoint serving ec2, elb and elbv2 (LocalStack with our plugin).

Run with any Python that has boto3, against the endpoint in AWS_ENDPOINT_URL::

    AWS_ENDPOINT_URL=http://127.0.0.1:4566 .venv/bin/python localstack/smoke.py

It makes a VPC and a subnet (ec2), a network load balancer, a TCP target group and a listener
(elbv2), reads them back, checks that a missing load balancer is reported as such, makes and
deletes a classic ELB (elb), then deletes everything it made, even after a failure. Exit status
0 means every step passed; each step is printed with its duration.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elb import ElasticLoadBalancingClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
TAG_KEY = "lbcontroller/smoke"


class SmokeError(Exception):
    """A response that does not match what the step expects."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"ok   {name} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)


@dataclass
class Smoke:
    """The clients, a name suffix unique to this run, and the undo actions, newest last."""

    ec2: EC2Client
    elb: ElasticLoadBalancingClient
    elbv2: ElasticLoadBalancingv2Client
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    cleanup: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    vpc_id: str = ""
    subnet_id: str = ""
    lb_arn: str = ""
    tg_arn: str = ""
    listener_arn: str = ""

    def undo(self, what: str, action: Callable[[], object]) -> None:
        self.cleanup.append((what, action))

    def network(self) -> None:
        vpc_id = self.ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        self.undo("ec2 delete VPC", lambda: self.ec2.delete_vpc(VpcId=vpc_id))
        subnet_id = self.ec2.create_subnet(
            VpcId=vpc_id, CidrBlock="10.77.1.0/24", AvailabilityZone=f"{REGION}a"
        )["Subnet"]["SubnetId"]
        self.undo("ec2 delete subnet", lambda: self.ec2.delete_subnet(SubnetId=subnet_id))
        self.vpc_id, self.subnet_id = vpc_id, subnet_id

    def nlb(self) -> None:
        lb = self.elbv2.create_load_balancer(
            Name=f"lbc-smoke-{self.suffix}",
            Type="network",
            Scheme="internet-facing",
            Subnets=[self.subnet_id],
            Tags=[{"Key": TAG_KEY, "Value": self.suffix}],
        )["LoadBalancers"][0]
        lb_arn = lb["LoadBalancerArn"]
        self.undo(
            "elbv2 delete NLB", lambda: self.elbv2.delete_load_balancer(LoadBalancerArn=lb_arn)
        )
        check(lb["Type"] == "network", f"NLB type is {lb['Type']!r}")
        self.lb_arn = lb_arn

    def target_group(self) -> None:
        tg_arn = self.elbv2.create_target_group(
            Name=f"lbc-smoke-{self.suffix}",
            Protocol="TCP",
            Port=30080,
            VpcId=self.vpc_id,
            TargetType="instance",
            HealthCheckProtocol="TCP",
        )["TargetGroups"][0]["TargetGroupArn"]
        self.undo(
            "elbv2 delete target group",
            lambda: self.elbv2.delete_target_group(TargetGroupArn=tg_arn),
        )
        self.tg_arn = tg_arn

    def listener(self) -> None:
        listener_arn = self.elbv2.create_listener(
            LoadBalancerArn=self.lb_arn,
            Protocol="TCP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg_arn}],
        )["Listeners"][0]["ListenerArn"]
        self.undo(
            "elbv2 delete listener",
            lambda: self.elbv2.delete_listener(ListenerArn=listener_arn),
        )
        self.listener_arn = listener_arn

    def describe(self) -> None:
        lbs = self.elbv2.describe_load_balancers(LoadBalancerArns=[self.lb_arn])["LoadBalancers"]
        check([x["LoadBalancerArn"] for x in lbs] == [self.lb_arn], f"describe NLB gave {lbs}")
        check(lbs[0].get("VpcId") == self.vpc_id, f"NLB is in VPC {lbs[0].get('VpcId')!r}")
        tgs = self.elbv2.describe_target_groups(LoadBalancerArn=self.lb_arn)["TargetGroups"]
        check([x["TargetGroupArn"] for x in tgs] == [self.tg_arn], f"describe TGs gave {tgs}")
        check(tgs[0].get("Protocol") == "TCP", f"TG protocol is {tgs[0].get('Protocol')!r}")
        listeners = self.elbv2.describe_listeners(LoadBalancerArn=self.lb_arn)["Listeners"]
        check(
            [(x["ListenerArn"], x["Port"]) for x in listeners] == [(self.listener_arn, 80)],
            f"describe listeners gave {listeners}",
        )
        tags = self.elbv2.describe_tags(ResourceArns=[self.lb_arn])["TagDescriptions"][0]["Tags"]
        check({"Key": TAG_KEY, "Value": self.suffix} in tags, f"NLB tags are {tags}")

    def missing_nlb(self) -> None:
        try:
            self.elbv2.describe_load_balancers(Names=[f"lbc-missing-{self.suffix}"])
        except ClientError as e:
            code = e.response["Error"]["Code"]
            check(code == "LoadBalancerNotFound", f"error code is {code!r}")
        else:
            raise SmokeError("describing a missing NLB did not fail")

    def classic_elb(self) -> None:
        name = f"lbc-smoke-{self.suffix}"
        self.elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}],
            Subnets=[self.subnet_id],
        )
        self.undo("elb delete", lambda: self.elb.delete_load_balancer(LoadBalancerName=name))
        descs = self.elb.describe_load_balancers(LoadBalancerNames=[name])
        names = [d["LoadBalancerName"] for d in descs["LoadBalancerDescriptions"]]
        check(names == [name], f"describe ELB gave {names}")
        self.cleanup.pop()[1]()
        left = self.elb.describe_load_balancers()["LoadBalancerDescriptions"]
        check(all(d["LoadBalancerName"] != name for d in left), "ELB listed after delete")

    def teardown(self) -> None:
        while self.cleanup:
            self.cleanup.pop()[1]()
        tgs = self.elbv2.describe_target_groups()["TargetGroups"]
        check(all(x["TargetGroupArn"] != self.tg_arn for x in tgs), "TG listed after delete")
        lbs = self.elbv2.describe_load_balancers()["LoadBalancers"]
        check(all(x["LoadBalancerArn"] != self.lb_arn for x in lbs), "NLB listed after delete")
        vpcs = self.ec2.describe_vpcs()["Vpcs"]
        check(all(v["VpcId"] != self.vpc_id for v in vpcs), "VPC listed after delete")

    def run(self) -> None:
        with step("ec2 create VPC and subnet"):
            self.network()
        with step("elbv2 create NLB"):
            self.nlb()
        with step("elbv2 create TCP target group"):
            self.target_group()
        with step("elbv2 create TCP listener"):
            self.listener()
        with step("elbv2 describe NLB, target group, listener, tags"):
            self.describe()
        with step("elbv2 missing NLB is LoadBalancerNotFound"):
            self.missing_nlb()
        with step("elb create, describe and delete classic ELB"):
            self.classic_elb()
        with step("delete listener, NLB, target group, subnet, VPC"):
            self.teardown()

    def clean_up_after_failure(self) -> None:
        while self.cleanup:
            what, action = self.cleanup.pop()
            try:
                action()
            except (ClientError, BotoCoreError) as e:
                print(f"cleanup: {what} failed: {e}", file=sys.stderr)


def main() -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print("smoke.py: set AWS_ENDPOINT_URL, e.g. http://127.0.0.1:4566", file=sys.stderr)
        return 2
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    session = boto3.session.Session(region_name=REGION)
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)
    smoke = Smoke(
        ec2=session.client("ec2", endpoint_url=endpoint, config=config),
        elb=session.client("elb", endpoint_url=endpoint, config=config),
        elbv2=session.client("elbv2", endpoint_url=endpoint, config=config),
    )
    started = time.monotonic()
    try:
        smoke.run()
    except (SmokeError, ClientError, BotoCoreError) as e:
        print(f"FAIL {type(e).__name__}: {e}", file=sys.stderr)
        smoke.clean_up_after_failure()
        return 1
    print(f"smoke passed against {endpoint} in {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
