"""Schema migrations of Octavia and Neutron (their own db-manage tools, against MariaDB).

Where it sits: `devenv.openstack.start_openstack` runs both in parallel with Keystone's set-up,
once MariaDB is up and before either API starts. Output goes to `logs/os-<name>-db.log`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from devenv.openstack_parts.plan import Plan
from devenv.procs import EnvError


def migrate(plan: Plan, service: str, config: Path) -> None:
    """`<service>-db-manage --config-file CONFIG upgrade head(s)`."""
    target = "heads" if service == "neutron" else "head"
    tool = plan.venv(service) / "bin" / f"{service}-db-manage"
    log_path = plan.logs / f"os-{service}-db.log"
    with log_path.open("ab") as log:
        done = subprocess.run(
            [str(tool), "--config-file", str(config), "upgrade", target],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise EnvError(f"{service}-db-manage upgrade failed; see {log_path}")
