"""MariaDB (Debian's mariadb-server) run as our own process on loopback.

Where it sits: `devenv.openstack.start_openstack` starts it first; Keystone, Octavia and Neutron
keep their databases in it. A fresh data dir under `.devenv/openstack/mariadb/` each start,
its own socket there and a free TCP port on 127.0.0.1, so a system MariaDB (if one runs) is
never touched. Durability settings are relaxed: this is test data.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess

from devenv.openstack_parts.plan import Plan, launch
from devenv.procs import EnvError, Proc, wait_ready

DATABASES = ("keystone", "octavia", "neutron")


def _greets(port: int) -> bool:
    """Whether the server answers a connection with a packet: its handshake (protocol 10), or
    the error packet (0xff) it sends while no account may connect from 127.0.0.1 yet."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        head = sock.recv(5)
    return len(head) == 5 and head[4] in (10, 0xFF)


def _sql(plan: Plan, statements: str) -> None:
    sock = plan.dir("mariadb") / "mysqld.sock"
    done = subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={sock}", "-uroot", "-e", statements],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise EnvError(f"mariadb set-up SQL failed: {done.stderr.strip()[:300]}")


def start_mariadb(plan: Plan) -> Proc:
    """Initialise a data dir, start mariadbd, create the services' databases and user."""
    folder = plan.dir("mariadb")
    data = folder / "data"
    shutil.rmtree(data, ignore_errors=True)
    user = getpass.getuser()
    init = subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={data}",
            f"--user={user}",
            "--skip-test-db",
            "--auth-root-authentication-method=socket",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise EnvError(f"mariadb-install-db failed: {init.stderr.strip()[-300:]}")
    proc = launch(
        plan,
        "os-mariadb",
        [
            "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={folder / 'mysqld.sock'}",
            f"--pid-file={folder / 'mysqld.pid'}",
            f"--port={plan.db_port}",
            "--bind-address=127.0.0.1",
            f"--user={user}",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=128M",
            "--innodb-log-file-size=64M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--max-connections=1000",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
        ],
    )
    wait_ready(proc, lambda: _greets(plan.db_port), timeout=60)
    grants = " ".join(
        f"CREATE DATABASE {db}; GRANT ALL ON {db}.* TO 'lbc'@'127.0.0.1';" for db in DATABASES
    )
    _sql(plan, f"CREATE USER 'lbc'@'127.0.0.1' IDENTIFIED BY '{plan.db_password}'; {grants}")
    return proc
