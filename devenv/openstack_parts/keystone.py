"""Keystone: one-process bootstrap, the API under gunicorn, then users and the catalog.

Where it sits: `devenv.openstack.start_openstack` calls `setup_keystone` once MariaDB is up,
`start_keystone`, then `register` (admin token; service users for Octavia and Neutron, a
project and user for the tests, catalog entries for identity, load-balancer and network on
the loopback endpoints). The admin password is new each env-up.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from devenv.openstack_parts import rest
from devenv.openstack_parts.configs import keystone_conf
from devenv.openstack_parts.plan import IN_VENV, REGION, Plan, gunicorn, launch, write_private
from devenv.procs import EnvError, Proc, http_ok, wait_ready

TESTS_PROJECT = "lbc-tests"
TESTS_USER = "lbc-tests"


@dataclass(frozen=True)
class Registered:
    """Ids the rest of the set-up needs."""

    admin_token: str
    tests_project_id: str


def setup_keystone(plan: Plan) -> None:
    """db_sync, fernet_setup, credential_setup and bootstrap, in one process."""
    folder = plan.dir("keystone")
    for keys in ("fernet-keys", "credential-keys"):
        (folder / keys).mkdir(mode=0o700, exist_ok=True)
    conf = write_private(folder / "keystone.conf", keystone_conf(plan))
    with (plan.logs / "os-keystone-setup.log").open("ab") as log:
        done = subprocess.run(
            [
                str(plan.venv("keystone") / "bin" / "python"),
                str(IN_VENV / "keystone_setup.py"),
                str(conf),
                plan.keystone_url,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OS_BOOTSTRAP_PASSWORD": plan.admin_password},
            check=False,
        )
    if done.returncode != 0:
        raise EnvError(f"keystone bootstrap failed; see {log.name}")


def start_keystone(plan: Plan) -> Proc:
    """The public API (v3) under gunicorn."""
    conf = plan.dir("keystone") / "keystone.conf"
    proc = launch(plan, "os-keystone", gunicorn(plan, "keystone", plan.keystone_port, conf))
    wait_ready(proc, lambda: http_ok(plan.keystone_url), timeout=90)
    return proc


class _Keystone:
    """Create calls with an admin token. The database is new each cold start, so nothing
    but what `keystone-manage bootstrap` made (roles, the identity service) exists yet."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def create(self, collection: str, body: rest.Json) -> str:
        kind = collection.rstrip("s")
        made, _ = rest.call("POST", f"{self.url}/{collection}", {kind: body}, token=self.token)
        return str(made[kind]["id"])

    def roles(self, names: tuple[str, ...]) -> dict[str, str]:
        found, _ = rest.call("GET", f"{self.url}/roles", token=self.token)
        have = {str(r["name"]): str(r["id"]) for r in found["roles"]}
        for name in names:
            if name not in have:
                have[name] = self.create("roles", {"name": name})
        return have

    def grant(self, project: str, user: str, role: str) -> None:
        path = f"/projects/{project}/users/{user}/roles/{role}"
        rest.call("PUT", f"{self.url}{path}", token=self.token)

    def service(self, kind: str, name: str, url: str) -> None:
        service = self.create("services", {"type": kind, "name": name})
        for interface in ("public", "internal", "admin"):
            body = {"service_id": service, "interface": interface, "url": url}
            self.create("endpoints", {**body, "region_id": REGION})


def register(plan: Plan) -> Registered:
    """Service users, the tests' project and user, and the catalog."""
    token, _ = rest.password_token(plan.keystone_url, "admin", plan.admin_password, "admin")
    ks = _Keystone(plan.keystone_url, token)
    roles = ks.roles(("admin", "service", "member", "load-balancer_member"))
    service_project = ks.create("projects", {"name": "service", "domain_id": "default"})
    tests_project = ks.create("projects", {"name": TESTS_PROJECT, "domain_id": "default"})
    users = (
        ("octavia", plan.octavia_password, service_project, ("admin", "service")),
        ("neutron", plan.neutron_password, service_project, ("admin", "service")),
        (TESTS_USER, plan.tests_password, tests_project, ("member", "load-balancer_member")),
    )
    for name, password, project, wanted in users:
        body = {"name": name, "password": password, "domain_id": "default"}
        user = ks.create("users", {**body, "default_project_id": project})
        for role in wanted:
            ks.grant(project, user, roles[role])
    ks.service("load-balancer", "octavia", plan.octavia_url)
    ks.service("network", "neutron", plan.neutron_url)
    return Registered(admin_token=token, tests_project_id=tests_project)
