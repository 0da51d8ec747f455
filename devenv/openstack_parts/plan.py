"""The OpenStack component's plan: versions, ports, generated passwords and file locations.

Where it sits: `devenv.openstack.start_openstack` makes one `Plan` per env-up (fresh ports and
passwords); every other module in `devenv.openstack_parts` reads its paths and numbers from it.
The passwords live only in the 0600 files written under `.devenv/openstack/`, never in
state.json or env.sh.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devenv.procs import Proc, free_port, start

# The releases scripts/install-openstack.sh installs (venv folder `<name>-<version>`).
VERSIONS = {"keystone": "30.0.0", "octavia": "19.0.0", "neutron": "29.0.0"}
REGION = "RegionOne"
IN_VENV = Path(__file__).resolve().parent / "in_venv"


def _password() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Plan:
    """Everything chosen before any OpenStack process starts."""

    root: Path
    venvs: Path
    db_port: int
    amqp_port: int
    dist_port: int
    epmd_port: int
    keystone_port: int
    octavia_port: int
    neutron_port: int
    db_password: str
    amqp_password: str
    admin_password: str
    octavia_password: str
    neutron_password: str
    tests_password: str
    started: list[Proc] = field(default_factory=list, compare=False)

    @classmethod
    def new(cls, root: Path, venvs: Path) -> Plan:
        """Fresh loopback ports and passwords, under `root` (`.devenv/openstack`)."""
        db, amqp, dist, epmd, keystone, octavia, neutron = (free_port() for _ in range(7))
        return cls(
            root=root,
            venvs=venvs,
            db_port=db,
            amqp_port=amqp,
            dist_port=dist,
            epmd_port=epmd,
            keystone_port=keystone,
            octavia_port=octavia,
            neutron_port=neutron,
            db_password=_password(),
            amqp_password=_password(),
            admin_password=_password(),
            octavia_password=_password(),
            neutron_password=_password(),
            tests_password=_password(),
        )

    @property
    def logs(self) -> Path:
        """Where every process of this component logs."""
        return self.root / "logs"

    def venv(self, name: str) -> Path:
        """The venv of one service (keystone, octavia, neutron)."""
        return self.venvs / f"{name}-{VERSIONS[name]}"

    def dir(self, name: str) -> Path:
        """A per-service folder under the state dir, created on first use."""
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def keystone_url(self) -> str:
        """Keystone's v3 API."""
        return f"http://127.0.0.1:{self.keystone_port}/v3"

    @property
    def octavia_url(self) -> str:
        """Octavia's API root."""
        return f"http://127.0.0.1:{self.octavia_port}"

    @property
    def neutron_url(self) -> str:
        """Neutron's API root."""
        return f"http://127.0.0.1:{self.neutron_port}"

    @property
    def amqp_url(self) -> str:
        """oslo.messaging transport_url for our RabbitMQ."""
        return f"rabbit://lbc:{self.amqp_password}@127.0.0.1:{self.amqp_port}/"

    def db_url(self, database: str) -> str:
        """SQLAlchemy URL of one database on our MariaDB."""
        return f"mysql+pymysql://lbc:{self.db_password}@127.0.0.1:{self.db_port}/{database}"


def write_private(path: Path, text: str) -> Path:
    """Write a file readable by its owner only (it may hold passwords)."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
    return path


def launch(
    plan: Plan, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None
) -> Proc:
    """Start one server of this component, recorded in `plan.started` at once (so a failed
    env-up can stop everything it had started)."""
    proc = start(name, argv, logs=plan.logs, env=env)
    plan.started.append(proc)
    return proc


KEEP_ALIVE = 75  # seconds an idle client connection stays open (the same as nginx's default)


def gunicorn(plan: Plan, service: str, port: int, config: Path) -> list[str]:
    """The command serving one service's WSGI app (`wsgi_runner.py`) on 127.0.0.1:`port`."""
    return [
        str(plan.venv(service) / "bin" / "gunicorn"),
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--worker-class=gthread",
        "--threads=8",
        "--timeout=120",
        # gunicorn closes an idle keep-alive connection after 2 s by default: the very interval
        # at which openstacksdk's wait_for_* polls, so a poll could race the close and meet a
        # reset. Apache's and uwsgi's front ends in a real cloud keep connections longer.
        f"--keep-alive={KEEP_ALIVE}",
        "--graceful-timeout=5",
        f"--pythonpath={IN_VENV}",
        f"--name={service}-api",
        f'wsgi_runner:app("{service}", "{config}")',
    ]
