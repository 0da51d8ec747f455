"""The `lbcontroller` command line: run, plan, migrate, gc, validate-config, config-schema, version.

Where it sits: the composition root. It loads and validates the config before touching
anything, builds the providers (`registry`), the Kubernetes seam (`kube`) and the controller,
and maps failures to exit codes: 0 success, 1 a runtime failure (lost leadership, unreachable
cluster), 2 bad configuration or usage, 3 (`migrate` only) some Service would get a new address
or is refused.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from lbcontroller import health, logs, migration
from lbcontroller.config import Config, ConfigError, load_config
from lbcontroller.controller import Controller
from lbcontroller.gc import find_orphans
from lbcontroller.kube import KubeClient, load_configuration
from lbcontroller.metrics import Metrics
from lbcontroller.model import Service, node_from_json, service_from_json
from lbcontroller.planner import ServicePlan, plan_all, render
from lbcontroller.progress import Progress
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.registry import ProviderUnavailable, build_router
from lbcontroller.router import Router

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_UNSAFE = 0, 1, 2, 3
log = logging.getLogger(__name__)


def _load(path: Path) -> Config | None:
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config error: {problem}", file=sys.stderr)
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a config file; print each problem with the path of its key."""
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    print(f"{args.config}: ok ({len(config.providers)} providers)")
    return EXIT_OK


def cmd_schema(_: argparse.Namespace) -> int:
    """Print the config file's JSON Schema."""
    print(json.dumps(Config.model_json_schema(by_alias=True), indent=2))
    return EXIT_OK


def cmd_version(_: argparse.Namespace) -> int:
    """Print the version."""
    print(f"lbcontroller {version('lbcontroller')}")
    return EXIT_OK


def _router(config: Config, metrics: Metrics) -> Router | None:
    try:
        return build_router(config, metrics=metrics)
    except ProviderUnavailable as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return None


@dataclass(frozen=True)
class _View:
    """What the one-shot commands (plan, gc) read: providers, Services, owned LBs."""

    router: Router
    client: KubeClient
    services: list[Service]
    owned: dict[str, Sequence[OwnedLoadBalancer]]


def _view(args: argparse.Namespace) -> _View | None:
    config = _load(args.config)
    router = _router(config, Metrics()) if config else None
    if router is None:
        return None
    client = KubeClient(load_configuration(args.kubeconfig))
    items, _ = client.list("/api/v1/services")
    owned = {name: route.provider.list_owned() for name, route in router.routes.items()}
    return _View(router, client, [service_from_json(i) for i in items], owned)


def _plans(view: _View) -> list[ServicePlan]:
    nodes, _ = view.client.list("/api/v1/nodes")
    return plan_all(
        services=view.services,
        nodes=map(node_from_json, nodes),
        router=view.router,
        owned=view.owned,
    )


def cmd_plan(args: argparse.Namespace) -> int:
    """Print what the next run would do, per Service and provider; writes nothing."""
    view = _view(args)
    if view is None:
        return EXIT_CONFIG
    plans = _plans(view)
    if args.output == "json":
        print(json.dumps([p.to_json() for p in plans], indent=2))
    else:
        print(render(plans))
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """Print, per Service, whether taking it over keeps its address; writes nothing."""
    view = _view(args)
    if view is None:
        return EXIT_CONFIG
    verdicts = migration.judge_all(view.services, _plans(view), view.router)
    if args.output == "json":
        print(json.dumps([v.to_json() for v in verdicts], indent=2))
    else:
        print(migration.render(verdicts))
    unsafe = any(v.verdict in ("recreate", "refuse") for v in verdicts)
    return EXIT_UNSAFE if unsafe else EXIT_OK


def cmd_gc(args: argparse.Namespace) -> int:
    """List (and with --delete remove) owned load balancers no Service accounts for."""
    view = _view(args)
    if view is None:
        return EXIT_CONFIG
    router = view.router
    orphans = find_orphans(owned=view.owned, services=view.services, router=router)
    print(f"{'PROVIDER':12} {'LOAD BALANCER':34} {'SERVICE':40} REASON")
    for orphan in orphans:
        ref = orphan.owned.ref
        print(f"{orphan.provider:12} {ref.name:34} {ref.service_key:40} {orphan.reason}")
    print(f"{len(orphans)} orphaned load balancers")
    if args.delete and orphans:
        progress = Progress(len(orphans))
        for orphan in orphans:
            router.routes[orphan.provider].provider.ensure_deleted(orphan.owned.ref)
            progress.step(orphan.owned.ref.name)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the controller until SIGTERM (0) or until leadership is lost (1)."""
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    logs.setup(fmt=config.controller.log_format, level=args.log_level)
    metrics = Metrics()
    router = _router(config, metrics)
    if router is None:
        return EXIT_CONFIG
    identity = (
        args.identity
        or os.environ.get("POD_NAME")
        or (f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}")
    )
    controller = Controller(
        client=KubeClient(
            load_configuration(args.kubeconfig), pool_size=config.controller.workers + 8
        ),
        router=router,
        settings=config.controller,
        metrics=metrics,
        identity=identity,
    )
    server = health.serve(
        config.controller.metrics_address,
        metrics=metrics,
        healthy=controller.healthy,
        ready=controller.ready,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: controller.stop())
    log.info("starting", extra={"identity": identity, "providers": list(router.routes)})
    kept = controller.run()
    server.shutdown()
    log.info("stopped", extra={"identity": identity, "lost_leadership": not kept})
    return EXIT_OK if kept else EXIT_FAILED


def _cluster_args(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("--config", type=Path, required=True, help="the YAML config file")
    command.add_argument("--kubeconfig", help="default: in-cluster, else $KUBECONFIG")
    return command


def parser() -> argparse.ArgumentParser:
    """The argument parser, with --help on every command."""
    top = argparse.ArgumentParser(prog="lbcontroller", description=__doc__.split("\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    run = _cluster_args(sub.add_parser("run", help="run the controller"))
    run.add_argument("--identity", help="leader-election identity (default: $POD_NAME)")
    run.add_argument("--log-level", default="INFO")
    run.set_defaults(func=cmd_run)
    plan = _cluster_args(sub.add_parser("plan", help="show what the next run would change"))
    plan.add_argument("--output", choices=["table", "json"], default="table")
    plan.set_defaults(func=cmd_plan)
    migrate = _cluster_args(
        sub.add_parser("migrate", help="show what taking Services over from upstream would do")
    )
    migrate.add_argument("--output", choices=["table", "json"], default="table")
    migrate.set_defaults(func=cmd_migrate)
    gc = _cluster_args(sub.add_parser("gc", help="find load balancers whose Service is gone"))
    gc.add_argument("--delete", action="store_true", help="delete what is found")
    gc.set_defaults(func=cmd_gc)
    check = sub.add_parser("validate-config", help="check a config file (exit 2 if bad)")
    check.add_argument("config", type=Path)
    check.set_defaults(func=cmd_validate)
    sub.add_parser("config-schema", help="print the config JSON Schema").set_defaults(
        func=cmd_schema
    )
    sub.add_parser("version", help="print the version").set_defaults(func=cmd_version)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lbcontroller` script."""
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
