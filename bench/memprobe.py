"""A subprocess that holds the same Services and Nodes one way and reports what it cost.

Where it sits: the memory scenario runs `python -m bench.memprobe --mode ours|models --method
tracemalloc|rss --services F --nodes F` once per combination, each in a fresh interpreter.
`ours` parses each JSON object with `lbcontroller.model` (the controller's slim records, kept in
a dict by key as the informer keeps them); `models` uses the Kubernetes client's
`ApiClient().deserialize(text, "V1Service"|"V1Node", "application/json")`. Input is JSON lines,
one object a line, read one at a time so no raw list is held.

`--mode provider --config F` instead imports `lbcontroller.cli` and builds the providers from
config file F (as `lbcontroller run` does: boto3 session and clients, their service models)
and reports its VmRSS: the controller's footprint before any object is cached.
`--mode import --module M` reports VmRSS after importing M ("" for none).
`--mode relist --kubeconfig K --strategy whole|paged` lists Services and Nodes from the API
server with `lbcontroller.kube.KubeClient` into slim records, either as `cache.Informer.relist`
does (the whole list, every page, then parsed) or page by page, and reports VmRSS and VmHWM.

Methods: `tracemalloc` starts tracing after the imports and reports the bytes still allocated
once everything is held and `gc.collect()` ran (what the objects themselves take);
`rss` reports VmRSS after holding minus VmRSS after the imports (what the process grew by,
allocator overhead and fragmentation included). Output: one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def rss_bytes() -> int:
    """VmRSS of this process."""
    return _status("VmRSS")


def _lines(path: Path) -> Iterator[str]:
    with path.open() as stream:
        for line in stream:
            if line.strip():
                yield line


def _parsers(mode: str) -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    # imports are local throughout: each mode loads only what it measures
    if mode == "ours":
        from lbcontroller.model import node_from_json, service_from_json  # noqa: PLC0415

        return (lambda t: service_from_json(json.loads(t))), (
            lambda t: node_from_json(json.loads(t))
        )
    from kubernetes.client import ApiClient  # noqa: PLC0415

    api = ApiClient()
    return (
        lambda t: api.deserialize(t, "V1Service", "application/json"),
        lambda t: api.deserialize(t, "V1Node", "application/json"),
    )


def _key(text: str) -> str:
    return _json_key(json.loads(text))


def _provider_rss(config: Path) -> int:
    import lbcontroller.cli  # noqa: F401, PLC0415
    from lbcontroller.config import load_config  # noqa: PLC0415
    from lbcontroller.metrics import Metrics  # noqa: PLC0415
    from lbcontroller.registry import build_router  # noqa: PLC0415

    router = build_router(load_config(config), metrics=Metrics())
    gc.collect()
    print(json.dumps({"mode": "provider", "rss": rss_bytes(), "providers": len(router.routes)}))
    return 0


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _json_key(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


def _relist_rss(kubeconfig: str, strategy: str) -> int:
    from lbcontroller.kube import JSON, KubeClient, load_configuration  # noqa: PLC0415
    from lbcontroller.model import node_from_json, service_from_json  # noqa: PLC0415

    client = KubeClient(load_configuration(kubeconfig))
    gc.collect()
    before = rss_bytes()
    held: dict[str, dict[str, object]] = {}
    parsers: dict[str, Callable[[JSON], object]] = {
        "/api/v1/services": service_from_json,
        "/api/v1/nodes": node_from_json,
    }
    for path, parse in parsers.items():
        store: dict[str, object] = {}
        if strategy == "whole":  # as cache.Informer.relist: every page first, then parse
            items, _ = client.list(path)
            store.update((_json_key(i), parse(i)) for i in items)
            del items
        else:
            query = {"limit": "500"}
            for _ in range(100_000):
                page = client.request("GET", path, query=query)
                store.update((_json_key(i), parse(i)) for i in page.get("items") or [])
                token = page.get("metadata", {}).get("continue")
                if not token:
                    break
                query = {"limit": "500", "continue": token}
        held[path] = store
    gc.collect()
    out = {"mode": "relist", "strategy": strategy, "rss": rss_bytes(), "hwm": _status("VmHWM")}
    out |= {"before": before, "objects": sum(len(v) for v in held.values())}
    print(json.dumps(out))
    return 0


def main(argv: list[str]) -> int:
    """Hold everything, print the cost."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--mode", choices=["ours", "models", "provider", "relist", "import"], required=True
    )
    parser.add_argument("--module", default="", help="--mode import: what to import")
    parser.add_argument("--strategy", choices=["whole", "paged"], default="whole")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--method", choices=["tracemalloc", "rss"], default="rss")
    parser.add_argument("--services", type=Path)
    parser.add_argument("--nodes", type=Path)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "provider":
        return _provider_rss(args.config)
    if args.mode == "relist":
        return _relist_rss(args.kubeconfig, args.strategy)
    if args.mode == "import":
        if args.module:
            importlib.import_module(args.module)
        print(json.dumps({"mode": "import", "module": args.module, "rss": rss_bytes()}))
        return 0
    if args.services is None or args.nodes is None:
        parser.error("--services and --nodes are required")
    service, node = _parsers(args.mode)
    gc.collect()
    rss_before = rss_bytes()
    if args.method == "tracemalloc":
        tracemalloc.start()
    started = time.monotonic()
    held: dict[str, dict[str, Any]] = {"services": {}, "nodes": {}}
    for text in _lines(args.services):
        held["services"][_key(text)] = service(text)
    for text in _lines(args.nodes):
        held["nodes"][_key(text)] = node(text)
    seconds = time.monotonic() - started
    gc.collect()
    held_bytes = tracemalloc.get_traced_memory()[0] if args.method == "tracemalloc" else 0
    rss_after = rss_bytes()
    result = {
        "mode": args.mode,
        "method": args.method,
        "services": len(held["services"]),
        "nodes": len(held["nodes"]),
        "bytes": held_bytes if args.method == "tracemalloc" else rss_after - rss_before,
        "rss_after": rss_after,
        "seconds": seconds,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
