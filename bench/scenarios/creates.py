"""One Service at a time: post it, time it to its ingress, count its calls, delete it.

Where it sits: the single-Service scenario runs this 50 times at 10 nodes; the scaling sweep
runs it a few times at each node count. The baseline side builds the same load balancer with
boto3 (`bench.baseline.Builder`) and deletes it, one at a time too.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.baseline import Builder, Shape
from bench.context import Bench
from bench.counting import reads, writes
from bench.inproc import InProcessController
from bench.kubeobjs import SERVED_CLASS, create_service, node_ports, service_body
from bench.stats import percentile
from bench.watch import IngressWatcher

WAIT = 120.0  # one Service, at most


@dataclass(frozen=True)
class Sample:
    """One create: how long to its address, and the calls it took."""

    seconds: float
    calls: Counter[str]
    kube_writes: int = 0
    before_cloud: float = 0.0  # POST -> first cloud call (watch, queue, finalizer, Event)
    after_cloud: float = 0.0  # last cloud call -> ingress seen (Event, status, watch)

    @property
    def total(self) -> int:
        """Every cloud call."""
        return sum(self.calls.values())


def ours(
    bench: Bench, ctl: InProcessController, *, runs: int, prefix: str
) -> tuple[list[Sample], list[Shape]]:
    """`runs` Services, one after the other, each deleted (and its LB gone) before the next."""
    namespace = bench.namespace(prefix)
    samples, shapes = [], []
    with IngressWatcher(bench.kube, namespace) as watcher:
        for i in range(runs):
            name = f"{prefix}-{i:03d}"
            mark, kube_mark = ctl.calls.mark(), ctl.kube.mark()
            started = time.monotonic()
            made = create_service(bench.kube, namespace, service_body(name, lb_class=SERVED_CLASS))
            addressed = watcher.wait_ingress([name], WAIT)[name]
            times = [t for t in ctl.calls.times(mark) if t <= addressed] or [started]
            samples.append(
                Sample(
                    seconds=addressed - started,
                    calls=ctl.calls.since(mark, until=addressed),
                    kube_writes=ctl.kube.writes_since(kube_mark),
                    before_cloud=times[0] - started,
                    after_cloud=addressed - times[-1],
                )
            )
            shapes.append(Shape(namespace, name, node_ports(made)))
            bench.kube.request("DELETE", f"/api/v1/namespaces/{namespace}/services/{name}")
            watcher.wait_gone([name], WAIT)
    return samples, shapes


def baseline(builder: Builder, shapes: Sequence[Shape], instances: Sequence[str]) -> list[Sample]:
    """The same load balancers with boto3, one at a time, each deleted after (untimed)."""
    samples = []
    for shape in shapes:
        mark = builder.calls.mark()
        started = time.monotonic()
        made = builder.create(shape, instances)
        seconds = time.monotonic() - started
        samples.append(Sample(seconds=seconds, calls=builder.calls.since(mark)))
        builder.delete(made)
    return samples


def summary(samples: Sequence[Sample]) -> dict[str, float]:
    """p50/p95 of time and calls, mean reads and writes."""
    times = [s.seconds for s in samples]
    totals = [float(s.total) for s in samples]
    return {
        "before_cloud_p50": percentile([s.before_cloud for s in samples], 50),
        "after_cloud_p50": percentile([s.after_cloud for s in samples], 50),
        "seconds_p50": percentile(times, 50),
        "seconds_p95": percentile(times, 95),
        "calls_p50": percentile(totals, 50),
        "calls_p95": percentile(totals, 95),
        "reads_mean": sum(reads(s.calls) for s in samples) / len(samples),
        "writes_mean": sum(writes(s.calls) for s in samples) / len(samples),
    }


def mean_ops(samples: Sequence[Sample]) -> dict[str, float]:
    """Calls per operation, averaged over the samples."""
    total: Counter[str] = Counter()
    for sample in samples:
        total.update(sample.calls)
    return {op: n / len(samples) for op, n in sorted(total.items())}
