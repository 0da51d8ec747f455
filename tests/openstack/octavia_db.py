"""Forcing a load balancer's provisioning status in Octavia's database (tests only).

The no-op drivers never fail and settle within a second or two, so a load balancer in ERROR,
or one stuck in PENDING_UPDATE, can only be had by writing the status the real Octavia keeps in
its MariaDB, with the mariadb client and the credentials env-up wrote into octavia.conf.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import urllib.parse
import uuid
from pathlib import Path

from devenv.state import EnvState

STATUSES = frozenset({"ACTIVE", "ERROR", "PENDING_UPDATE"})


def set_status(state: EnvState, lb_id: str, status: str) -> None:
    """Set the provisioning status of load balancer `lb_id` behind Octavia's back."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(Path(state.env["LBC_DEVENV_DIR"]) / "openstack" / "octavia" / "octavia.conf")
    url = urllib.parse.urlsplit(conf["database"]["connection"])
    if status not in STATUSES:
        raise ValueError(f"{status!r} is not one of {sorted(STATUSES)}")
    row = uuid.UUID(lb_id)  # the client takes no bound parameters: both values are checked
    sql = f"UPDATE load_balancer SET provisioning_status = '{status}' WHERE id = '{row}'"  # noqa: S608
    login = ["-h", str(url.hostname), "-P", str(url.port), "-u", str(url.username)]
    subprocess.run(
        ["mariadb", *login, url.path.lstrip("/"), "-e", sql],
        env={**os.environ, "MYSQL_PWD": url.password or ""},
        check=True,
        capture_output=True,
        timeout=30,
    )
