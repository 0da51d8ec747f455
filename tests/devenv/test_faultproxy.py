"""The fault proxy in front of the real stand-ins, driven by the real SDKs.

Each fault kind is shown with boto3 (elbv2, elb, ec2 on moto_server) and google-cloud-compute
(on the GCE fake): throttling and 5xx in the service's own format (and classified by our
providers as the real thing would be), a held-then-dropped request, and a dropped connection
before forwarding (the upstream never sees the call) or after (the upstream made the change,
the client never heard). Per-operation overrides, seeded determinism and the admin endpoint's
validation are checked too. The proxies run as `python -m devenv.faultproxy` processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1
from requests.exceptions import ConnectionError as RequestsConnectionError

from devenv.faults.client import FaultAdmin, start_proxy
from devenv.procs import stop
from devenv.state import EnvState
from lbcontroller.cloudcall import Outcome
from providers.aws.api import classify as aws_classify
from providers.gcp.api import classify as gce_classify
from tests.conftest import aws_backend_url, gce_url

pytestmark = pytest.mark.integration
REGION, PROJECT, GCE_REGION = "us-east-1", "proxy-project", "us-central1"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@dataclass
class Aws:
    """boto3 clients through the proxy and straight to moto."""

    admin: FaultAdmin
    elbv2: Any
    elb: Any
    ec2: Any
    direct_elbv2: Any
    vpc_id: str

    def create_group(self, name: str) -> Any:
        return self.elbv2.create_target_group(
            Name=name, Protocol="TCP", Port=30080, VpcId=self.vpc_id, TargetType="instance"
        )

    def group_names(self) -> list[str]:
        groups = self.direct_elbv2.describe_target_groups()["TargetGroups"]
        return sorted(g["TargetGroupName"] for g in groups)


@dataclass
class Gce:
    """Health-check clients through the proxy and straight to the fake."""

    admin: FaultAdmin
    checks: compute_v1.RegionHealthChecksClient
    direct: compute_v1.RegionHealthChecksClient

    def insert(self, name: str) -> Any:
        check = compute_v1.HealthCheck(
            name=name, type_="TCP", tcp_health_check=compute_v1.TCPHealthCheck(port=80)
        )
        return self.checks.insert(
            project=PROJECT,
            region=GCE_REGION,
            health_check_resource=check,
            retry=None,
            timeout=30,
        )

    def get(self, name: str) -> Any:
        return self.checks.get(
            project=PROJECT, region=GCE_REGION, health_check=name, retry=None, timeout=30
        )

    def names(self) -> list[str]:
        return sorted(c.name for c in self.direct.list(project=PROJECT, region=GCE_REGION))


def _boto(service: str, url: str) -> Any:
    session: Any = boto3.session.Session(region_name=REGION)
    return session.client(service, endpoint_url=url, config=NO_RETRIES)


def _compute(url: str) -> compute_v1.RegionHealthChecksClient:
    return compute_v1.RegionHealthChecksClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": url},
    )


@pytest.fixture
def aws(devenv: EnvState, tmp_path: Path) -> Iterator[Aws]:
    """moto (emptied) behind a fresh proxy."""
    upstream = aws_backend_url(devenv, "moto")
    proc, url = start_proxy("faultproxy-aws", upstream, logs=tmp_path)
    try:
        ec2 = _boto("ec2", upstream)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        yield Aws(
            FaultAdmin(url),
            _boto("elbv2", url),
            _boto("elb", url),
            _boto("ec2", url),
            _boto("elbv2", upstream),
            vpc,
        )
    finally:
        stop(proc)


@pytest.fixture
def gce(devenv: EnvState, tmp_path: Path) -> Iterator[Gce]:
    """The GCE fake (emptied) behind a fresh proxy."""
    upstream = gce_url(devenv)
    proc, url = start_proxy("faultproxy-gce", upstream, logs=tmp_path)
    made = Gce(FaultAdmin(url), _compute(url), _compute(upstream))
    try:
        yield made
    finally:
        for client in (made.checks, made.direct):
            client.transport.close()  # type: ignore[no-untyped-call]
        stop(proc)


def _only(kind: str, **extra: Any) -> dict[str, Any]:
    return {"rate": 1.0, "kinds": {kind: 1}, **extra}


def test_without_faults_every_call_passes_and_is_counted(aws: Aws, gce: Gce) -> None:
    aws.create_group("tg-clean")
    assert aws.elbv2.describe_target_groups()["TargetGroups"][0]["TargetGroupName"] == "tg-clean"
    assert aws.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    assert aws.ec2.describe_vpcs()["Vpcs"]
    gce.insert("hc-clean")
    assert gce.get("hc-clean").name == "hc-clean"
    stats = aws.admin.stats()
    assert stats["faulted"] == 0 and stats["calls"] == stats["forwarded"] == 4
    assert set(stats["by_operation"]) == {
        "elbv2:CreateTargetGroup",
        "elbv2:DescribeTargetGroups",
        "elb:DescribeLoadBalancers",
        "ec2:DescribeVpcs",
    }
    assert gce.admin.stats()["by_operation"].keys() == {"compute:healthChecks.insert"} | {
        "compute:healthChecks.get"
    }


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        ("elbv2", lambda c: c.describe_load_balancers(), "Throttling", 400),
        ("elb", lambda c: c.describe_load_balancers(), "Throttling", 400),
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
    ],
)
def test_aws_throttling_is_what_the_service_sends(
    aws: Aws, service: str, call: Callable[[Any], Any], code: str, status: int
) -> None:
    aws.admin.configure(**_only("throttle"))
    with pytest.raises(ClientError) as caught:
        call(getattr(aws, service))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert aws_classify(caught.value) is Outcome.THROTTLED
    assert aws.admin.stats()["faults"]["throttle"] == 1


@pytest.mark.parametrize(("code", "error"), [(429, gexc.TooManyRequests), (403, gexc.Forbidden)])
def test_gce_throttling_is_rate_limit_exceeded(gce: Gce, code: int, error: type[Exception]) -> None:
    gce.admin.configure(**_only("throttle", throttle_codes=[code]))
    with pytest.raises(error) as caught:
        gce.insert("hc-throttled")
    assert gce_classify(caught.value) is Outcome.THROTTLED
    assert gce.names() == []  # the fake never saw it


@pytest.mark.parametrize("code", [500, 503])
def test_server_errors_are_transient_for_both_providers(aws: Aws, gce: Gce, code: int) -> None:
    for admin in (aws.admin, gce.admin):
        admin.configure(**_only("error", error_codes=[code]))
    with pytest.raises(ClientError) as aws_caught:
        aws.create_group("tg-5xx")
    assert aws_caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == code
    assert aws_classify(aws_caught.value) is Outcome.TRANSIENT
    with pytest.raises(gexc.ServerError) as gce_caught:
        gce.get("anything")
    assert gce_caught.value.code == code
    assert gce_classify(gce_caught.value) is Outcome.TRANSIENT
    assert aws.group_names() == []


def test_a_timeout_holds_the_request_then_drops_it_unseen(aws: Aws, gce: Gce) -> None:
    for admin in (aws.admin, gce.admin):
        admin.configure(**_only("timeout", timeout_seconds=1.0))
    started = time.monotonic()
    with pytest.raises(ConnectionClosedError) as caught:
        aws.create_group("tg-timeout")
    assert time.monotonic() - started >= 1.0
    assert aws_classify(caught.value) is Outcome.TRANSIENT
    started = time.monotonic()
    with pytest.raises(RequestsConnectionError) as dropped:
        gce.insert("hc-timeout")
    assert time.monotonic() - started >= 1.0
    assert gce_classify(dropped.value) is Outcome.TRANSIENT
    assert aws.group_names() == [] and gce.names() == []


@pytest.mark.parametrize(("kind", "applied"), [("drop_before", False), ("drop_after", True)])
def test_a_dropped_connection_before_or_after_forwarding(
    aws: Aws, gce: Gce, kind: str, applied: bool
) -> None:
    for admin in (aws.admin, gce.admin):
        admin.configure(**_only(kind))
    with pytest.raises(ConnectionClosedError):
        aws.create_group("tg-dropped")
    with pytest.raises(RequestsConnectionError):
        gce.insert("hc-dropped")
    assert aws.group_names() == (["tg-dropped"] if applied else [])
    assert gce.names() == (["hc-dropped"] if applied else [])
    entry = aws.admin.log()["entries"][-1]
    assert entry[1:4] == ["elbv2:CreateTargetGroup", True, kind]


def test_per_operation_overrides_and_patterns(aws: Aws, gce: Gce) -> None:
    aws.admin.configure(
        rate=0.0, operations={"DescribeTargetGroups": {"rate": 1.0, "kinds": {"throttle": 1}}}
    )
    assert aws.elbv2.describe_load_balancers()["LoadBalancers"] == []
    with pytest.raises(ClientError, match="Throttling"):
        aws.elbv2.describe_target_groups()
    gce.admin.configure(rate=0.0, operations={"*.insert": {"rate": 1.0, "kinds": {"error": 1}}})
    with pytest.raises(gexc.ServerError):
        gce.insert("hc-pattern")
    with pytest.raises(gexc.NotFound):
        gce.get("hc-pattern")  # reads pass, and the insert never reached the fake
    assert aws.admin.config()["operations"] == {
        "DescribeTargetGroups": {"rate": 1.0, "kinds": {"throttle": 1.0}}
    }


def _outcomes(aws: Aws, calls: int) -> list[str]:
    out = []
    for _ in range(calls):
        try:
            aws.elbv2.describe_load_balancers()
            out.append("ok")
        except (ClientError, ConnectionClosedError) as exc:
            out.append(type(exc).__name__)
    return out


def test_the_same_seed_gives_the_same_faults(aws: Aws) -> None:
    kinds = {"throttle": 1, "error": 1, "drop_before": 1}
    aws.admin.configure(rate=0.5, kinds=kinds, seed=42)
    first = _outcomes(aws, 30)
    aws.admin.configure(seed=42)
    assert _outcomes(aws, 30) == first
    assert "ok" in first and len(set(first)) > 1
    log = aws.admin.log()
    assert log["next"] == 60 and len(log["entries"]) == 60
    aws.admin.reset()
    assert aws.admin.stats()["calls"] == 0 and aws.admin.log()["entries"] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"rate": 2},
        {"kinds": {"meltdown": 1}},
        {"timeout_seconds": 0},
        {"operations": {"X": {"rate": "high"}}},
        {"error_codes": [418]},
        {"colour": "red"},
    ],
)
def test_a_bad_configuration_is_refused_and_changes_nothing(aws: Aws, bad: dict[str, Any]) -> None:
    before = aws.admin.config()
    with pytest.raises(ValueError, match="400"):
        aws.admin.configure(**bad)
    assert aws.admin.config() == before
