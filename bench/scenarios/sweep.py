"""Calls and time of one Service's create against the number of Nodes (the nodes plot).

Where it sits: the runner calls `point` at each stage's node count (10, 100, 1,000 in the full
size) with a controller without the nodes' security group, as the scale scenarios run, and
`scenario` gathers the points. Targets are spread over 100-target RegisterTargets calls, so
calls grow by 2 (one per group) for every 100 nodes; informational, no target.
"""

from __future__ import annotations

import time
from typing import Any

from bench.baseline import Builder
from bench.context import Bench
from bench.counting import CloudCalls
from bench.results import Measure, Scenario
from bench.scenarios import creates
from bench.stats import rounded


def point(bench: Bench) -> dict[str, Any]:
    """Create-and-delete `sweep_runs` Services at the current node count, ours and baseline."""
    runs = bench.size.sweep_runs
    started = time.monotonic()
    ctl = bench.controller(node_group=False)
    try:
        ours, shapes = creates.ours(
            bench, ctl, runs=runs, prefix=f"sweep{len(bench.nodes.present)}"
        )
    finally:
        ctl.stop()
    builder = Builder(bench.base_world, CloudCalls(), node_group=False)
    base = creates.baseline(builder, shapes, bench.nodes.instances())
    o, b = creates.summary(ours), creates.summary(base)
    return {
        "nodes": len(bench.nodes.present),
        "runs": runs,
        "ours_calls": o["calls_p50"],
        "baseline_calls": b["calls_p50"],
        "ours_ms": rounded(o["seconds_p50"] * 1000),
        "baseline_ms": rounded(b["seconds_p50"] * 1000),
        "seconds": rounded(time.monotonic() - started),
    }


def scenario(points: list[dict[str, Any]]) -> Scenario:
    """The gathered points as a scenario (one calls measure per node count)."""
    result = Scenario(
        name="scaling",
        title="One Service's create against the number of Nodes",
        params={"node_counts": [p["nodes"] for p in points], "nodeSecurityGroup": False},
    )
    for p in points:
        result.add(
            Measure(
                f"cloud calls per create, {p['nodes']} nodes",
                "calls",
                p["ours_calls"],
                p["baseline_calls"],
            )
        )
        result.add(
            Measure(
                f"time to address p50, {p['nodes']} nodes", "ms", p["ours_ms"], p["baseline_ms"]
            )
        )
    result.series = {"points": points}
    result.seconds = sum(p.get("seconds", 0.0) for p in points)
    return result
