"""Steady state: every load balancer converged, one periodic resync (the deep drift check).

Where it sits: stage B of the runner, right after the burst, on the same controller: calling
`Controller.resync()` is what the resync loop does every `resyncPeriod`; it re-ensures every
Service with `verify=True`, which reads every part of each load balancer. Targets: no write,
at most 1.1x the baseline's reads per load balancer. The baseline is the fewest reads that
check the same parts (batched where AWS allows: descriptions 400 a page, tags 20 a call).
"""

from __future__ import annotations

import time

from bench import explain
from bench.baseline import read_all
from bench.context import Bench
from bench.counting import reads, writes
from bench.inproc import InProcessController
from bench.results import Measure, Scenario, Target
from bench.stats import rounded


def run(bench: Bench, ctl: InProcessController, count: int) -> Scenario:
    """One deep resync of `count` converged load balancers, then the deep-read baseline."""
    before = ctl.reconciled()
    mark, kube_mark = ctl.calls.mark(), ctl.kube.mark()
    started = time.monotonic()
    ctl.controller.resync()
    finished = ctl.wait_reconciled(before + count, bench.size.settle(count))
    ops = ctl.calls.since(mark)
    base_ops, base_seconds = read_all(bench.ctl_world, bench.size.workers, deep=True)
    scenario = Scenario(
        name="steady",
        title=f"Steady state: {count:,} load balancers, one resync (verify=True)",
        params={"load_balancers": count, "verify": True, "workers": bench.size.workers},
    )
    scenario.add(Measure("mutating cloud calls", "calls", writes(ops), 0, Target("max", 0)))
    scenario.add(
        Measure(
            "read calls per load balancer",
            "calls",
            rounded(reads(ops) / count),
            rounded(reads(base_ops) / count),
            Target("ratio_max", 1.1),
            note="baseline: the fewest reads of the same parts, batched where AWS allows",
        )
    )
    scenario.add(
        Measure("time for the resync", "s", rounded(finished - started), rounded(base_seconds))
    )
    scenario.add(
        Measure(
            "Kubernetes writes", "requests", ctl.kube.writes_since(kube_mark), 0, Target("max", 0)
        )
    )
    ours_per = {op: n / count for op, n in sorted(ops.items())}
    base_per = {op: n / count for op, n in sorted(base_ops.items())}
    spent = ctl.calls.seconds_by_operation(started)
    scenario.details = {
        "ours_ops_per_lb": ours_per,
        "baseline_ops_per_lb": base_per,
        "ours_call_seconds": {op: rounded(t) for op, t in spent.items()},
    }
    if any(m.met is False for m in scenario.measures):
        scenario.analysis = [
            "The deep check reads each load balancer's parts one call at a time, per Service "
            "(Controller.resync queues every key with force=True -> Reconciler._converge -> "
            "provider.ensure(verify=True) -> converge._converge_nlb). Even the batched baseline "
            "needs "
            f"{sum(base_per.values()):.2f} reads per load balancer for the same parts, because "
            "AWS has no batch call for listeners, attributes or target health. The surplus is "
            "in the calls that AWS does batch (load balancers by the page, tags 20 resources a "
            "call), which the controller issues per Service: each Service's check stands alone "
            "(one failing or slow load balancer holds no other, and none is judged on a "
            "snapshot older than its own turn in the queue). Reads by operation, per load "
            "balancer:",
            *explain.surplus(ours_per, base_per, per="per LB"),
            "At AWS's ELBv2 read rate (10 a second per account and region) these reads alone "
            f"take {explain.aws_read_floor(ops):.0f} s for {count:,} load balancers, against a "
            "default resyncPeriod of 600 s, and they share that bucket with every other reader.",
        ]
    return scenario
