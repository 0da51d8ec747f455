"""Bringing the environment up and down: the logic behind env-up, env-down and env-status.

Where it sits: `python -m devenv` (the Makefile) and the pytest session fixture both call `up`,
so tests use exactly what env-up starts. `up` starts the components named by LBC_ENV (default:
kube, moto, localstack, gcefake; "openstack" is opt-in, also through DEMO_OPENSTACK=1) in
parallel, waits until each is ready, and records them (`devenv.state`); re-running it while
everything is up does nothing, and one that names a component not yet running starts just
that one. `down` stops exactly the recorded processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devenv.aws import AWS_ENV, start_localstack, start_moto
from devenv.gce import start_gcefake
from devenv.kube import start_kube
from devenv.openstack import start_openstack
from devenv.procs import EnvError, Proc, alive, stop
from devenv.state import EnvState, clear, load, state_dir

Started = tuple[list[Proc], dict[str, str]]


def _moto(state: Path) -> Started:
    proc, url = start_moto(state)
    return [proc], {"MOTO_ENDPOINT_URL": url}


def _localstack(state: Path) -> Started:
    proc, url = start_localstack(state)
    return [proc], {"LOCALSTACK_ENDPOINT_URL": url}


def _gcefake(state: Path) -> Started:
    proc, url = start_gcefake(state)
    return [proc], {"GCE_ENDPOINT_URL": url}


COMPONENTS: dict[str, Callable[[Path], Started]] = {
    "kube": start_kube,
    "moto": _moto,
    "localstack": _localstack,
    "gcefake": _gcefake,
    "openstack": start_openstack,
}
DEFAULT = "kube,moto,localstack,gcefake"
# An env key each component exports: a running env without it lacks that component.
MARKERS = {
    "kube": "KUBECONFIG",
    "moto": "MOTO_ENDPOINT_URL",
    "localstack": "LOCALSTACK_ENDPOINT_URL",
    "gcefake": "GCE_ENDPOINT_URL",
    "openstack": "OS_CLOUD",
}


def wanted() -> list[str]:
    """The components LBC_ENV asks for."""
    names = [n.strip() for n in os.environ.get("LBC_ENV", DEFAULT).split(",") if n.strip()]
    unknown = [n for n in names if n not in COMPONENTS]
    if unknown:
        raise EnvError(f"LBC_ENV names unknown components: {', '.join(unknown)}")
    if os.environ.get("DEMO_OPENSTACK") == "1" and "openstack" not in names:
        names.append("openstack")
    return names


def _aws_env(env: dict[str, str]) -> dict[str, str]:
    backend = os.environ.get("AWS_BACKEND", "moto")
    key = {"moto": "MOTO_ENDPOINT_URL", "localstack": "LOCALSTACK_ENDPOINT_URL"}.get(backend)
    if key is None:
        raise EnvError(f"AWS_BACKEND={backend!r}: expected moto or localstack")
    if key not in env:
        return {}
    return {**AWS_ENV, "AWS_BACKEND": backend, "AWS_ENDPOINT_URL": env[key]}


def up() -> EnvState:
    """Start what is not running; return the recorded state."""
    folder = state_dir()
    current = load(folder)
    if current is not None and current.all_alive():
        missing = [name for name in wanted() if MARKERS[name] not in current.env]
        if not missing:
            return current
        return _start(folder, missing, current)
    if current is not None:
        down()
    return _start(folder, wanted(), EnvState())


def _start(folder: Path, names: list[str], state: EnvState) -> EnvState:
    """Start `names` in parallel and add them to `state`; on failure stop what this started."""
    new: list[Proc] = []
    with ThreadPoolExecutor(max_workers=len(COMPONENTS)) as pool:
        futures = [pool.submit(COMPONENTS[name], folder) for name in names]
        errors: list[str] = []
        for future in futures:
            try:
                procs, env = future.result()
            except EnvError as exc:
                errors.append(str(exc))
                continue
            new.extend(procs)
            state.env.update(env)
    if errors:
        for proc in new:
            stop(proc)
        raise EnvError("; ".join(errors))
    state.procs.extend(new)
    state.env.update(_aws_env(state.env))
    state.env["LBC_DEVENV_DIR"] = str(folder)
    state.save(folder)
    return state


def down() -> int:
    """Stop exactly the recorded processes; return how many were running."""
    folder = state_dir()
    current = load(folder)
    if current is None:
        return 0
    running = [p for p in current.procs if alive(p)]
    for proc in running:
        stop(proc)
    clear(folder)
    return len(running)


def status() -> int:
    """Print each recorded process and whether it runs; 0 when all run."""
    current = load(state_dir())
    if current is None:
        print("env: down")
        return 1
    for proc in current.procs:
        print(f"{proc.name:16} pid {proc.pid:<8} {'up' if alive(proc) else 'DEAD'}")
    for key, value in sorted(current.env.items()):
        print(f"{key}={value}")
    return 0 if current.all_alive() else 1
