"""One Service, 2 ports, 10 nodes: Service created -> ingress written, over many runs.

Where it sits: stage A of the runner, with the nodes' security group configured (the full
path: load balancer, target groups, targets, listeners and the NodePort rules). Target: the
median run makes at most 1.2x the baseline's cloud calls; times are reported beside it.
"""

from __future__ import annotations

from bench import explain
from bench.baseline import Builder
from bench.context import Bench
from bench.counting import CloudCalls
from bench.inproc import InProcessController
from bench.results import NO_TARGET, Measure, Scenario, Target
from bench.scenarios import creates
from bench.stats import rounded


def run(bench: Bench, ctl: InProcessController) -> Scenario:
    """Measure the controller's runs, then the baseline's over the same shapes."""
    size = bench.size
    scenario = Scenario(
        name="single",
        title=f"One Service, 2 ports, {size.single_nodes} nodes",
        params={"runs": size.single_runs, "nodes": size.single_nodes, "nodeSecurityGroup": True},
    )
    ours, shapes = creates.ours(bench, ctl, runs=size.single_runs, prefix="one")
    builder = Builder(bench.base_world, CloudCalls(), node_group=True)
    base = creates.baseline(builder, shapes, bench.nodes.instances())
    o, b = creates.summary(ours), creates.summary(base)
    scenario.add(
        Measure(
            "cloud calls per Service, p50",
            "calls",
            o["calls_p50"],
            b["calls_p50"],
            Target("ratio_max", 1.2),
        )
    )
    scenario.add(Measure("cloud calls per Service, p95", "calls", o["calls_p95"], b["calls_p95"]))
    for q in ("p50", "p95"):
        scenario.add(
            Measure(
                f"time to address, {q}",
                "ms",
                rounded(o[f"seconds_{q}"] * 1000),
                rounded(b[f"seconds_{q}"] * 1000),
                note="ours: Service POST -> ingress seen on a watch; baseline: its AWS calls only",
            )
        )
    kube_writes = sum(s.kube_writes for s in ours) / len(ours)
    scenario.add(
        Measure(
            "Kubernetes writes per Service",
            "requests",
            kube_writes,
            None,
            NO_TARGET,
            note="finalizer patch, Ensuring/Ensured Events, status patch",
        )
    )
    ops_ours, ops_base = creates.mean_ops(ours), creates.mean_ops(base)
    cloud_ms = (o["seconds_p50"] - o["before_cloud_p50"] - o["after_cloud_p50"]) * 1000
    scenario.details = {
        "ours_ms_split_p50": {
            "before the first cloud call": rounded(o["before_cloud_p50"] * 1000),
            "first to last cloud call": rounded(cloud_ms),
            "last cloud call's start to ingress seen": rounded(o["after_cloud_p50"] * 1000),
        },
        "ops_per_service": {"ours": ops_ours, "baseline": ops_base},
        "reads_writes": {
            "ours": [o["reads_mean"], o["writes_mean"]],
            "baseline": [b["reads_mean"], b["writes_mean"]],
        },
    }
    scenario.series = {
        "ours_seconds": [rounded(s.seconds) for s in ours],
        "baseline_seconds": [rounded(s.seconds) for s in base],
        "ours_calls": [s.total for s in ours],
        "baseline_calls": [s.total for s in base],
    }
    if scenario.measures[0].met is False:
        scenario.analysis = [
            "The baseline makes only the writes (it knows what exists). The controller's surplus, "
            "per Service, by operation:",
            *explain.surplus(ops_ours, ops_base),
        ]
    scenario.analysis.append(
        f"Time (p50 of each part): {o['before_cloud_p50'] * 1000:.0f} ms pass before the first "
        "cloud call (watch event, queue, finalizer patch, EnsuringLoadBalancer Event), "
        f"{cloud_ms:.0f} ms between the first and the last call's start ({o['calls_p50']:.0f} "
        f"calls, {cloud_ms / max(o['calls_p50'] - 1, 1):.1f} ms apart), and "
        f"{o['after_cloud_p50'] * 1000:.0f} ms from the last call's start to the ingress seen "
        "(that call, the EnsuredLoadBalancer Event, the status patch, the watch event); the "
        f"baseline's {b['seconds_p50'] * 1000:.0f} ms are its {b['calls_p50']:.0f} calls alone "
        f"({b['seconds_p50'] * 1000 / max(b['calls_p50'], 1):.1f} ms each)."
    )
    return scenario
