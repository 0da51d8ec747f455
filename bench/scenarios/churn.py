"""Node churn: many load balancers over many nodes; add one node, then remove one.

Where it sits: stage C of the runner. The Services are created first (setup, not measured),
then one Node is POSTed and the clock runs until the controller's node sync has converged
every affected load balancer (its `lbcontroller_nodesync_latency_seconds` count moves and the
queue is idle), then the same for deleting a Node. Targets: exactly one mutating call per
affected target group, and at most 1.3x the baseline's time: one RegisterTargets (or
DeregisterTargets) per group, straight, on as many threads as the controller has workers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from bench import explain
from bench.baseline import Reader
from bench.context import Bench
from bench.counting import CloudCalls, reads, writes
from bench.inproc import InProcessController
from bench.kubeobjs import SERVED_CLASS, bulk, create_service, instance_id, service_body
from bench.results import Measure, Scenario, Target
from bench.stats import rounded
from bench.watch import IngressWatcher

SPARE_INSTANCE = instance_id(999_999)  # the baseline's extra target; never a Node


def setup(bench: Bench, ctl: InProcessController) -> float:
    """Create the Services and wait for all addresses; the seconds it took."""
    count = bench.size.churn_services
    namespace = bench.namespace("churn")
    names = [f"ch-{i:04d}" for i in range(count)]
    started = time.monotonic()
    with IngressWatcher(bench.kube, namespace) as watcher:
        bulk(
            lambda n: create_service(bench.kube, namespace, service_body(n, lb_class=SERVED_CLASS)),
            names,
            bench.size.kube_threads,
        )
        watcher.wait_ingress(names, bench.size.settle(count) * 3)
    ctl.wait_reconciled(count, 60)
    return time.monotonic() - started


def _node_event(
    bench: Bench, ctl: InProcessController, change: Callable[[], object]
) -> tuple[float, Counter[str], dict[str, float]]:
    syncs = ctl.node_syncs()
    mark = ctl.calls.mark()
    started = time.monotonic()
    change()
    finished = ctl.wait_node_sync(syncs + 1, bench.size.settle(bench.size.churn_services) * 3)
    return finished - started, ctl.calls.since(mark), ctl.calls.seconds_by_operation(started)


def run(bench: Bench, ctl: InProcessController, setup_seconds: float) -> Scenario:
    """Add one node, remove one (the controller), then the same with boto3 (the baseline)."""
    workers = bench.size.workers
    reader = Reader(bench.ctl_world, CloudCalls())
    groups = reader.group_arns()
    added_s, added, added_spent = _node_event(bench, ctl, bench.nodes.add_one)
    removed_s, removed, _ = _node_event(bench, ctl, lambda: bench.nodes.remove(0))
    calls = CloudCalls()
    base = Reader(bench.ctl_world, calls)
    t0 = time.monotonic()
    base.register_everywhere(groups, SPARE_INSTANCE, workers)
    t1 = time.monotonic()
    base.deregister_everywhere(groups, SPARE_INSTANCE, workers)
    t2 = time.monotonic()
    delay = 1.0  # the controller's nodeSyncDelay (its default), part of its time
    scenario = Scenario(
        name="churn",
        title=(
            f"Node churn: {bench.size.churn_services:,} Services, "
            f"{len(bench.nodes.present):,} nodes; add one node, remove one"
        ),
        params={
            "services": bench.size.churn_services,
            "nodes": len(bench.nodes.present),
            "target_groups": len(groups),
            "nodeSyncDelay": delay,
            "workers": workers,
            "setup_seconds": rounded(setup_seconds),
        },
    )
    for label, seconds, ops, base_seconds in (
        ("add", added_s, added, t1 - t0),
        ("remove", removed_s, removed, t2 - t1),
    ):
        scenario.add(
            Measure(
                f"mutating calls, {label} one node",
                "calls",
                writes(ops),
                len(groups),
                Target("equal_baseline"),
                note="one per affected target group",
            )
        )
        scenario.add(Measure(f"read calls, {label} one node", "calls", reads(ops), 0))
        scenario.add(
            Measure(
                f"floor on AWS's ELBv2 read bucket, {label}",
                "s",
                rounded(explain.aws_read_floor(ops)),
                0,
                note="ELBv2 Describe calls / 10 per second (40 burst), per account and region",
            )
        )
        scenario.add(
            Measure(
                f"time to converge, {label} one node",
                "s",
                rounded(seconds),
                rounded(base_seconds),
                Target("ratio_max", 1.3),
                note=f"ours includes the {delay:g} s node-sync debounce "
                f"({rounded(seconds - delay)} s without it)",
            )
        )
        scenario.details[f"ours_ops_{label}"] = dict(sorted(ops.items()))
    scenario.details["baseline_ops_add"] = {"elbv2.RegisterTargets": len(groups)}
    scenario.details["baseline_ops_remove"] = {"elbv2.DeregisterTargets": len(groups)}
    scenario.details["baseline_ops"] = dict(sorted(calls.since(0).items()))
    spent = {op: rounded(seconds) for op, seconds in added_spent.items()}
    scenario.details["ours_call_seconds_add"] = spent
    if any(m.met is False for m in scenario.measures):
        per_group = {op: n / len(groups) for op, n in added.items()}
        base_per = {"elbv2.RegisterTargets": 1.0}
        total = sum(spent.values()) or 1.0
        shares = ", ".join(
            f"{op} {seconds / total:.0%} ({seconds / max(added[op], 1) * 1000:.0f} ms a call)"
            for op, seconds in spent.items()
        )
        base_ms = (t1 - t0) * workers / len(groups) * 1000
        scenario.analysis = [
            *explain.surplus(per_group, base_per, per="per group"),
            f"Where the calls' time went (summed over the {workers} workers): {shares}; the "
            f"baseline's RegisterTargets took {base_ms:.0f} ms a call on as many threads. The "
            f"difference is that time per call and the {delay:g} s nodeSyncDelay.",
            "The node-sync path is Controller._node_sync_loop -> queue every applied key -> "
            "Reconciler._update_backends -> provider.update_backends -> converge.nlb_targets, "
            "which registers the difference against the targets the provider remembers from "
            "its last converge (no reads), each call under the register family's adaptive rate "
            "limit, with metrics and retries around it, in a process that shares two cores with "
            "moto, the API server and etcd.",
            "Kept: the debounce gathers a rolling update's Node events into one sync, and the "
            "rate limit keeps the controller inside AWS's RegisterTargets bucket. Behind that "
            "bucket the pace is AWS's, not the client's: see the peer scenario's 'time to "
            "converge, add one node, AWS limits' row, where ours and the baseline make the "
            "same calls under the same limits.",
        ]
    return scenario
