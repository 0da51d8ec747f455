"""Beside the peer: lbcontroller, the upstream aws-cloud-controller-manager and the minimal
baseline, each building, checking, updating and deleting the same load balancers, with and
without AWS's request limits.

Where it sits: stage B of the runner, after the burst's own scenarios, on the same Nodes. For
each of "no limits" and "AWS limits" (the fault proxy's per-account token buckets with AWS's
documented sizes, `devenv.faults.limits`) each controller in turn, on a freshly emptied moto,
at its shipped defaults (lbcontroller's client-side rate limits are not raised here), runs five
phases: posts `Size.peer_services` 2-port NLB Services (ours: its class; the peer: class-less,
annotated nlb) and waits for every address (burst); posts `SINGLES` more, one at a time, each
waited for (single); adds one Node and waits for its registration in every target group (node
change: as many successful RegisterTargets as groups); restarts the controller with nothing
changed and waits until it has sent nothing for `RESTART_QUIET` s (steady: every load balancer
checked once, as each controller does on a start); then deletes the Services and waits until
they are gone (delete). Every call is counted at the proxy, throttled ones included, and the
throttles each controller provoked are a figure of their own. The baseline (`bench.baseline`:
the fewest calls, issued straight with boto3 at the same concurrency, retrying throttles as
botocore's standard mode does) runs the same phases in the same region through the same proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bench.baseline import Builder, Made, Reader, Shape, pooled
from bench.context import Bench
from bench.counting import CloudCalls, is_read
from bench.inproc import InProcessController, config
from bench.kubeobjs import SERVED_CLASS, bulk, create_service, instance_id, service_body
from bench.peer import SYNCS, start_peer, stop_peer
from bench.results import NO_TARGET, Measure, Scenario, Target
from bench.stats import rounded, thin
from bench.watch import IngressWatcher, Timeout
from devenv.procs import Proc

NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
WHO = ("ours", "peer", "baseline")
MODES = (("none", False), ("aws", True))
NODE_CHANGES = len(WHO) * len(MODES)  # each run adds a Node (moto instances to seed)
TARGET_GROUPS = 2  # one per port
SINGLES = 3  # Services posted one at a time after the burst
QUIET = 2.0  # seconds without a call that end a phase's count (not its time)
# A restart ends when the controller has been silent this long: longer than the upstream
# manager's own waits between throttled retries (aws-sdk-go: 0.5 s doubling, 3 retries).
RESTART_QUIET = 5.0
Ops = dict[str, dict[str, int]]

PHASES = (
    ("burst", "time until all have ingress"),
    ("single", "time to address, one more Service (mean)"),
    ("node", "time to converge, add one node"),
    ("restart", "time until all are checked, restart"),
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

    def mutating(self, phase: str) -> int:
        """Requests in `phase` that would change something."""
        ops = self.ops[phase]
        return sum(t["calls"] for op, t in ops.items() if not is_read(op.replace(":", ".")))

    def throttles(self) -> int:
        """Requests AWS's limits throttled, all phases."""
        return sum(t.get("limited", 0) for ops in self.ops.values() for t in ops.values())


class Controller(Protocol):
    """A controller the scenario can stop and start again (a restart)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Ours:
    """lbcontroller in process at its shipped defaults; each start is a fresh process-equivalent
    (new provider, empty caches, nothing remembered)."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench
        self._ctl: InProcessController | None = None

    def start(self) -> None:
        settings = config(
            self._bench.peer_world, node_group=False, workers=SYNCS, shipped_limits=True
        )
        self._ctl = InProcessController(self._bench.kube_config, settings)
        self._ctl.start()

    def stop(self) -> None:
        if self._ctl is not None:
            self._ctl.stop()
            self._ctl = None


class Peer:
    """The upstream manager; each start is a new process with its own log folder."""

    def __init__(self, bench: Bench, mode: str) -> None:
        self._bench = bench
        self._mode = mode
        self._manager: Proc | None = None
        self._starts = 0

    def start(self) -> None:
        self._starts += 1
        logs = self._bench.work / f"peer-{self._mode}-{time.time():.0f}-{self._starts}"
        self._manager = start_peer(self._bench.peer_world, self._bench.kubeconfig, logs)

    def stop(self) -> None:
        if self._manager is not None:
            stop_peer(self._manager)
            self._manager = None


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


def _quiet(bench: Bench, seconds: float = QUIET) -> float:
    """Wait until the controller has sent nothing for `seconds` (its phase's tail calls); when
    the last call was seen."""
    last, since = _calls(bench), time.monotonic()
    while time.monotonic() - since < seconds:
        time.sleep(0.1)
        now = _calls(bench)
        if now != last:
            last, since = now, time.monotonic()
    return since


def _phase(bench: Bench, run: Run, name: str, fn: Callable[[], float]) -> None:
    """Run `fn` (it returns the phase's seconds once the phase was done) on an idle account
    (AWS's buckets full: no party's previous phase decides this one's throttles); its calls,
    tail included."""
    bench.proxy.reset()
    run.seconds[name] = fn()
    _quiet(bench)
    run.ops[name] = bench.proxy.by_operation()


def _progress(done: list[float], started: float) -> list[list[float]]:
    """(seconds since `started`, how many were done by then), thinned for the plot."""
    return thin([(t - started, float(k)) for k, t in enumerate(done, start=1)])


def _phases(bench: Bench, run: Run, *fns: Callable[[], float]) -> Run:
    for (name, _), fn in zip(PHASES, fns, strict=True):
        _phase(bench, run, name, fn)
    return run


def _restart(bench: Bench, ctl: Controller, timeout: float) -> float:
    """Stop `ctl`, start it again with nothing changed; seconds from the start until its last
    call before `RESTART_QUIET` s of silence."""
    ctl.stop()
    started = time.monotonic()
    ctl.start()
    _wait(lambda: _calls(bench) > 0, timeout, "the first call after a restart")
    return _quiet(bench, RESTART_QUIET) - started


def _drive(bench: Bench, who: str, namespace: str, ctl: Controller) -> Run:
    """The five phases of one controller (already running)."""
    count = bench.size.peer_services
    timeout = max(600.0, count * 15.0)
    names = [f"{who}-{i:03d}" for i in range(count + SINGLES)]
    lb_class, annotations = (SERVED_CLASS, None) if who == "ours" else (None, NLB)
    run = Run()
    with IngressWatcher(bench.kube, namespace) as watcher:

        def post(batch: list[str]) -> float:
            started = time.monotonic()
            bulk(
                lambda n: create_service(
                    bench.kube,
                    namespace,
                    service_body(n, lb_class=lb_class, annotations=annotations),
                ),
                batch,
                bench.size.kube_threads,
            )
            done = sorted(watcher.wait_ingress(batch, timeout).values())
            if len(batch) > 1:
                run.progress = _progress(done, started)
            return done[-1] - started

        def node_change() -> float:
            started = time.monotonic()
            bench.nodes.add_one()
            groups = len(names) * TARGET_GROUPS
            done = _wait(lambda: _registered(bench) >= groups, timeout, f"{who}: node change")
            return done - started

        def delete() -> float:
            started = time.monotonic()
            path = f"/api/v1/namespaces/{namespace}/services"
            bulk(lambda n: bench.kube.request("DELETE", f"{path}/{n}"), names, 8)
            watcher.wait_gone(names, timeout)
            return time.monotonic() - started

        return _phases(
            bench,
            run,
            lambda: post(names[:count]),
            lambda: sum(post([n]) for n in names[count:]) / SINGLES,
            node_change,
            lambda: _restart(bench, ctl, timeout),
            delete,
        )


def _baseline(bench: Bench) -> Run:
    """The same five phases as the fewest boto3 calls (it knows what it made)."""
    world = bench.peer_world
    builder, reader = Builder(world, CloudCalls(), node_group=False), Reader(world, CloudCalls())
    count = bench.size.peer_services
    shapes = [
        Shape("peer-baseline", f"lb-{i:03d}", (31000 + 2 * i, 31001 + 2 * i))
        for i in range(count + SINGLES)
    ]
    made: list[Made] = []
    run = Run()

    def burst() -> float:
        started = time.monotonic()
        done = builder.burst(shapes[:count], bench.nodes.instances(), SYNCS)
        made.extend(m for _, m in done)
        run.progress = _progress([t for t, _ in done], started)
        return done[-1][0] - started

    def single() -> float:
        started = time.monotonic()
        made.extend(builder.create(s, bench.nodes.instances()) for s in shapes[count:])
        return (time.monotonic() - started) / SINGLES

    def node_change() -> float:
        started = time.monotonic()
        groups = [g for m in made for g in m.group_arns]
        reader.register_everywhere(groups, instance_id(bench.nodes.add_one()), SYNCS)
        return time.monotonic() - started

    def restart() -> float:
        started = time.monotonic()
        reader.shallow(SYNCS)
        return time.monotonic() - started

    def delete() -> float:
        started = time.monotonic()
        pooled(builder.delete, made, SYNCS)
        return time.monotonic() - started

    return _phases(bench, run, burst, single, node_change, restart, delete)


def _one(bench: Bench, who: str, limited: bool) -> Run:
    bench.clear_services()
    bench.reset_cloud()
    mode = "aws" if limited else "none"
    bench.say(f"peer: {who}, limits {mode}")
    bench.proxy.limits(limited)
    try:
        if who == "baseline":
            return _baseline(bench)
        ctl: Controller = Ours(bench) if who == "ours" else Peer(bench, mode)
        ctl.start()
        try:
            return _drive(bench, who, bench.namespace(f"peer-{who}"), ctl)
        finally:
            ctl.stop()
    finally:
        bench.proxy.limits(False)


def _time_target(limited: bool, phase: str) -> Target:
    """With AWS's limits: ahead of the peer in the burst and the node change; without them:
    at most 1.1x its time in every phase."""
    if not limited:
        return Target("ratio_max", 1.1, against="peer")
    return Target("ratio_max", 1.0, against="peer") if phase in AHEAD else NO_TARGET


AHEAD = ("burst", "node")  # the phases where, under AWS's limits, the time is a target
PER = (  # calls counted per load balancer: phase -> (measure, how many there are)
    ("burst", "cloud calls per Service, create"),
    ("single", "cloud calls per Service, one more"),
    ("restart", "cloud calls per load balancer, restart"),
    ("delete", "calls per Service, delete"),
)


def _many(phase: str, count: int) -> int:
    """How many load balancers `phase` touched."""
    return {"burst": count, "single": SINGLES}.get(phase, count + SINGLES)


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
    for phase, text in PER:
        n = _many(phase, count)
        scenario.add(
            Measure(
                f"{text}, {label}",
                "calls",
                rounded(ours.calls(phase) / n),
                rounded(base.calls(phase) / n),
                target=calls_target,
                peer=rounded(peer.calls(phase) / n),
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
    scenario.add(
        Measure(
            f"mutating calls, restart, {label}",
            "calls",
            ours.mutating("restart"),
            base.mutating("restart"),
            target=Target("max", 0),
            peer=peer.mutating("restart"),
            note="nothing changed while the controller was down",
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
        params={
            "services": count,
            "singles": SINGLES,
            "nodes": len(bench.nodes.present),
            "syncs": SYNCS,
            "restart_quiet": RESTART_QUIET,
        },
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
