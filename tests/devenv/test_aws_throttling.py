"""AWS's own request limits, emulated by the fault proxy in front of moto, met by the real SDK.

The proxy (`python -m devenv.faultproxy`) runs with its AWS limits on at a small scale; boto3's
elbv2, elb and ec2 clients burst past a bucket and get throttled exactly as AWS throttles them
(botocore reads it as throttling), buckets refill at the documented rate, categories keep their
own tokens, the stats count each throttle. (How lbcontroller's `CloudCaller` meets these
limits is tested in `tests/aws/test_adaptive_limits.py`.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, RetryEventAdapter, ThrottlingErrorDetector

from lbcontroller.cloudcall import Outcome
from providers.aws.api import classify

from .aws_limits import Proxied, aws

pytestmark = pytest.mark.integration
__all__ = ["aws"]  # the fixture


def _passes(call: Callable[[], Any], tries: int) -> list[str]:
    """Each try's error code ("ok" when it passed), back to back."""
    out = []
    for _ in range(tries):
        try:
            call()
            out.append("ok")
        except ClientError as exc:
            out.append(exc.response["Error"]["Code"])
    return out


def _botocore_sees_throttling(client: Any, operation: str, exc: ClientError) -> bool:
    context = RetryContext(
        attempt_number=1,
        operation_model=client.meta.service_model.operation_model(operation),
        parsed_response=exc.response,
    )
    detector = ThrottlingErrorDetector(RetryEventAdapter())
    return bool(detector.is_throttling_error_from_context(context))


@pytest.mark.parametrize(
    ("service", "operation", "capacity", "code", "status"),
    [
        ("elbv2", "DescribeLoadBalancers", 10, "Throttling", 400),
        ("elb", "DescribeLoadBalancers", 10, "Throttling", 400),
        ("ec2", "DescribeVpcs", 12, "RequestLimitExceeded", 503),  # unfiltered: 50 x 0.25
    ],
)
def test_a_burst_past_the_bucket_is_throttled_as_aws_does(
    aws: Proxied, service: str, operation: str, capacity: int, code: str, status: int
) -> None:
    client = getattr(aws, service)
    method = getattr(client, "describe_load_balancers" if service != "ec2" else "describe_vpcs")
    outcomes = _passes(method, capacity + 8)
    assert outcomes[:capacity] == ["ok"] * capacity
    assert code in outcomes[capacity:]
    with pytest.raises(ClientError) as caught:
        method()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"] in ("Rate exceeded", "Request limit exceeded.")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert _botocore_sees_throttling(client, operation, caught.value)
    assert classify(caught.value) is Outcome.THROTTLED


def _timed(call: Callable[[], Any], tries: int) -> tuple[int, float]:
    """How many of `tries` back-to-back calls passed, and the seconds they took."""
    started = time.monotonic()
    passed = _passes(call, tries).count("ok")
    return passed, time.monotonic() - started


def _exhaust(call: Callable[[], Any]) -> int:
    """Call until the first throttle (at most 100 calls); how many passed before it."""
    for passed in range(100):
        if _passes(call, 1) != ["ok"]:
            return passed
    raise AssertionError("never throttled")


def test_the_bucket_refills_at_the_documented_rate(aws: Proxied) -> None:
    describe = aws.elbv2.describe_target_groups
    passed, took = _timed(describe, 12)
    assert 10 <= passed <= 10 + 2.5 * took  # 40 x 0.25 tokens, refilled 10 x 0.25 a second
    time.sleep(2.0)  # five tokens (plus the fraction left over, below one)
    passed, took = _timed(describe, 8)
    assert 5 <= passed <= 6 + 2.5 * took


def test_distinct_categories_and_services_do_not_share_tokens(aws: Proxied) -> None:
    assert _exhaust(aws.elbv2.describe_load_balancers) >= 10
    assert _passes(lambda: aws.elbv2.describe_tags(ResourceArns=["arn:x"]), 1) == ["Throttling"]
    tag = [{"Key": "k", "Value": "v"}]
    tags = _passes(lambda: aws.elbv2.add_tags(ResourceArns=["arn:x"], Tags=tag), 1)
    assert tags != ["Throttling"]  # the tags bucket is full (moto may refuse the ARN itself)
    assert _passes(aws.elb.describe_load_balancers, 3) == ["ok"] * 3
    assert _passes(aws.ec2.describe_vpcs, 3) == ["ok"] * 3


def test_the_stats_count_each_throttle_by_operation(aws: Proxied) -> None:
    aws.admin.reset()
    elbv2 = _passes(aws.elbv2.describe_load_balancers, 14).count("Throttling")
    ec2 = _passes(aws.ec2.describe_vpcs, 20).count("RequestLimitExceeded")
    assert elbv2 >= 3 and ec2 >= 3
    stats = aws.admin.stats()
    assert stats["limited"] == elbv2 + ec2 and stats["faulted"] == 0
    assert stats["by_operation"]["elbv2:DescribeLoadBalancers"] == {"calls": 14, "limited": elbv2}
    assert stats["by_operation"]["ec2:DescribeVpcs"] == {"calls": 20, "limited": ec2}
    assert [e[3] for e in aws.admin.log()["entries"]].count("limited") == elbv2 + ec2
    assert aws.admin.limits(enabled=False)["enabled"] is False
    assert _passes(aws.elbv2.describe_load_balancers, 20) == ["ok"] * 20
