"""Memory: many Services and Nodes cached; the controller's RSS, and the cache beside the
Kubernetes client's models holding the same objects.

Where it sits: stage D of the runner. The Services (2 ports, a class no provider serves, so
nothing is built) and the Nodes are created, the controller runs as its own process until its
caches are synced, and its RSS is read from /proc. The same objects, as the API server returns
them, are then held by `bench.memprobe` in fresh interpreters, once as the controller's slim
records and once as V1Service/V1Node models, measured with tracemalloc and with RSS growth.
Target: the controller's RSS at most 150 MB; the ratio to the models is reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.context import Bench
from bench.ctlproc import Footprint, measure
from bench.env import ROOT
from bench.inproc import config
from bench.kubeobjs import UNSERVED_CLASS, bulk, create_service, service_body
from bench.results import Measure, Scenario, Target
from bench.stats import rounded

MB = 1024 * 1024


def _populate(bench: Bench) -> float:
    size = bench.size
    namespace = bench.namespace("memory")
    started = time.monotonic()
    bulk(
        lambda i: create_service(
            bench.kube,
            namespace,
            service_body(f"m-{i:05d}", lb_class=UNSERVED_CLASS, node_ports=False),
        ),
        range(size.memory_services),
        size.kube_threads,
    )
    bench.nodes.grow_to(size.memory_nodes)
    return time.monotonic() - started


def _export(bench: Bench, folder: Path) -> tuple[Path, Path, int, int]:
    """Every Service and Node the controller caches, as the API server returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path, name in (("/api/v1/services", "services"), ("/api/v1/nodes", "nodes")):
        items, _ = bench.kube.list(path)
        file = folder / f"{name}.jsonl"
        with file.open("w") as stream:
            for item in items:
                item.setdefault("kind", "Service" if name == "services" else "Node")
                item.setdefault("apiVersion", "v1")
                stream.write(json.dumps(item) + "\n")
        out.append((file, len(items)))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def _probe(mode: str, method: str, services: Path, nodes: Path) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.memprobe", "--mode", mode, "--method", method]
    argv += ["--services", str(services), "--nodes", str(nodes)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _import_rss(module: str) -> int:
    argv = [sys.executable, "-m", "bench.memprobe", "--mode", "import", "--module", module]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return int(json.loads(done.stdout)["rss"])


def _provider_rss(folder: Path) -> int:
    argv = [sys.executable, "-m", "bench.memprobe", "--mode", "provider"]
    argv += ["--config", str(folder / "controller.yaml")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return int(json.loads(done.stdout)["rss"])


def _relist(kubeconfig: str, strategy: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.memprobe", "--mode", "relist"]
    argv += ["--kubeconfig", kubeconfig, "--strategy", strategy]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run(bench: Bench) -> Scenario:
    """Populate, measure the controller process, then the probes."""
    populate_seconds = _populate(bench)
    settings = config(bench.ctl_world, node_group=False, workers=bench.size.workers)
    folder = bench.work / "memory"
    footprint = measure(settings, kubeconfig=bench.kubeconfig, work=folder, timeout=300)
    libraries = _provider_rss(folder)
    relists = {strategy: _relist(bench.kubeconfig, strategy) for strategy in ("whole", "paged")}
    imports = {name: _import_rss(name) for name in ("", "kubernetes.client", "boto3")}
    services, nodes, n_services, n_nodes = _export(bench, folder)
    probes = {
        (mode, method): _probe(mode, method, services, nodes)
        for mode in ("ours", "models")
        for method in ("tracemalloc", "rss")
    }
    scenario = Scenario(
        name="memory",
        title=f"Memory: {n_services:,} Services, {n_nodes:,} Nodes cached",
        params={
            "services": n_services,
            "nodes": n_nodes,
            "populate_seconds": rounded(populate_seconds),
        },
    )
    scenario.add(
        Measure(
            "controller RSS, caches synced",
            "MB",
            rounded(footprint.rss / MB),
            None,
            Target("max", 150),
            note="VmRSS of `lbcontroller run` (its own process) once /readyz answers",
        )
    )
    scenario.add(Measure("controller peak RSS (VmHWM)", "MB", rounded(footprint.hwm / MB)))
    scenario.add(
        Measure(
            "RSS before any object is cached",
            "MB",
            rounded(libraries / MB),
            note="interpreter, libraries and the providers built from the same config",
        )
    )
    for strategy, how in (
        ("whole", "every page, then parse (as cache.Informer.relist)"),
        ("paged", "each page parsed as it comes"),
    ):
        scenario.add(
            Measure(
                f"probe: list into slim records, {strategy}",
                "MB",
                rounded(relists[strategy]["rss"] / MB),
                note=f"VmRSS of a process that lists both collections with KubeClient, {how}; "
                f"its peak (VmHWM) {relists[strategy]['hwm'] / MB:.0f} MB",
            )
        )
    scenario.add(
        Measure(
            "cache held, tracemalloc",
            "MB",
            rounded(probes[("ours", "tracemalloc")]["bytes"] / MB),
            rounded(probes[("models", "tracemalloc")]["bytes"] / MB),
            note="bytes still allocated holding every object (slim records vs V1Service/V1Node)",
        )
    )
    scenario.add(
        Measure(
            "cache held, RSS growth",
            "MB",
            rounded(probes[("ours", "rss")]["bytes"] / MB),
            rounded(probes[("models", "rss")]["bytes"] / MB),
            note="VmRSS after holding minus after imports, each in a fresh interpreter",
        )
    )
    scenario.details = {
        "probes": {f"{m}/{k}": v for (m, k), v in probes.items()},
        "ready_seconds": rounded(footprint.ready_seconds),
        "relist": relists,
        "import_rss": imports,
    }
    scenario.analysis = _analysis(footprint, libraries, probes, relists, imports)
    return scenario


def _analysis(
    footprint: Footprint,
    libraries: int,
    probes: dict[tuple[str, str], dict[str, Any]],
    relists: dict[str, dict[str, Any]],
    imports: dict[str, int],
) -> list[str]:
    ours = probes[("ours", "tracemalloc")]["bytes"]
    models = probes[("models", "tracemalloc")]["bytes"]
    whole, paged = relists["whole"], relists["paged"]
    lines = [
        f"Of the controller's {footprint.rss / MB:.0f} MB, {libraries / MB:.0f} MB is there "
        "before any object is cached (Python, the Kubernetes client, boto3 with its service "
        "models, pydantic, prometheus); the slim records themselves hold "
        f"{ours / MB:.1f} MB, {models / max(ours, 1):.1f}x less than the client's models "
        f"({models / MB:.1f} MB).",
        "A process that lists both collections as cache.Informer.relist does "
        "(kube.KubeClient.list gathers every page, then all are parsed) ends at "
        f"{whole['rss'] / MB:.0f} MB (peak {whole['hwm'] / MB:.0f} MB); one that parses each "
        f"page as it comes ends at {paged['rss'] / MB:.0f} MB (peak {paged['hwm'] / MB:.0f} MB).",
    ]
    if whole["hwm"] > paged["hwm"] * 1.1:
        lines.append(
            "So the first list costs the controller more than its cache: the raw JSON of a whole "
            "collection is alive at once, and the memory freed after parsing is not returned to "
            "the OS, so the settled RSS stays near that peak."
        )
    bare = imports[""]
    lines.append(
        "Importing kubernetes.client (lbcontroller/kube.py uses only its `Configuration` and "
        "the kubeconfig loader) loads every generated API and model class: "
        f"{(imports['kubernetes.client'] - bare) / MB:.0f} MB over a bare interpreter's "
        f"{bare / MB:.0f} MB; boto3 alone adds {(imports['boto3'] - bare) / MB:.0f} MB before "
        "its clients load their service models."
    )
    return lines
