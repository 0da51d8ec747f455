"""The token buckets, driven by a fake clock: a burst, then the steady rate; the adaptive
rate climbing, backing off on throttles, held between floor and cap; building a provider's."""

from __future__ import annotations

import pytest

from lbcontroller.config import RateLimit
from lbcontroller.ratelimit import Adaptive, AdaptiveBucket, Family, TokenBucket, build_buckets


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


SHAPE = Adaptive(start=4.0, floor=0.5, cap=20.0)


def adaptive(time: FakeTime, shape: Adaptive = SHAPE, burst: int = 1) -> AdaptiveBucket:
    return AdaptiveBucket(shape, burst, clock=time.clock, sleep=time.sleep)


def test_a_fixed_bucket_ignores_outcomes() -> None:
    time = FakeTime(advance=True)
    limiter = bucket(time)
    limiter.observe(throttled=True)
    time.now += 10
    limiter.observe(throttled=False)
    assert limiter.rate == 2.0


def test_the_rate_climbs_while_nothing_is_throttled_up_to_the_cap() -> None:
    time = FakeTime(advance=True)
    limiter = adaptive(time)
    seen = []
    for _ in range(6):
        time.now += 1
        limiter.observe(throttled=False)
        seen.append(limiter.rate)
    assert seen == sorted(seen) and seen[0] > 4.0
    assert seen[:3] == pytest.approx([4.4, 7.2, 14.8])  # 4 + 0.4 t^3
    assert seen[-1] == 20.0  # never above the cap


def test_a_throttle_cuts_the_rate_by_beta_then_it_climbs_back_towards_it() -> None:
    time = FakeTime(advance=True)
    limiter = adaptive(time, Adaptive(start=10.0, floor=0.5, cap=40.0))
    limiter.observe(throttled=True)
    assert limiter.rate == pytest.approx(7.0)
    time.now += 0.9
    limiter.observe(throttled=False)
    after_one = limiter.rate
    time.now += 0.9
    limiter.observe(throttled=False)
    assert 7.0 < after_one < limiter.rate < 10.0  # back at 10 after K = cbrt(10 * 0.3 / 0.4) s
    time.now += 5
    limiter.observe(throttled=False)
    assert limiter.rate > 10.0  # past the old peak it probes higher again


def test_repeated_throttles_back_off_multiplicatively_down_to_the_floor() -> None:
    time = FakeTime(advance=True)
    limiter = adaptive(time)
    rates = []
    for _ in range(8):
        limiter.observe(throttled=True)
        rates.append(limiter.rate)
    assert rates[:3] == pytest.approx([2.8, 1.96, 1.372])
    assert rates[-1] == 0.5


def test_a_throttle_empties_the_bucket_so_queued_calls_go_at_the_new_rate() -> None:
    time = FakeTime(advance=False)
    limiter = adaptive(time, Adaptive(start=10.0, floor=0.5, cap=10.0), burst=5)
    assert limiter.acquire() == 0
    limiter.observe(throttled=True)
    assert limiter.acquire() == pytest.approx(1 / 7.0)


def test_after_a_throttle_a_quiet_spell_refills_only_one_second_of_the_rate() -> None:
    time = FakeTime(advance=False)
    limiter = adaptive(time, Adaptive(start=3.0, floor=0.5, cap=3.0), burst=20)
    time.now += 60
    assert [limiter.acquire() for _ in range(20)] == [0] * 20  # never throttled: the full burst
    limiter.observe(throttled=True)
    time.now += 60  # quiet long enough to refill 20 tokens at any rate it may have
    waits = [limiter.acquire() for _ in range(4)]
    assert waits[:3] == [0, 0, 0]  # 3 qps: one second's worth
    assert waits[3] == pytest.approx(1 / 3)


def test_adaptive_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="floor <= start <= cap"):
        adaptive(FakeTime(advance=False), Adaptive(start=30.0, floor=0.5, cap=20.0))


DEFAULTS = {
    "describe": Family(qps=10, burst=40, adaptive=True, cap=50),
    "register": Family(qps=4, burst=20, adaptive=True),
    "write": Family(qps=5, burst=20),
}


def test_build_buckets_defaults_and_configured_caps() -> None:
    made = build_buckets(
        DEFAULTS,
        {"describe": RateLimit(qps=50, burst=200), "register": RateLimit(qps=2, burst=5)},
    )
    assert set(made) == {"describe", "register", "write"}
    describe, register, write = made["describe"], made["register"], made["write"]
    assert isinstance(describe, AdaptiveBucket) and isinstance(register, AdaptiveBucket)
    assert describe.rate == 10  # starts at the default, may climb to the configured 50
    assert register.rate == 2  # a configured cap below the default is where it starts
    assert type(write) is TokenBucket and write.rate == 5


def cap(bucket: TokenBucket) -> float:
    assert isinstance(bucket, AdaptiveBucket)
    return bucket.shape.cap


def test_the_cap_is_the_configured_qps_else_the_default_cap_else_the_start() -> None:
    made = build_buckets(DEFAULTS, {"register": RateLimit(qps=12, burst=40)})
    assert (cap(made["describe"]), cap(made["register"])) == (50, 12)
    assert cap(build_buckets(DEFAULTS, {})["register"]) == 4


def test_a_configured_cap_holds_the_climbing_rate() -> None:
    time = FakeTime(advance=False)
    shape = build_buckets(DEFAULTS, {"describe": RateLimit(qps=12, burst=40)})["describe"]
    assert isinstance(shape, AdaptiveBucket)
    moved = AdaptiveBucket(shape.shape, 40, clock=time.clock, sleep=time.sleep)
    time.now += 3600
    moved.observe(throttled=False)
    assert moved.rate == 12


def test_build_buckets_names_the_unknown_family() -> None:
    with pytest.raises(ValueError, match=r"rateLimits: unknown API families \['read'\]") as err:
        build_buckets(DEFAULTS, {"read": RateLimit(qps=1, burst=1)})
    assert "expected describe, register, write" in str(err.value)
