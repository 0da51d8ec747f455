"""Recorders of the cloud calls a provider makes, one interface with a back end per cloud.

Where it sits: provider and contract tests `start()` a recorder, call a provider's verbs, and
compare `writes()` (or `reads()`) with what the verbs should have sent. Every back end watches
from outside the provider's code: botocore's own event hooks on every session made while
recording (AWS), the Compute fake's call log (GCP), the core's cloud-call metrics (OpenStack).
Keys read `collection.verb` or `service.Operation`, as the cloud names its calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import botocore.handlers

from lbcontroller.metrics import Metrics


class FakeAdmin(Protocol):
    """The Compute fake's admin API (`tests.devenv.gcefake.gce.Admin`): it serves its call log."""

    def call(self, method: str, path: str) -> Any:
        """One admin request's decoded answer."""
        ...


class Recorder(Protocol):
    """The calls made since `start()`, split into writes and reads."""

    def start(self) -> None:
        """Count from now on."""
        ...

    def writes(self) -> Counter[str]:
        """The mutating calls since `start()`, and how often each was made."""
        ...

    def reads(self) -> Counter[str]:
        """The read calls since `start()`, and how often each was made."""
        ...


def _split(calls: list[str], is_read: Callable[[str], bool]) -> tuple[Counter[str], Counter[str]]:
    writes = Counter(c for c in calls if not is_read(c))
    return writes, Counter(c for c in calls if is_read(c))


class BotoCalls:
    """Every AWS call, as `service.Operation`, of each botocore client made in `hooked()`.

    The hook is one of botocore's built-in handlers, which every new botocore session (so every
    boto3 session and client) registers: build the provider inside `hooked()`.
    """

    READS = ("Describe",)

    def __init__(self) -> None:
        self.made: list[str] = []
        self.params: list[dict[str, Any]] = []

    @contextmanager
    def hooked(self) -> Iterator[BotoCalls]:
        """While open, new botocore sessions record their calls here."""
        before = botocore.handlers.BUILTIN_HANDLERS
        botocore.handlers.BUILTIN_HANDLERS = [*before, ("before-call", self._record)]
        try:
            yield self
        finally:
            botocore.handlers.BUILTIN_HANDLERS = before

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.made.append(f"{model.service_model.service_name}.{model.name}")
        self.params.append(params)

    def start(self) -> None:
        """Forget what was recorded."""
        self.made.clear()
        self.params.clear()

    def mentioning(self, text: str) -> list[str]:
        """The calls whose parameters contain `text` anywhere."""
        return [c for c, p in zip(self.made, self.params, strict=True) if text in repr(p)]

    def _is_read(self, call: str) -> bool:
        return call.split(".")[1].startswith(self.READS)

    def writes(self) -> Counter[str]:
        """The mutating calls."""
        return _split(self.made, self._is_read)[0]

    def reads(self) -> Counter[str]:
        """The Describe* calls."""
        return _split(self.made, self._is_read)[1]


class GceCalls:
    """The Compute calls the fake logged since `start()`, as `collection.verb`."""

    # listInstances and operation waits are POSTs, but reads; waits are not counted at all.
    READS = frozenset({"get", "list", "listInstances", "aggregatedList", "getHealth"})

    def __init__(self, admin: FakeAdmin) -> None:
        self._admin = admin
        self._since = 0

    def start(self) -> None:
        """Count from now on."""
        self._since = int(self._admin.call("GET", "/_fake/calls?since=0")["next"])

    def sequence(self) -> list[str]:
        """The calls in the order the fake answered them, operation waits left out."""
        log = self._admin.call("GET", f"/_fake/calls?since={self._since}")["calls"]
        return [f"{c['collection']}.{c['verb']}" for c in log if c["verb"] != "wait"]

    def _is_read(self, call: str) -> bool:
        return call.rsplit(".", 1)[1] in self.READS

    def writes(self) -> Counter[str]:
        """The mutating calls."""
        return _split(self.sequence(), self._is_read)[0]

    def reads(self) -> Counter[str]:
        """The read calls."""
        return _split(self.sequence(), self._is_read)[1]


class MetricCalls:
    """Every call attempt a provider counted in its metrics (the core's `CloudCaller` counts
    each one in `lbcontroller_cloud_api_requests_total`), as the operation it names."""

    READS = frozenset({"list", "get"})

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._base: Counter[str] = Counter()

    def _now(self) -> Counter[str]:
        now: Counter[str] = Counter()
        for metric in self._metrics.registry.collect():
            for sample in metric.samples:
                if sample.name == "lbcontroller_cloud_api_requests_total":
                    now[sample.labels["operation"]] += int(sample.value)
        return now

    def start(self) -> None:
        """Count from now on."""
        self._base = self._now()

    def _is_read(self, call: str) -> bool:
        return call.rsplit(".", 1)[1] in self.READS

    def writes(self) -> Counter[str]:
        """Every write attempt, whatever its outcome."""
        return _split(list((self._now() - self._base).elements()), self._is_read)[0]

    def reads(self) -> Counter[str]:
        """Every read attempt."""
        return _split(list((self._now() - self._base).elements()), self._is_read)[1]
