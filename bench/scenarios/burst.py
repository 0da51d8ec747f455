"""Burst: many 2-port Services posted at once; time until all have ingress, calls per Service.

Where it sits: stage B of the runner. The controller (its workers, no nodes' security group)
runs while the Services are posted on several threads; the clock starts before the first POST
and stops at the last ingress seen on a watch. The baseline then builds the same load
balancers with boto3 on as many threads as the controller has workers. Targets: at least 0.8x
the baseline's throughput, and at most 1.2x its calls per Service (the minimum).
"""

from __future__ import annotations

import bisect
import time

from bench import explain
from bench.baseline import Builder, Shape
from bench.context import Bench
from bench.counting import CloudCalls, reads, writes
from bench.inproc import InProcessController
from bench.kubeobjs import SERVED_CLASS, bulk, create_service, node_ports, service_body
from bench.results import Measure, Scenario, Target
from bench.stats import rounded, thin
from bench.watch import IngressWatcher


def _progress(
    done: list[float], calls: list[float], start: float
) -> tuple[list[list[float]], list[list[float]]]:
    """(seconds, Services done) and (Services done, calls made by then)."""
    by_time = [(t - start, float(k)) for k, t in enumerate(done, start=1)]
    by_count = [
        (float(k), float(bisect.bisect_right(calls, t))) for k, t in enumerate(done, start=1)
    ]
    return thin(by_time), thin(by_count)


def create(bench: Bench, ctl: InProcessController) -> tuple[Scenario, list[Shape]]:
    """Post the Services and wait for all addresses; the measured part of the controller."""
    size = bench.size
    count = size.burst_services
    namespace = bench.namespace("burst")
    names = [f"svc-{i:04d}" for i in range(count)]
    mark, kube_mark = ctl.calls.mark(), ctl.kube.mark()
    errors_before = ctl.reconciled("error")
    with IngressWatcher(bench.kube, namespace) as watcher:
        started = time.monotonic()
        made = bulk(
            lambda n: create_service(bench.kube, namespace, service_body(n, lb_class=SERVED_CLASS)),
            names,
            size.kube_threads,
        )
        posted = time.monotonic() - started
        times = watcher.wait_ingress(names, size.settle(count))
    finished = max(times.values())
    ops = ctl.calls.since(mark, until=finished)
    shapes = [Shape(namespace, m["metadata"]["name"], node_ports(m)) for m in made]
    scenario = Scenario(
        name="burst",
        title=f"Burst: {count:,} Services, 2 ports, {len(bench.nodes.present)} nodes",
        params={"services": count, "nodes": len(bench.nodes.present), "workers": size.workers},
    )
    scenario.details = {
        "ours_ops_per_service": {op: n / count for op, n in sorted(ops.items())},
        "ours_reads_per_service": reads(ops) / count,
        "ours_writes_per_service": writes(ops) / count,
        "posting_seconds": rounded(posted),
        "kube_writes_per_service": ctl.kube.writes_since(kube_mark) / count,
        "reconcile_errors": ctl.reconciled("error") - errors_before,
        "cloud_5xx_answers": ctl.calls.server_errors,
        "ours_seconds": finished - started,
        "ours_call_seconds": sum(ctl.calls.seconds_by_operation(started).values()),
    }
    done = sorted(times.values())
    scenario.series["ours_by_time"], scenario.series["ours_calls"] = _progress(
        done, ctl.calls.times(mark), started
    )
    return scenario, shapes


def compare(bench: Bench, scenario: Scenario, shapes: list[Shape]) -> None:
    """The baseline's burst over the same shapes, and the measures."""
    count, workers = len(shapes), bench.size.workers
    calls = CloudCalls()
    builder = Builder(bench.base_world, calls, node_group=False)
    started = time.monotonic()
    done = [t for t, _ in builder.burst(shapes, bench.nodes.instances(), workers)]
    base_seconds = done[-1] - started
    base_ops = calls.since(0)
    ours_seconds = float(scenario.details["ours_seconds"])
    scenario.add(
        Measure("time until all have ingress", "s", rounded(ours_seconds), rounded(base_seconds))
    )
    scenario.add(
        Measure(
            "throughput",
            "Services/s",
            rounded(count / ours_seconds),
            rounded(count / base_seconds),
            Target("ratio_min", 0.8),
            higher_is_better=True,
        )
    )
    ours_ops = scenario.details["ours_ops_per_service"]
    base_per = {op: n / count for op, n in sorted(base_ops.items())}
    scenario.add(
        Measure(
            "cloud calls per Service",
            "calls",
            rounded(sum(ours_ops.values())),
            rounded(sum(base_per.values())),
            Target("ratio_max", 1.2),
            note="the baseline's count is the minimum: the writes alone",
        )
    )
    scenario.add(
        Measure(
            "Kubernetes writes per Service",
            "requests",
            rounded(scenario.details["kube_writes_per_service"]),
        )
    )
    scenario.add(
        Measure(
            "floor at the default client-side rate limits",
            "s",
            rounded(explain.default_limits_floor({op: n * count for op, n in ours_ops.items()})),
            rounded(explain.default_limits_floor(base_ops)),
            note="the provider's default buckets (modify 3/s, register 4/s, describe 50/s), "
            "which the bench raises; the slowest family bounds the burst",
        )
    )
    scenario.details["baseline_ops_per_service"] = base_per
    scenario.series["baseline_by_time"], scenario.series["baseline_calls"] = _progress(
        done, calls.times(0), started
    )
    scenario.details["baseline_5xx_answers"] = calls.server_errors
    scenario.details["baseline_call_seconds"] = sum(calls.seconds_by_operation(started).values())
    analysis = []
    if any(m.met is False for m in scenario.measures):
        analysis.append("Surplus calls per Service, by operation:")
        analysis.extend(explain.surplus(ours_ops, base_per))
    ours_n, base_n = sum(ours_ops.values()) * count, sum(base_ops.values())
    ours_t, base_t = (
        scenario.details["ours_call_seconds"],
        scenario.details["baseline_call_seconds"],
    )
    per_call = f"{ours_t / ours_n * 1000:.1f} vs {base_t / base_n * 1000:.1f} ms a call"
    writes_per = scenario.details["kube_writes_per_service"]
    analysis.append(
        f"Calls: {ours_n:,.0f} vs {base_n:,} ({ours_n / base_n:.2f}x), {per_call} on average "
        f"({ours_t:.0f} vs {base_t:.0f} s in calls, summed over {workers} threads). At the "
        "same time per call the surplus calls alone bound the controller's throughput at "
        f"{base_n / ours_n:.2f}x the baseline's; the rest is the Kubernetes side "
        f"({writes_per:.0f} writes per Service: finalizer patch, two Events, status patch) and "
        "the controller's own CPU on a 2-core machine it shares with moto, the API server and "
        "etcd."
    )
    failed, answers = scenario.details["reconcile_errors"], scenario.details["cloud_5xx_answers"]
    if failed:
        analysis.append(
            f"Reconciles failed: {failed:.0f}, while moto answered HTTP 500 to {answers} "
            "calls (it races concurrent requests; an HTML body botocore cannot "
            "parse). providers/aws/api.py classify treats botocore's ResponseParserError as "
            "final, so CloudCaller does not retry the call and the whole Service waits for the "
            "per-key backoff (5 s at first); the baseline retries the call itself."
        )
    scenario.analysis = analysis
