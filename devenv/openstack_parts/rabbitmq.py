"""RabbitMQ (Debian's rabbitmq-server) run as our own processes on loopback.

Where it sits: `devenv.openstack.start_openstack` starts it beside MariaDB; Octavia's API casts
to its worker through it and Neutron's API publishes its notifications to it. Two processes:
an epmd of our own on a free port (else RabbitMQ would spawn a daemon epmd on 0.0.0.0:4369 that
env-down could not account for) and the broker, with its node data, cookie (HOME) and config
under `.devenv/openstack/rabbitmq/`; AMQP and distribution ports on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import socket

from devenv.openstack_parts.plan import Plan, launch, write_private
from devenv.procs import Proc, wait_ready

EPMD = "/usr/bin/epmd"
SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def _listens(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return True


def _speaks_amqp(port: int) -> bool:
    """Whether the broker answers an AMQP 0-9-1 protocol header with a method frame."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        return sock.recv(1) == b"\x01"


def _config(plan: Plan) -> dict[str, str]:
    folder = plan.dir("rabbitmq")
    shutil.rmtree(folder / "mnesia", ignore_errors=True)
    write_private(
        folder / "rabbitmq.conf",
        f"listeners.tcp.1 = 127.0.0.1:{plan.amqp_port}\n"
        "default_user = lbc\n"
        f"default_pass = {plan.amqp_password}\n"
        "log.console = true\n"
        "log.console.level = warning\n"
        "log.file = false\n",
    )
    (folder / "enabled_plugins").write_text("[].\n")
    (folder / "rabbitmq-env.conf").write_text("")
    return {
        "HOME": str(folder),
        "RABBITMQ_NODENAME": "lbc-devenv@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(plan.amqp_port),
        "RABBITMQ_DIST_PORT": str(plan.dist_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": str(plan.epmd_port),
        "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_PID_FILE": str(folder / "rabbitmq.pid"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }


def start_rabbitmq(plan: Plan) -> list[Proc]:
    """epmd, then the broker; ready once AMQP answers."""
    env = _config(plan)
    epmd = launch(plan, "os-epmd", [EPMD, "-address", "127.0.0.1", "-port", str(plan.epmd_port)])
    wait_ready(epmd, lambda: _listens(plan.epmd_port), timeout=20)
    broker = launch(plan, "os-rabbitmq", [SERVER], env=env)
    wait_ready(broker, lambda: _speaks_amqp(plan.amqp_port), timeout=90)
    return [epmd, broker]
