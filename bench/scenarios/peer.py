"""Beside the peer: lbcontroller, the upstream aws-cloud-controller-manager and the minimal
baseline, each building, updating and deleting the same load balancers, with and without AWS's
request limits.

Where it sits: stage B of the runner, after the burst's own scenarios, on the same Nodes. For
each of "no limits" and "AWS limits" (the fault proxy's per-account token buckets with AWS's
documented sizes, `devenv.faults.limits`) each controller in turn, on a freshly emptied moto,
at its shipped defaults (lbcontroller's client-side rate limits are not raised here): posts
`Size.peer_services` 2-port NLB Services (ours: its class; the peer: class-less, annotated
nlb) and waits for every address (burst), adds one Node and waits for its registration in
every target group (node change: as many successful RegisterTargets as groups), then deletes
the Services and waits until they are gone (delete). Every call is counted at the proxy,
throttled ones included, and the throttles each controller provoked are a figure of their own.
The baseline (`bench.baseline`: the fewest calls, issued straight with boto3 at the same
concurrency, retrying throttles as botocore's standard mode does) runs the same three phases
in the same region through the same proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.baseline import Builder, Made, Reader, Shape, pooled
from bench.context import Bench
from bench.counting import CloudCalls
from bench.inproc import InProcessController, config
from bench.kubeobjs import SERVED_CLASS, bulk, create_service, instance_id, service_body
from bench.peer import SYNCS, start_peer, stop_peer
from bench.results import NO_TARGET, Measure, Scenario, Target
from bench.stats import rounded, thin
from bench.watch import IngressWatcher, Timeout

NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
WHO = ("ours", "peer", "baseline")
MODES = (("none", False), ("aws", True))
NODE_CHANGES = len(WHO) * len(MODES)  # each run adds a Node (moto instances to seed)
TARGET_GROUPS = 2  # one per port
QUIET = 2.0  # seconds without a call that end a phase's count (not its time)
Ops = dict[str, dict[str, int]]

PHASES = (
    ("burst", "time until all have ingress"),
    ("node", "time to converge, add one node"),
    ("delete", "time until all are deleted"),
)


@dataclass
class Run:
    """One controller's figures in one mode."""

    seconds: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    ops: dict[str, Ops] = field(default_factory=dict)  # phase -> operation -> tallies
    progress: list[list[float]] = field(default_factory=list)  # (seconds, Services addressed)

    def calls(self, phase: str) -> int:
        """Requests the controller sent in `phase` (throttled ones included)."""
        return sum(t["calls"] for t in self.ops[phase].values())

    def throttles(self) -> int:
        """Requests AWS's limits throttled, all phases."""
        return sum(t.get("limited", 0) for ops in self.ops.values() for t in ops.values())


def _registered(bench: Bench) -> int:
    tally = bench.proxy.by_operation().get("elbv2:RegisterTargets", {})
    return tally.get("calls", 0) - tally.get("limited", 0)


def _wait(done: Callable[[], bool], timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return time.monotonic()
        time.sleep(0.05)
    raise Timeout(f"{what} not done after {timeout} s")


def _calls(bench: Bench) -> int:
    return sum(t["calls"] for t in bench.proxy.by_operation().values())


def _quiet(bench: Bench, seconds: float = QUIET) -> None:
    """Wait until the controller has sent nothing for `seconds` (its phase's tail calls)."""
    last, since = _calls(bench), time.monotonic()
    while time.monotonic() - since < seconds:
        time.sleep(0.1)
        now = _calls(bench)
        if now != last:
            last, since = now, time.monotonic()


def _phase(bench: Bench, run: Run, name: str, fn: Callable[[], float]) -> None:
    """Time `fn` (it returns when its phase was done); its calls, tail included."""
    bench.proxy.reset()
    started = time.monotonic()
    run.seconds[name] = fn() - started
    _quiet(bench)
    run.ops[name] = bench.proxy.by_operation()


def _progress(done: list[float], started: float) -> list[list[float]]:
    """(seconds since `started`, how many were done by then), thinned for the plot."""
    return thin([(t - started, float(k)) for k, t in enumerate(done, start=1)])


def _phases(bench: Bench, run: Run, *fns: Callable[[], float]) -> Run:
    for (name, _), fn in zip(PHASES, fns, strict=True):
        _phase(bench, run, name, fn)
    return run


def _drive(bench: Bench, who: str, namespace: str, timeout: float) -> Run:
    """Burst, node change and delete of one controller (already running)."""
    count = bench.size.peer_services
    names = [f"{who}-{i:03d}" for i in range(count)]
    lb_class, annotations = (SERVED_CLASS, None) if who == "ours" else (None, NLB)
    run = Run()
    with IngressWatcher(bench.kube, namespace) as watcher:

        def burst() -> float:
            started = time.monotonic()
            bulk(
                lambda n: create_service(
                    bench.kube,
                    namespace,
                    service_body(n, lb_class=lb_class, annotations=annotations),
                ),
                names,
                bench.size.kube_threads,
            )
            done = sorted(watcher.wait_ingress(names, timeout).values())
            run.progress = _progress(done, started)
            return done[-1]

        def node_change() -> float:
            bench.nodes.add_one()
            groups = count * TARGET_GROUPS
            return _wait(lambda: _registered(bench) >= groups, timeout, f"{who}: node change")

        def delete() -> float:
            path = f"/api/v1/namespaces/{namespace}/services"
            bulk(lambda n: bench.kube.request("DELETE", f"{path}/{n}"), names, 8)
            watcher.wait_gone(names, timeout)
            return time.monotonic()

        return _phases(bench, run, burst, node_change, delete)


def _baseline(bench: Bench) -> Run:
    """The same three phases as the fewest boto3 calls (it knows what it made)."""
    world = bench.peer_world
    builder, reader = Builder(world, CloudCalls(), node_group=False), Reader(world, CloudCalls())
    shapes = [
        Shape("peer-baseline", f"lb-{i:03d}", (31000 + 2 * i, 31001 + 2 * i))
        for i in range(bench.size.peer_services)
    ]
    made: list[Made] = []
    run = Run()

    def burst() -> float:
        started = time.monotonic()
        done = builder.burst(shapes, bench.nodes.instances(), SYNCS)
        made.extend(m for _, m in done)
        run.progress = _progress([t for t, _ in done], started)
        return done[-1][0]

    def node_change() -> float:
        groups = [g for m in made for g in m.group_arns]
        reader.register_everywhere(groups, instance_id(bench.nodes.add_one()), SYNCS)
        return time.monotonic()

    def delete() -> float:
        pooled(builder.delete, made, SYNCS)
        return time.monotonic()

    return _phases(bench, run, burst, node_change, delete)


def _one(bench: Bench, who: str, limited: bool) -> Run:
    bench.clear_services()
    bench.reset_cloud()
    mode = "aws" if limited else "none"
    bench.say(f"peer: {who}, limits {mode}")
    bench.proxy.limits(limited)
    try:
        if who == "baseline":
            return _baseline(bench)
        namespace = bench.namespace(f"peer-{who}")
        timeout = max(600.0, bench.size.peer_services * 15.0)
        if who == "ours":
            settings = config(
                bench.peer_world, node_group=False, workers=SYNCS, shipped_limits=True
            )
            ctl = InProcessController(bench.kube_config, settings)
            ctl.start()
            try:
                return _drive(bench, who, namespace, timeout)
            finally:
                ctl.stop()
        manager = start_peer(
            bench.peer_world, bench.kubeconfig, bench.work / f"peer-{mode}-{time.time():.0f}"
        )
        try:
            return _drive(bench, who, namespace, timeout)
        finally:
            stop_peer(manager)
    finally:
        bench.proxy.limits(False)


def _time_target(limited: bool, phase: str) -> Target:
    """With AWS's limits: ahead of the peer in the burst and the node change; without them:
    at most 1.1x its time in every phase."""
    if not limited:
        return Target("ratio_max", 1.1, against="peer")
    return Target("ratio_max", 1.0, against="peer") if phase != "delete" else Target("none")


def _measures(scenario: Scenario, runs: dict[str, Run], mode: str, count: int) -> None:
    ours, peer, base = runs["ours"], runs["peer"], runs["baseline"]
    limited = mode == "aws"
    label = "AWS limits" if limited else "no limits"
    for phase, text in PHASES:
        scenario.add(
            Measure(
                f"{text}, {label}",
                "s",
                rounded(ours.seconds[phase]),
                rounded(base.seconds[phase]),
                target=_time_target(limited, phase),
                peer=rounded(peer.seconds[phase]),
            )
        )
    calls_target = Target("ratio_max", 1.0, against="peer") if limited else NO_TARGET
    per = (("burst", "cloud calls per Service, create"), ("delete", "calls per Service, delete"))
    for phase, text in per:
        scenario.add(
            Measure(
                f"{text}, {label}",
                "calls",
                rounded(ours.calls(phase) / count),
                rounded(base.calls(phase) / count),
                target=calls_target,
                peer=rounded(peer.calls(phase) / count),
            )
        )
    scenario.add(
        Measure(
            f"cloud calls, add one node, {label}",
            "calls",
            ours.calls("node"),
            base.calls("node"),
            target=calls_target,
            peer=peer.calls("node"),
        )
    )
    if limited:
        scenario.add(
            Measure(
                "throttled requests provoked, AWS limits",
                "requests",
                ours.throttles(),
                base.throttles(),
                peer=peer.throttles(),
                note="answered Throttling / RequestLimitExceeded by the proxy's buckets",
            )
        )


def run(bench: Bench) -> Scenario:
    """Both controllers, both modes; the measures."""
    count = bench.size.peer_services
    scenario = Scenario(
        name="peer",
        title=f"Beside the upstream controller: {count} Services, 2 ports",
        params={"services": count, "nodes": len(bench.nodes.present), "syncs": SYNCS},
    )
    for mode, limited in MODES:
        runs = {who: _one(bench, who, limited) for who in WHO}
        _measures(scenario, runs, mode, count)
        scenario.details[mode] = {
            who: {"seconds": r.seconds, "ops": r.ops} for who, r in runs.items()
        }
        for who, r in runs.items():
            scenario.series[f"{mode}_{who}_by_time"] = r.progress
    bench.clear_services()
    return scenario
