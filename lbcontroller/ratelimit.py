"""Thread-safe token buckets for client-side rate limiting of cloud API families.

Where it sits: each provider's cloud-call wrapper (`cloudcall`) takes a token before every call
in a family (e.g. AWS "describe", "register", "modify") and tells the family's bucket how the
call ended, so a burst of reconciles never exceeds what the cloud allows and is throttled less.
A `TokenBucket` keeps a fixed rate; an `AdaptiveBucket` moves its rate with the answers: it
grows while no throttling is seen and shrinks by a factor on each throttle (a CUBIC curve, as
botocore's adaptive retry mode uses per client; here one per API family, shared by all workers
of a provider), always between a floor and a cap. `build_buckets` makes a provider's buckets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from lbcontroller.config import RateLimit

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """`qps` tokens a second, holding at most `burst`."""

    def __init__(
        self,
        qps: float,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._qps = qps
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """Tokens a second right now."""
        return self._qps

    def _capacity(self) -> float:
        """The most tokens it holds now (lock held)."""
        return self._burst

    def _rate_at(self, now: float) -> float:
        """The rate from `now` on (lock held)."""
        return self._qps

    def _refill(self, now: float) -> None:
        """Add what the rate earned since the last stamp, then move to the rate from `now` on
        (lock held)."""
        earned = (now - self._stamp) * self._qps
        self._qps = self._rate_at(now)
        self._tokens = min(self._capacity(), self._tokens + earned)
        self._stamp = now

    def _reserve(self) -> float:
        """Take a token (possibly going into debt); return how long to wait for it."""
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self._qps

    def acquire(self) -> float:
        """Block until a token is ours; return the seconds waited."""
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def observe(self, *, throttled: bool) -> None:
        """How a call ended; a fixed bucket keeps its rate whatever the answer."""


@dataclass(frozen=True, slots=True)
class Adaptive:
    """How an adaptive bucket moves: start rate, floor, cap, and the CUBIC constants."""

    start: float
    floor: float
    cap: float
    beta: float = 0.7  # the share of the rate kept after a throttle
    scale: float = 0.4  # how fast the rate climbs back (tokens/s per s^3)


class AdaptiveBucket(TokenBucket):
    """A token bucket whose rate follows the cloud's answers.

    After a throttle at rate W the rate drops to `beta * W`, then climbs along
    `scale * (t - K)^3 + W` (K chosen so the curve starts at `beta * W`): fast at first, slow
    near W (where the cloud said no last time), then faster again beyond it. With no throttle
    yet it climbs from `start` on the convex half of the curve. The bucket is emptied on a
    throttle, so the calls queued behind the throttled one go at the new, lower rate.

    Until the first throttle it holds `burst` tokens (the server's bucket size, from the
    docs); from then on at most one second of its current rate (at least one token, at most
    `burst`), as botocore's adaptive limiter holds: a quiet spell refills the server's bucket
    only at the server's rate, so a full-size burst after it would mostly be throttled.
    """

    def __init__(
        self,
        shape: Adaptive,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if not 0 < shape.floor <= shape.start <= shape.cap:
            raise ValueError(f"need 0 < floor <= start <= cap, got {shape}")
        super().__init__(shape.start, burst, clock=clock, sleep=sleep)
        self._shape = shape
        self._peak = shape.start  # W: the rate at the last throttle
        self._epoch = self._stamp  # when the current curve began
        self._offset = 0.0  # K
        self._throttled = False  # seen a throttle: the burst follows the rate from then on

    @property
    def shape(self) -> Adaptive:
        """Its start, floor, cap and constants."""
        return self._shape

    def _curve(self, now: float) -> float:
        shape = self._shape
        grown = shape.scale * (now - self._epoch - self._offset) ** 3 + self._peak
        return min(shape.cap, max(shape.floor, grown))

    def _capacity(self) -> float:
        if not self._throttled:
            return self._burst
        return min(self._burst, max(1.0, self._qps))

    def _rate_at(self, now: float) -> float:
        return self._curve(now)

    def observe(self, *, throttled: bool) -> None:
        """A throttle cuts the rate and starts a new curve; a success lets it keep climbing."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            if not throttled:
                return
            shape = self._shape
            self._throttled = True
            self._peak = self._qps
            self._offset = math.cbrt(self._peak * (1 - shape.beta) / shape.scale)
            self._epoch = now
            self._qps = self._curve(now)
            self._tokens = min(self._tokens, 0.0)


@dataclass(frozen=True, slots=True)
class Family:
    """A provider's default for one API family: its rate and burst, and whether it adapts.

    An adaptive family starts at `qps` and may climb to `cap` (None: `qps`) unless the config
    caps it; it never drops below `floor`.
    """

    qps: float
    burst: int
    adaptive: bool = False
    cap: float | None = None
    floor: float = 0.5


def build_buckets(
    defaults: Mapping[str, Family], configured: Mapping[str, RateLimit]
) -> dict[str, TokenBucket]:
    """One bucket per family of `defaults`; the config's `rateLimits` overrides.

    A fixed family takes the configured qps and burst in place of its default. An adaptive one
    starts at its default rate and the configured qps is its cap (its default cap when nothing
    is configured); it starts at the cap when that is lower. ValueError names any key of
    `rateLimits` that is not a family of this provider.
    """
    _check_families(configured, defaults.keys())
    out: dict[str, TokenBucket] = {}
    for name, family in defaults.items():
        limit = configured.get(name)
        burst = family.burst if limit is None else limit.burst
        if not family.adaptive:
            out[name] = TokenBucket(family.qps if limit is None else limit.qps, burst)
            continue
        cap = (family.cap or family.qps) if limit is None else limit.qps
        start = min(family.qps, cap)
        shape = Adaptive(start=start, floor=min(family.floor, start), cap=cap)
        out[name] = AdaptiveBucket(shape, burst)
    return out


def _check_families(configured: Mapping[str, object], known: Collection[str]) -> None:
    unknown = sorted(set(configured) - set(known))
    if unknown:
        raise ValueError(
            f"rateLimits: unknown API families {unknown} (expected {', '.join(known)})"
        )
