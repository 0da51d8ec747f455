"""Octavia: the API under gunicorn (tokens checked by keystonemiddleware) and the worker.

Where it sits: `devenv.openstack.start_openstack` calls `prepare_octavia` (test CA, config,
schema) once MariaDB is up, then `start_octavia` once RabbitMQ is up. The amphora provider
with no-op compute, network, amphora, image, volume and distributor drivers takes a load
balancer to ACTIVE through the worker over RabbitMQ; nothing is really built, except each load
balancer's VIP port in Neutron (the network driver is `in_venv/vip_ports.py`, found through
the entry point beside it: the API has that folder on its path, the worker on PYTHONPATH).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from devenv.openstack_parts.certs import make_octavia_ca
from devenv.openstack_parts.configs import octavia_conf
from devenv.openstack_parts.db import migrate
from devenv.openstack_parts.plan import IN_VENV, Plan, gunicorn, launch, write_private
from devenv.procs import Proc, http_ok, wait_ready

# What octavia-worker logs once its RPC consumer is about to listen on the queue.
_WORKER_READY = "Starting V2 consumer"


def prepare_octavia(plan: Plan) -> Path:
    """Write the CA and octavia.conf, migrate the schema; return the config's path."""
    folder = plan.dir("octavia")
    ca = make_octavia_ca(folder / "certs", secrets.token_urlsafe(18))
    (folder / "locks").mkdir(exist_ok=True)
    conf = write_private(folder / "octavia.conf", octavia_conf(plan, ca))
    migrate(plan, "octavia", conf)
    return conf


def _logged(path: str, text: str) -> bool:
    return text in Path(path).read_text(errors="replace")


def start_octavia(plan: Plan, conf: Path) -> list[Proc]:
    """octavia-api (gunicorn) and octavia-worker; ready when the API answers and the worker
    has started its consumer."""
    api = launch(plan, "os-octavia-api", gunicorn(plan, "octavia", plan.octavia_port, conf))
    worker = launch(
        plan,
        "os-octavia-worker",
        [str(plan.venv("octavia") / "bin" / "octavia-worker"), "--config-file", str(conf)],
        env={"PYTHONPATH": str(IN_VENV)},  # the network driver (in_venv/vip_ports.py)
    )
    wait_ready(api, lambda: http_ok(plan.octavia_url + "/"), timeout=90)
    wait_ready(worker, lambda: _logged(worker.log, _WORKER_READY), timeout=90)
    return [api, worker]
