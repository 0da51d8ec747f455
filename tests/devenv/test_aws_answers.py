"""The fault proxy's `--aws-like` answers: where moto answers a retried, half-done create
otherwise than AWS does, the proxy answers as AWS (`devenv.faults.fixups`), with the real
SDK on both sides of the comparison (moto straight, and through the proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devenv.faults.client import start_proxy
from devenv.procs import stop
from devenv.state import EnvState
from tests.conftest import aws_backend_url

pytestmark = pytest.mark.integration
REGION = "eu-north-1"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _elbv2(url: str) -> Any:
    return boto3.session.Session(region_name=REGION).client(
        "elbv2", endpoint_url=url, config=NO_RETRIES
    )


@pytest.fixture
def clients(devenv: EnvState, tmp_path: Path) -> Iterator[tuple[Any, Any, str]]:
    """(moto's elbv2 client, the proxy's, a fresh VPC's id)."""
    upstream = aws_backend_url(devenv, "moto")
    proc, url = start_proxy("faultproxy-aws-like", upstream, logs=tmp_path, aws_like=True)
    ec2 = boto3.session.Session(region_name=REGION).client("ec2", endpoint_url=upstream)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    try:
        yield _elbv2(upstream), _elbv2(url), vpc
    finally:
        stop(proc)


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return str(caught.value.response["Error"]["Code"])


def test_an_nlb_has_aws_dns_name_and_lists_no_groups_when_it_has_none(
    clients: tuple[Any, Any, str],
) -> None:
    moto, proxied, vpc = clients
    ec2 = boto3.session.Session(region_name=REGION).client(
        "ec2", endpoint_url=moto.meta.endpoint_url
    )
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    lb = proxied.create_load_balancer(Name="no-groups", Type="network", Subnets=[subnet])
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    dns = lb["LoadBalancers"][0]["DNSName"]
    assert dns == f"no-groups-1.elb.{REGION}.amazonaws.com"  # AWS's NLB form
    (described,) = proxied.describe_load_balancers(Names=["no-groups"])["LoadBalancers"]
    assert described["DNSName"] == dns
    (straight,) = moto.describe_load_balancers(Names=["no-groups"])["LoadBalancers"]
    assert straight["DNSName"] == f"no-groups-1.{REGION}.elb.amazonaws.com"
    assert _code(moto.describe_target_groups, LoadBalancerArn=arn) == "TargetGroupNotFound"
    assert proxied.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"] == []
    # other misses are still errors, as on AWS
    assert _code(proxied.describe_target_groups, Names=["absent"]) == "TargetGroupNotFound"


def test_creating_the_same_group_again_answers_the_existing_one(
    clients: tuple[Any, Any, str],
) -> None:
    moto, proxied, vpc = clients
    settings = {"Name": "same-again", "Protocol": "TCP", "Port": 30080, "VpcId": vpc}
    first = proxied.create_target_group(**settings)["TargetGroups"][0]
    assert _code(moto.create_target_group, **settings) == "DuplicateTargetGroupName"
    again = proxied.create_target_group(**settings)["TargetGroups"][0]
    assert again["TargetGroupArn"] == first["TargetGroupArn"]
    assert again["Port"] == 30080 and again["Protocol"] == "TCP"
    other = {**settings, "Port": 30081}
    assert _code(proxied.create_target_group, **other) == "DuplicateTargetGroupName"
    names = [g["TargetGroupName"] for g in moto.describe_target_groups()["TargetGroups"]]
    assert names.count("same-again") == 1
