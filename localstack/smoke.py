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
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elb import ElasticLoadBalancingClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


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


def run(
    ec2: EC2Client,
    elb: ElasticLoadBalancingClient,
    elbv2: ElasticLoadBalancingv2Client,
    cleanup: list[tuple[str, Callable[[], object]]],
) -> None:
    suffix = uuid.uuid4().hex[:8]

    with step("ec2 create VPC and subnet"):
        vpc_id = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        cleanup.append(("ec2 delete VPC", lambda: ec2.delete_vpc(VpcId=vpc_id)))
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock="10.77.1.0/24", AvailabilityZone=f"{REGION}a"
        )["Subnet"]
        subnet_id = subnet["SubnetId"]
        cleanup.append(("ec2 delete subnet", lambda: ec2.delete_subnet(SubnetId=subnet_id)))

    with step("elbv2 create NLB"):
        lb = elbv2.create_load_balancer(
            Name=f"lbc-smoke-{suffix}",
            Type="network",
            Scheme="internet-facing",
            Subnets=[subnet_id],
            Tags=[{"Key": "lbcontroller/smoke", "Value": suffix}],
        )["LoadBalancers"][0]
        lb_arn = lb["LoadBalancerArn"]
        cleanup.append(
            ("elbv2 delete NLB", lambda: elbv2.delete_load_balancer(LoadBalancerArn=lb_arn))
        )
        check(lb["Type"] == "network", f"NLB type is {lb['Type']!r}")

    with step("elbv2 create TCP target group"):
        tg = elbv2.create_target_group(
            Name=f"lbc-smoke-{suffix}",
            Protocol="TCP",
            Port=30080,
            VpcId=vpc_id,
            TargetType="instance",
            HealthCheckProtocol="TCP",
        )["TargetGroups"][0]
        tg_arn = tg["TargetGroupArn"]
        cleanup.append(
            ("elbv2 delete target group", lambda: elbv2.delete_target_group(TargetGroupArn=tg_arn))
        )

    with step("elbv2 create TCP listener"):
        listener = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="TCP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
        )["Listeners"][0]
        listener_arn = listener["ListenerArn"]
        cleanup.append(
            ("elbv2 delete listener", lambda: elbv2.delete_listener(ListenerArn=listener_arn))
        )

    with step("elbv2 describe NLB, target group, listener, tags"):
        lbs = elbv2.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"]
        check([x["LoadBalancerArn"] for x in lbs] == [lb_arn], f"describe NLB gave {lbs}")
        check(lbs[0]["VpcId"] == vpc_id, f"NLB VPC is {lbs[0].get('VpcId')!r}, not {vpc_id}")
        tgs = elbv2.describe_target_groups(LoadBalancerArn=lb_arn)["TargetGroups"]
        check([x["TargetGroupArn"] for x in tgs] == [tg_arn], f"describe TGs gave {tgs}")
        check(tgs[0]["Protocol"] == "TCP", f"TG protocol is {tgs[0].get('Protocol')!r}")
        listeners = elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
        check(
            [(x["ListenerArn"], x["Port"]) for x in listeners] == [(listener_arn, 80)],
            f"describe listeners gave {listeners}",
        )
        tags = elbv2.describe_tags(ResourceArns=[lb_arn])["TagDescriptions"][0]["Tags"]
        check(
            {"Key": "lbcontroller/smoke", "Value": suffix} in tags, f"NLB tags are {tags}"
        )

    with step("elbv2 missing NLB is LoadBalancerNotFound"):
        try:
            elbv2.describe_load_balancers(Names=[f"lbc-missing-{suffix}"])
        except ClientError as e:
            code = e.response["Error"]["Code"]
            check(code == "LoadBalancerNotFound", f"error code is {code!r}")
        else:
            raise SmokeError("describing a missing NLB did not fail")

    with step("elb create, describe and delete classic ELB"):
        name = f"lbc-smoke-{suffix}"
        elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}],
            Subnets=[subnet_id],
        )
        descs = elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"]
        check([d["LoadBalancerName"] for d in descs] == [name], f"describe ELB gave {descs}")
        elb.delete_load_balancer(LoadBalancerName=name)
        left = [
            d["LoadBalancerName"]
            for d in elb.describe_load_balancers()["LoadBalancerDescriptions"]
            if d["LoadBalancerName"] == name
        ]
        check(not left, "classic ELB still listed after delete")

    with step("delete listener, NLB, target group, subnet, VPC"):
        while cleanup:
            _, action = cleanup.pop()
            action()
        tgs_left = [x["TargetGroupArn"] for x in elbv2.describe_target_groups()["TargetGroups"]]
        check(tg_arn not in tgs_left, "target group still listed after delete")
        lbs_left = [x["LoadBalancerArn"] for x in elbv2.describe_load_balancers()["LoadBalancers"]]
        check(lb_arn not in lbs_left, "NLB still listed after delete")
        vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        check(vpc_id not in vpcs, "VPC still listed after delete")


def main() -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print("smoke.py: set AWS_ENDPOINT_URL, e.g. http://127.0.0.1:4566", file=sys.stderr)
        return 2
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    session = boto3.session.Session(region_name=REGION)
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    ec2 = session.client("ec2", endpoint_url=endpoint, config=config)
    elb = session.client("elb", endpoint_url=endpoint, config=config)
    elbv2 = session.client("elbv2", endpoint_url=endpoint, config=config)

    cleanup: list[tuple[str, Callable[[], object]]] = []
    started = time.monotonic()
    try:
        run(ec2, elb, elbv2, cleanup)
    except (SmokeError, ClientError, BotoCoreError) as e:
        print(f"FAIL {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        while cleanup:
            what, action = cleanup.pop()
            try:
                action()
            except (ClientError, BotoCoreError) as e:
                print(f"cleanup: {what} failed: {e}", file=sys.stderr)
    print(f"smoke passed against {endpoint} in {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
