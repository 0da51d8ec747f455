"""CloudCaller: classify, retry what may pass (a throttled call never at once), count
outcomes, rate-limit every attempt and feed each outcome to the family's bucket."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from lbcontroller.cloudcall import CloudCaller, Outcome
from lbcontroller.metrics import Metrics
from lbcontroller.ratelimit import Adaptive, AdaptiveBucket, TokenBucket

PROVIDER, OPERATION = "aws-main", "DescribeLoadBalancers"
MAX_TRIES = 3


class Throttled(Exception):
    pass


class Transient(Exception):
    pass


class Final(Exception):
    pass


def classify(exc: Exception) -> Outcome:
    if isinstance(exc, Throttled):
        return Outcome.THROTTLED
    if isinstance(exc, Transient):
        return Outcome.TRANSIENT
    return Outcome.FINAL


class Script:
    """An SDK call that raises or returns the next scripted item on each attempt."""

    def __init__(self, steps: Sequence[Exception | str]) -> None:
        self._steps = list(steps)
        self.attempts = 0

    def __call__(self) -> str:
        step = self._steps[self.attempts]
        self.attempts += 1
        if isinstance(step, Exception):
            raise step
        return step


class CountingBucket(TokenBucket):
    """A generous bucket that counts the tokens taken."""

    def __init__(self) -> None:
        super().__init__(1000.0, 1000)
        self.taken = 0

    def acquire(self) -> float:
        self.taken += 1
        return super().acquire()


def caller(
    metrics: Metrics, bucket: TokenBucket | None = None, *, slept: list[float] | None = None
) -> CloudCaller:
    return CloudCaller(
        provider=PROVIDER,
        metrics=metrics,
        classify=classify,
        limits={"describe": bucket} if bucket else None,
        max_tries=MAX_TRIES,
        max_delay=0.001,
        sleep=(slept if slept is not None else []).append,
    )


def counts(metrics: Metrics) -> dict[str, float]:
    """The requests counter by outcome (absent series read as 0)."""
    return {
        outcome: metrics.registry.get_sample_value(
            "lbcontroller_cloud_api_requests_total",
            {"provider": PROVIDER, "operation": OPERATION, "outcome": outcome},
        )
        or 0.0
        for outcome in ("ok", "error", "throttled")
    }


def attempts_timed(metrics: Metrics) -> float | None:
    return metrics.registry.get_sample_value(
        "lbcontroller_cloud_api_request_duration_seconds_count",
        {"provider": PROVIDER, "operation": OPERATION},
    )


@pytest.mark.parametrize(
    ("steps", "attempts", "ok", "error", "throttled"),
    [
        pytest.param(["done"], 1, 1, 0, 0, id="first-time"),
        pytest.param([Throttled(), Throttled(), "done"], 3, 1, 0, 2, id="throttled-then-ok"),
        pytest.param([Transient(), "done"], 2, 1, 1, 0, id="transient-then-ok"),
        pytest.param([Throttled(), Transient(), "done"], 3, 1, 1, 1, id="mixed-then-ok"),
    ],
)
def test_retried_until_success(
    steps: list[Exception | str], attempts: int, ok: int, error: int, throttled: int
) -> None:
    metrics, call = Metrics(), Script(steps)
    assert caller(metrics).call("describe", OPERATION, call) == "done"
    assert call.attempts == attempts
    assert counts(metrics) == {"ok": ok, "error": error, "throttled": throttled}
    assert attempts_timed(metrics) == attempts


@pytest.mark.parametrize(
    ("steps", "attempts", "error", "throttled"),
    [
        pytest.param([Final("no such LB"), "never"], 1, 1, 0, id="final-at-once"),
        pytest.param([Transient("t")] * MAX_TRIES + ["never"], MAX_TRIES, 3, 0, id="transient"),
        pytest.param([Throttled("t")] * MAX_TRIES + ["never"], MAX_TRIES, 0, 3, id="throttled"),
        pytest.param([Transient("t"), Final("f"), "never"], 2, 2, 0, id="final-after-retry"),
    ],
)
def test_raises_the_last_error(
    steps: list[Exception | str], attempts: int, error: int, throttled: int
) -> None:
    metrics, call = Metrics(), Script(steps)
    with pytest.raises((Final, Transient, Throttled)) as caught:
        caller(metrics).call("describe", OPERATION, call)
    assert caught.value is steps[attempts - 1]
    assert call.attempts == attempts
    assert counts(metrics) == {"ok": 0, "error": error, "throttled": throttled}


def test_a_token_is_taken_per_attempt_of_the_family() -> None:
    metrics, bucket = Metrics(), CountingBucket()
    limited = caller(metrics, bucket)
    limited.call("describe", OPERATION, Script([Throttled(), Transient(), "done"]))
    assert bucket.taken == 3
    limited.call("modify", OPERATION, Script(["done"]))
    assert bucket.taken == 3


def sample(metrics: Metrics, name: str, family: str = "describe") -> float | None:
    return metrics.registry.get_sample_value(name, {"provider": PROVIDER, "family": family})


def test_every_retry_waits_and_a_throttled_one_at_least_half_its_step() -> None:
    metrics, slept = Metrics(), list[float]()
    steps: list[Exception | str] = [Throttled(), Transient(), Throttled(), "done"]
    limited = CloudCaller(
        provider=PROVIDER,
        metrics=metrics,
        classify=classify,
        max_tries=4,
        max_delay=20.0,
        sleep=slept.append,
    )
    assert limited.call("describe", OPERATION, Script(steps)) == "done"
    assert len(slept) == 3 and all(s > 0 for s in slept)
    assert 0.05 <= slept[0] <= 0.1 and 0.2 <= slept[2] <= 0.4  # steps 0.1, 0.2, 0.4 s


def test_throttled_delays_are_never_near_zero_whatever_the_draw() -> None:
    limited = CloudCaller(
        provider=PROVIDER,
        metrics=Metrics(),
        classify=classify,
        rng=random.Random(1),  # noqa: S311
    )
    throttled = [limited.delay(retry, Outcome.THROTTLED) for retry in range(12) for _ in range(50)]
    assert min(throttled) >= 0.05
    assert max(limited.delay(20, Outcome.THROTTLED) for _ in range(50)) <= 20.0
    transient = [limited.delay(0, Outcome.TRANSIENT) for _ in range(200)]
    assert min(transient) < 0.05  # transient retries keep full jitter


def test_outcomes_feed_the_adaptive_bucket_and_the_metrics() -> None:
    metrics = Metrics()
    frozen: list[float] = []
    shape = Adaptive(start=10.0, floor=0.5, cap=10.0)
    bucket = AdaptiveBucket(shape, 10, clock=lambda: 5.0, sleep=frozen.append)
    limited = caller(metrics, bucket)
    assert sample(metrics, "lbcontroller_cloud_api_rate_limit") == 10.0
    limited.call("describe", OPERATION, Script([Throttled(), Throttled(), "done"]))
    assert bucket.rate == pytest.approx(10.0 * 0.7 * 0.7)
    assert frozen == pytest.approx([1 / 7.0, 2 / 4.9])  # queued at the new rates (clock frozen)
    assert sample(metrics, "lbcontroller_cloud_api_rate_limit") == bucket.rate
    assert sample(metrics, "lbcontroller_cloud_api_throttles_total") == 2
    limited.call("modify", OPERATION, Script([Throttled(), "done"]))
    assert sample(metrics, "lbcontroller_cloud_api_throttles_total", "modify") == 1
    assert sample(metrics, "lbcontroller_cloud_api_rate_limit", "modify") is None  # no bucket
