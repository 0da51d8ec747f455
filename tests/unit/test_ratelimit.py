"""The token bucket, driven by a fake clock: a burst, then the steady rate."""

from __future__ import annotations

import pytest

from lbcontroller.ratelimit import TokenBucket


class FakeTime:
    """A clock that moves only when slept on (if `advance`) or told to."""

    def __init__(self, *, advance: bool) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self._advance = advance

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self._advance:
            self.now += seconds


def bucket(time: FakeTime, *, qps: float = 2.0, burst: int = 3) -> TokenBucket:
    return TokenBucket(qps, burst, clock=time.clock, sleep=time.sleep)


def test_burst_then_rate() -> None:
    time = FakeTime(advance=True)
    limiter = bucket(time)
    waits = [limiter.acquire() for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.5, 0.5, 0.5])
    assert time.slept == pytest.approx([0.5, 0.5, 0.5])
    assert time.now == pytest.approx(101.5)


def test_concurrent_callers_queue_behind_each_other() -> None:
    time = FakeTime(advance=False)
    limiter = bucket(time, qps=4, burst=1)
    assert [limiter.acquire() for _ in range(4)] == pytest.approx([0, 0.25, 0.5, 0.75])


def test_idle_time_refills_only_up_to_the_burst() -> None:
    time = FakeTime(advance=True)
    limiter = bucket(time)
    for _ in range(3):
        limiter.acquire()
    time.now += 60
    assert [limiter.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.5])


def test_partial_refill() -> None:
    time = FakeTime(advance=True)
    limiter = bucket(time, qps=10, burst=1)
    limiter.acquire()
    time.now += 0.04
    assert limiter.acquire() == pytest.approx(0.06)
