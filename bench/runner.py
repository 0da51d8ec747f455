"""Running the suite: the stages in order, each scenario's result collected, the JSON written.

Where it sits: `python -m bench` (the Makefile's `bench` target) calls `run`. Scenarios share
the cluster in four stages of growing node counts (Nodes are only ever added): A (10 nodes:
one Service, the security-group capacity), B (burst, then the resync and the cold start on its
load balancers), C (node churn), D (memory). Between stages the controller is stopped, the
Services deleted and moto emptied. A failing stage is recorded and the next one still runs.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import socket
import time
import traceback
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.context import Bench
from bench.env import environment
from bench.kubeobjs import NodePool, delete_leftovers
from bench.peer import Proxy
from bench.results import Scenario
from bench.scenarios import burst, churn, coldstart, memory, peer, sgcap, single, steady, sweep
from bench.sizes import Size
from bench.world import CONTROLLER_REGION
from lbcontroller.kube import KubeClient, load_configuration

SCENARIOS = (
    "single",
    "sg_capacity",
    "scaling",
    "burst",
    "steady",
    "coldstart",
    "peer",
    "churn",
    "memory",
)
Results = dict[str, Scenario]


def _stage_a(bench: Bench, want: set[str], out: Results, points: list[dict[str, Any]]) -> None:
    bench.nodes.grow_to(bench.size.single_nodes)
    if want & {"single", "sg_capacity"}:
        ctl = bench.controller(node_group=True)
        try:
            if "single" in want:
                out["single"] = _timed(bench, "single", lambda: single.run(bench, ctl))
            if "sg_capacity" in want:
                out["sg_capacity"] = _timed(bench, "sg_capacity", lambda: sgcap.run(bench, ctl))
        finally:
            ctl.stop()
        bench.clear_services()
        bench.reset_cloud()
    if "scaling" in want:
        points.append(sweep.point(bench))


def _stage_b(bench: Bench, want: set[str], out: Results, points: list[dict[str, Any]]) -> None:
    bench.nodes.grow_to(bench.size.burst_nodes)
    if "scaling" in want:
        points.append(sweep.point(bench))
    if want & {"burst", "steady", "coldstart"}:
        _burst_and_after(bench, want, out)
    if "peer" in want:
        bench.clear_services()
        bench.reset_cloud()
        out["peer"] = _timed(bench, "peer", lambda: peer.run(bench))


def _burst_and_after(bench: Bench, want: set[str], out: Results) -> None:
    ctl = bench.controller(node_group=False)
    try:
        started = time.monotonic()
        bench.say(f"burst: posting {bench.size.burst_services} Services")
        scenario, shapes = burst.create(bench, ctl)
        created = time.monotonic() - started
        bench.say(f"burst: all addressed in {scenario.details['ours_seconds']:.1f} s")
        if "steady" in want:
            out["steady"] = _timed(bench, "steady", lambda: steady.run(bench, ctl, len(shapes)))
    finally:
        ctl.stop()
    if "burst" in want:
        started = time.monotonic()
        burst.compare(bench, scenario, shapes)
        scenario.seconds = created + time.monotonic() - started
        out["burst"] = scenario
        _report(bench, scenario)
    if "coldstart" in want:
        out["coldstart"] = _timed(bench, "coldstart", lambda: coldstart.run(bench, len(shapes)))


def _stage_c(bench: Bench, want: set[str], out: Results, points: list[dict[str, Any]]) -> None:
    bench.nodes.grow_to(bench.size.churn_nodes)
    if "scaling" in want:
        points.append(sweep.point(bench))
    if "churn" not in want:
        return
    ctl = bench.controller(node_group=False)
    try:
        bench.say(f"churn: creating {bench.size.churn_services} Services (setup)")
        setup = churn.setup(bench, ctl)
        bench.say(f"churn: setup took {setup:.1f} s")
        out["churn"] = _timed(bench, "churn", lambda: churn.run(bench, ctl, setup))
    finally:
        ctl.stop()


def _stage_d(bench: Bench, want: set[str], out: Results, points: list[dict[str, Any]]) -> None:
    if "memory" in want:
        out["memory"] = _timed(bench, "memory", lambda: memory.run(bench))


STAGES = (
    ("A", {"single", "sg_capacity", "scaling"}, _stage_a),
    ("B", {"burst", "steady", "coldstart", "peer", "scaling"}, _stage_b),
    ("C", {"churn", "scaling"}, _stage_c),
    ("D", {"memory"}, _stage_d),
)


def _timed(bench: Bench, name: str, fn: Callable[[], Scenario]) -> Scenario:
    bench.say(f"{name}: running")
    started = time.monotonic()
    scenario = fn()
    scenario.seconds = time.monotonic() - started
    _report(bench, scenario)
    return scenario


def _report(bench: Bench, scenario: Scenario) -> None:
    for m in scenario.measures:
        verdict = {True: "met", False: "MISSED", None: ""}[m.met]
        base = "" if m.baseline is None else f" (baseline {m.baseline:g})"
        base += "" if m.peer is None else f" (peer {m.peer:g})"
        bench.say(f"  {scenario.name}: {m.name}: {m.ours:g} {m.unit}{base} {verdict}")


def _meta(size: Size, started: float, env_dir: Path) -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "size": size.name,
        "sizes": size.__dict__,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "moto": version("moto"),
        "boto3": version("boto3"),
        "kubernetes_client": version("kubernetes"),
        "load_average_start": list(os.getloadavg()),
        "env_dir": str(env_dir),
        "started_monotonic": started,
    }


def _stages(
    bench: Bench,
    want: set[str],
    results: Results,
    errors: list[str],
    points: list[dict[str, Any]],
    reused: bool,
) -> None:
    """The chosen stages in order, each failure recorded, the environment cleaned up."""
    bench.reset_cloud()  # the peer's instances (the Nodes' ids) exist from here on
    bench.say(f"environment {'reused' if reused else 'started'}")
    bench.nodes.delete_all()
    delete_leftovers(bench.kube, bench.size.kube_threads)
    chosen = [(name, stage) for name, covers, stage in STAGES if want & covers]
    for i, (name, stage) in enumerate(chosen):
        bench.say(f"stage {name}")
        try:
            stage(bench, want, results, points)
        except Exception as exc:
            errors.append(f"stage {name}: {type(exc).__name__}: {exc}")
            bench.say(f"stage {name} FAILED: {exc}\n{traceback.format_exc()}")
        if reused or i + 1 < len(chosen):  # a stopped environment is wiped anyway
            bench.clear_services()
            bench.reset_cloud()
    if points:
        results["scaling"] = sweep.scenario(points)
    if reused:
        bench.say("cleaning up the reused environment")
        delete_leftovers(bench.kube, bench.size.kube_threads)
        bench.nodes.delete_all()


def run(size: Size, want: set[str], env_dir: Path, work: Path) -> dict[str, Any]:
    """Run the selected scenarios; the results document."""
    started = time.monotonic()
    meta = _meta(size, started, env_dir)
    results: Results = {}
    errors: list[str] = []
    points: list[dict[str, Any]] = []
    with environment(env_dir) as (state, reused):
        kube_config = load_configuration(state.env["KUBECONFIG"])
        kube = KubeClient(kube_config, pool_size=size.kube_threads + 4)
        nodes = NodePool(kube, region=CONTROLLER_REGION, threads=size.kube_threads)
        bench = Bench(
            size=size,
            kube_config=kube_config,
            kubeconfig=state.env["KUBECONFIG"],
            kube=kube,
            moto=state.env["MOTO_ENDPOINT_URL"],
            work=work,
            nodes=nodes,
            proxy=Proxy(state.env["MOTO_ENDPOINT_URL"]),
            peer_instances=size.burst_nodes + peer.NODE_CHANGES,
        )
        try:
            _stages(bench, want, results, errors, points, reused)
        finally:
            bench.proxy.stop()
    meta["seconds"] = round(time.monotonic() - started, 1)
    meta["load_average_end"] = list(os.getloadavg())
    meta["errors"] = errors
    ordered = {name: results[name].to_json() for name in SCENARIOS if name in results}
    return {"meta": meta, "scenarios": ordered}


def write(document: dict[str, Any], folder: Path, size: Size) -> Path:
    """`<folder>/<date>-<host>[-quick].json`."""
    folder.mkdir(parents=True, exist_ok=True)
    day = document["meta"]["date"][:10]
    suffix = "" if size.name == "full" else f"-{size.name}"
    path = folder / f"{day}-{document['meta']['host']}{suffix}.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path
