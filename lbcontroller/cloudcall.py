"""The one door every cloud API call goes through: rate limit, retry, measure.

Where it sits: each provider wraps its SDK calls in `CloudCaller.call`, naming the API family
(for the token bucket) and the operation (for metrics). The provider supplies `classify`, which
maps its SDK's exceptions to throttled / transient / final; throttled and transient calls are
retried with exponential backoff and full jitter, final ones are raised at once.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import backoff

from lbcontroller.metrics import Metrics
from lbcontroller.ratelimit import TokenBucket

T = TypeVar("T")


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
    ) -> None:
        self._provider = provider
        self._metrics = metrics
        self._classify = classify
        self._limits = dict(limits or {})
        self._max_tries = max_tries
        self._max_delay = max_delay

    def _attempt(self, family: str, operation: str, fn: Callable[[], T]) -> T:
        bucket = self._limits.get(family)
        if bucket is not None:
            bucket.acquire()
        started = time.monotonic()
        try:
            result = fn()
        except Exception as exc:
            outcome = self._classify(exc)
            label = "throttled" if outcome is Outcome.THROTTLED else "error"
            self._metrics.cloud_calls.labels(self._provider, operation, label).inc()
            raise
        finally:
            elapsed = time.monotonic() - started
            self._metrics.cloud_seconds.labels(self._provider, operation).observe(elapsed)
        self._metrics.cloud_calls.labels(self._provider, operation, "ok").inc()
        return result

    def call(self, family: str, operation: str, fn: Callable[[], T]) -> T:
        """Run `fn` (one SDK call) under the family's rate limit, retrying what may pass."""

        @backoff.on_exception(
            backoff.expo,
            Exception,
            giveup=lambda exc: self._classify(exc) is Outcome.FINAL,
            max_tries=self._max_tries,
            max_value=self._max_delay,
            factor=0.1,
            jitter=backoff.full_jitter,
            logger=None,
        )
        def attempt() -> T:
            return self._attempt(family, operation, fn)

        return attempt()
