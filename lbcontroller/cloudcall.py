"""The one door every cloud API call goes through: rate limit, retry, measure.

Where it sits: each provider wraps its SDK calls in `CloudCaller.call`, naming the API family
(for the token bucket) and the operation (for metrics). The provider supplies `classify`, which
maps its SDK's exceptions to throttled / transient / final. Every attempt takes a token from
its family's bucket and reports back whether it was throttled (an adaptive bucket moves its
rate on that). Throttled and transient calls are retried after an exponential backoff; a
throttled one always waits (at least half its backoff step, "equal jitter"), transient ones
get full jitter; final ones are raised at once.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from lbcontroller.metrics import Metrics
from lbcontroller.ratelimit import TokenBucket

T = TypeVar("T")
FIRST_DELAY = 0.1  # seconds before the first retry; doubled each time up to `max_delay`


class Outcome(enum.Enum):
    """How a failed call should be treated."""

    THROTTLED = "throttled"
    TRANSIENT = "transient"
    FINAL = "final"


class CloudCaller:
    """Rate-limited, retried, measured calls for one provider."""

    def __init__(
        self,
        *,
        provider: str,
        metrics: Metrics,
        classify: Callable[[Exception], Outcome],
        limits: Mapping[str, TokenBucket] | None = None,
        max_tries: int = 8,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._provider = provider
        self._metrics = metrics
        self._classify = classify
        self._limits = dict(limits or {})
        self._max_tries = max_tries
        self._max_delay = max_delay
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not crypto
        for family, bucket in self._limits.items():
            metrics.cloud_rate.labels(provider, family).set(bucket.rate)

    def _attempt(self, family: str, operation: str, fn: Callable[[], T]) -> T:
        bucket = self._limits.get(family)
        if bucket is not None:
            bucket.acquire()
        started = time.monotonic()
        try:
            result = fn()
        except Exception as exc:
            throttled = self._classify(exc) is Outcome.THROTTLED
            self._observe(family, bucket, throttled=throttled)
            label = "throttled" if throttled else "error"
            self._metrics.cloud_calls.labels(self._provider, operation, label).inc()
            raise
        finally:
            elapsed = time.monotonic() - started
            self._metrics.cloud_seconds.labels(self._provider, operation).observe(elapsed)
        self._observe(family, bucket, throttled=False)
        self._metrics.cloud_calls.labels(self._provider, operation, "ok").inc()
        return result

    def _observe(self, family: str, bucket: TokenBucket | None, *, throttled: bool) -> None:
        if throttled:
            self._metrics.cloud_throttles.labels(self._provider, family).inc()
        if bucket is not None:
            bucket.observe(throttled=throttled)
            self._metrics.cloud_rate.labels(self._provider, family).set(bucket.rate)

    def delay(self, retry: int, outcome: Outcome) -> float:
        """Seconds to wait before retry number `retry` (0 for the first) after `outcome`."""
        step = min(self._max_delay, FIRST_DELAY * 2**retry)
        if outcome is Outcome.THROTTLED:
            return self._rng.uniform(step / 2, step)
        return self._rng.uniform(0, step)

    def call(self, family: str, operation: str, fn: Callable[[], T]) -> T:
        """Run `fn` (one SDK call) under the family's rate limit, retrying what may pass."""
        for retry in range(self._max_tries):
            try:
                return self._attempt(family, operation, fn)
            except Exception as exc:
                outcome = self._classify(exc)
                if outcome is Outcome.FINAL or retry == self._max_tries - 1:
                    raise
                self._sleep(self.delay(retry, outcome))
        raise AssertionError("unreachable: the last attempt returns or raises")
