"""lbcontroller's `CloudCaller` with adaptive buckets against AWS's own limits (emulated by the
fault proxy in front of moto, `tests.devenv.aws_limits`): a bounded burst of calls all succeed
in the end, every throttle is seen and counted, and the client's rate settles near the server's
refill rate."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.metrics import Metrics
from lbcontroller.ratelimit import Adaptive, AdaptiveBucket
from providers.aws.api import classify
from tests.devenv.aws_limits import Proxied, aws

pytestmark = pytest.mark.integration
__all__ = ["aws"]  # the fixture
CALLS = 40  # through CloudCaller: at least 12 s at the scaled refill rate


def test_adaptive_client_limits_meet_the_server_limits(aws: Proxied) -> None:
    metrics = Metrics()
    bucket = AdaptiveBucket(Adaptive(start=10.0, floor=0.5, cap=40.0), 5)
    caller = CloudCaller(
        provider="aws-test",
        metrics=metrics,
        classify=classify,
        limits={"describe": bucket},
        max_tries=30,
        max_delay=2.0,
    )
    aws.admin.reset()

    def one(_: int) -> int:
        answer = caller.call("describe", "DescribeTargetGroups", aws.elbv2.describe_target_groups)
        return len(answer["TargetGroups"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(one, range(CALLS))) == [0] * CALLS
    elapsed = time.monotonic() - started
    stats = aws.admin.stats()["by_operation"]["elbv2:DescribeTargetGroups"]
    seen = metrics.registry.get_sample_value(
        "lbcontroller_cloud_api_throttles_total", {"provider": "aws-test", "family": "describe"}
    )
    assert seen == stats["limited"] > 0  # every throttle the server sent was seen and counted
    assert stats["calls"] - stats["limited"] == CALLS
    assert stats["limited"] < CALLS  # backed off: far fewer throttles than calls
    assert (CALLS - 10) / 2.5 * 0.9 <= elapsed <= (CALLS - 10) / 2.5 * 2.5  # near the server's pace
    rate = metrics.registry.get_sample_value(
        "lbcontroller_cloud_api_rate_limit", {"provider": "aws-test", "family": "describe"}
    )
    assert rate == bucket.rate and rate is not None and rate < 10.0  # down from its start
