"""Counting what is sent: every cloud call (a botocore hook) and every Kubernetes request.

Where it sits: the in-process controller's boto3 clients and the baseline's are both hooked
with `CloudCalls.hook` (botocore's `before-call` event: one count per API call made, retries
included, since botocore's own retries are off); the controller's Kubernetes client is a
`CountingKube`. Scenarios take a `mark()` before a phase and read `since(mark)` after it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.client import BaseClient
from kubernetes.client import Configuration

from lbcontroller.kube import JSON, KubeClient

READ_PREFIXES = ("Describe", "Get", "List")


def is_read(operation: str) -> bool:
    """Whether `service.Operation` only reads."""
    return operation.split(".", 1)[-1].startswith(READ_PREFIXES)


def reads(ops: Mapping[str, int]) -> int:
    """How many of the counted calls were reads."""
    return sum(n for op, n in ops.items() if is_read(op))


def writes(ops: Mapping[str, int]) -> int:
    """How many of the counted calls were mutating."""
    return sum(n for op, n in ops.items() if not is_read(op))


class CloudCalls:
    """A timestamped log of API calls made through the hooked clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log: list[tuple[float, str]] = []
        self._spent: list[tuple[float, str, float]] = []  # (ended, operation, seconds)
        self.server_errors = 0  # answers with a 5xx status (moto races concurrent requests)

    def hook(self, clients: Iterable[BaseClient]) -> None:
        """Record every call these clients make from now on (and count 5xx answers)."""
        for client in clients:
            client.meta.events.register("before-call", self._record)
            client.meta.events.register("after-call", self._finished)
            client.meta.events.register("before-parse", self._answered)

    def _answered(self, response_dict: Mapping[str, Any], **_: Any) -> None:
        if int(response_dict.get("status_code", 0)) >= 500:
            with self._lock:
                self.server_errors += 1

    def _record(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        entry = (time.monotonic(), f"{model.service_model.service_name}.{model.name}")
        context["bench_started"] = entry[0]
        with self._lock:
            self._log.append(entry)

    def _finished(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        now = time.monotonic()
        op = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self._spent.append((now, op, now - context.get("bench_started", now)))

    def seconds_by_operation(self, since: float) -> dict[str, float]:
        """Time spent in calls that ended after `since` (a monotonic time), by operation."""
        out: dict[str, float] = {}
        with self._lock:
            for ended, op, seconds in self._spent:
                if ended >= since:
                    out[op] = out.get(op, 0.0) + seconds
        return dict(sorted(out.items(), key=lambda item: -item[1]))

    def mark(self) -> int:
        """A position in the log."""
        with self._lock:
            return len(self._log)

    def since(self, mark: int, *, until: float | None = None) -> Counter[str]:
        """Calls by operation after `mark` (and, given `until`, made no later than it)."""
        with self._lock:
            entries = self._log[mark:]
        return Counter(op for t, op in entries if until is None or t <= until)

    def times(self, mark: int) -> list[float]:
        """The monotonic times of the calls after `mark`."""
        with self._lock:
            return [t for t, _ in self._log[mark:]]


class CountingKube(KubeClient):
    """A KubeClient that counts its requests by method (watches are not counted)."""

    def __init__(self, configuration: Configuration, *, pool_size: int = 16) -> None:
        super().__init__(configuration, pool_size=pool_size)
        self._lock = threading.Lock()
        self._log: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> JSON:
        """Count, then send."""
        with self._lock:
            self._log.append(method)
        return super().request(method, path, **kwargs)

    def mark(self) -> int:
        """A position in the log."""
        with self._lock:
            return len(self._log)

    def writes_since(self, mark: int) -> int:
        """Requests other than GET after `mark`."""
        with self._lock:
            return sum(1 for method in self._log[mark:] if method != "GET")
