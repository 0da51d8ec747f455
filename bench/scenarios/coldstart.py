"""Cold start: a new controller process-equivalent over existing load balancers.

Where it sits: stage B of the runner, after the resync: the running controller is stopped and
a fresh one (new provider, empty caches, nothing remembered) starts; every Service is checked
through the shallow path (the fingerprint tag matches, so `ensure(verify=False)` reads the
load balancer, its tags, its listeners and its groups' targets). Targets: no write, and at most
2x the read baseline (the same checks, batched where AWS allows), in calls and in time.
"""

from __future__ import annotations

import time

from bench import explain
from bench.baseline import read_all
from bench.context import Bench
from bench.counting import reads, writes
from bench.inproc import InProcessController, config
from bench.results import Measure, Scenario, Target
from bench.stats import rounded


def run(bench: Bench, count: int) -> Scenario:
    """Start a fresh controller and time it until every Service was reconciled once."""
    settings = config(bench.ctl_world, node_group=False, workers=bench.size.workers)
    ctl = InProcessController(bench.kube_config, settings)
    started = time.monotonic()
    ctl.start()
    try:
        finished = ctl.wait_reconciled(count, bench.size.settle(count))
    finally:
        ctl.stop()
    ops = ctl.calls.since(0)
    base_ops, base_seconds = read_all(bench.ctl_world, bench.size.workers, deep=False)
    scenario = Scenario(
        name="coldstart",
        title=f"Cold start: {count:,} existing load balancers",
        params={"load_balancers": count, "verify": False, "workers": bench.size.workers},
    )
    scenario.add(Measure("mutating cloud calls", "calls", writes(ops), 0, Target("max", 0)))
    scenario.add(
        Measure("Kubernetes writes", "requests", ctl.kube.writes_since(0), 0, Target("max", 0))
    )
    scenario.add(
        Measure("read calls", "calls", reads(ops), reads(base_ops), Target("ratio_max", 2))
    )
    scenario.add(
        Measure(
            "time until all checked",
            "s",
            rounded(finished - started),
            rounded(base_seconds),
            Target("ratio_max", 2),
            note="ours: from start (informers list) until every Service was reconciled",
        )
    )
    scenario.add(
        Measure(
            "read calls per load balancer",
            "calls",
            rounded(reads(ops) / count),
            rounded(reads(base_ops) / count),
        )
    )
    ours_per = {op: n / count for op, n in sorted(ops.items())}
    base_per = {op: n / count for op, n in sorted(base_ops.items())}
    scenario.details = {"ours_ops_per_lb": ours_per, "baseline_ops_per_lb": base_per}
    if any(m.met is False for m in scenario.measures):
        scenario.analysis = [
            "Reads by operation, per load balancer:",
            *explain.surplus(ours_per, base_per, per="per LB"),
        ]
    return scenario
