"""The real OpenStack services on loopback: MariaDB, RabbitMQ, Keystone, Octavia, Neutron.

Where it sits: `devenv.env` registers this as the opt-in component "openstack"
(LBC_ENV=...,openstack or DEMO_OPENSTACK=1). `start_openstack` installs what is missing
(`scripts/install-openstack.sh`: Debian packages, one venv per service), then starts, in
dependency order and as much in parallel as the order allows:

    MariaDB ─┬─ Keystone set-up ─ Keystone API ─ users + catalog ─┐
             ├─ Octavia schema ─┬─ Octavia API + worker           ├─ networks ─ clouds.yaml
             └─ Neutron schema ─┼─ Neutron API ───────────────────┘
    RabbitMQ ───────────────────┘ (both wait for it too)

Every server binds 127.0.0.1; all state (data dirs, configs, passwords, logs) is under
`.devenv/openstack/`, made fresh each cold start. On any failure it stops what it had started.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from devenv.openstack_parts.clouds import write_clouds
from devenv.openstack_parts.keystone import register, setup_keystone, start_keystone
from devenv.openstack_parts.mariadb import start_mariadb
from devenv.openstack_parts.neutron import make_networks, prepare_neutron, start_neutron
from devenv.openstack_parts.octavia import prepare_octavia, start_octavia
from devenv.openstack_parts.plan import Plan
from devenv.openstack_parts.rabbitmq import start_rabbitmq
from devenv.procs import EnvError, Proc, run_script, stop

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def install_openstack() -> Path:
    """The folder of the service venvs (made or checked by scripts/install-openstack.sh)."""
    return Path(run_script(ROOT / "scripts" / "install-openstack.sh"))


def _after(pool: ThreadPoolExecutor, deps: Sequence[Future[Any]], fn: Callable[[], T]) -> Future[T]:
    """Run `fn` in the pool once every future in `deps` has succeeded."""

    def run() -> T:
        for dep in deps:
            dep.result()
        return fn()

    return pool.submit(run)


def _bring_up(plan: Plan) -> dict[str, str]:
    """Start everything; return the env to export."""
    with ThreadPoolExecutor(max_workers=12) as pool:
        db = pool.submit(start_mariadb, plan)
        mq = pool.submit(start_rabbitmq, plan)
        ks_setup = _after(pool, [db], lambda: setup_keystone(plan))
        ks_api = _after(pool, [ks_setup], lambda: start_keystone(plan))
        registered = _after(pool, [ks_api], lambda: register(plan))
        oct_conf = _after(pool, [db], lambda: prepare_octavia(plan))
        oct_up = _after(pool, [oct_conf, mq], lambda: start_octavia(plan, oct_conf.result()))
        neu_conf = _after(pool, [db], lambda: prepare_neutron(plan))
        neu_up = _after(pool, [neu_conf, mq], lambda: start_neutron(plan, neu_conf.result()))
        nets = _after(
            pool,
            [registered, neu_up],
            lambda: make_networks(
                plan, registered.result().admin_token, registered.result().tests_project_id
            ),
        )
        futures: list[Future[Any]] = [db, mq, ks_setup, ks_api, registered, oct_up, nets]
        for future in futures:
            future.result()
        env = nets.result()
    clouds = write_clouds(plan)
    return {
        **env,
        "OS_CLIENT_CONFIG_FILE": str(clouds),
        "OS_CLOUD": "devenv",
        "OS_PROJECT_ID": registered.result().tests_project_id,
        "OS_AUTH_URL": plan.keystone_url,
        "OCTAVIA_ENDPOINT_URL": plan.octavia_url,
        "NEUTRON_ENDPOINT_URL": plan.neutron_url,
    }


def start_openstack(state: Path) -> tuple[list[Proc], dict[str, str]]:
    """Start the stack under `state/openstack`; return its processes and the env to export."""
    venvs = install_openstack()
    root = state / "openstack"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, mode=0o700)
    plan = Plan.new(root, venvs)
    try:
        env = _bring_up(plan)
    except BaseException as exc:
        for proc in reversed(plan.started):
            stop(proc)
        if isinstance(exc, Exception) and not isinstance(exc, EnvError):
            raise EnvError(f"openstack: {exc!r}") from exc
        raise
    # newest first: env-down stops the APIs before the brokers and the database they use
    return list(reversed(plan.started)), env
