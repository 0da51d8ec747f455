"""Neutron: the API under gunicorn (ML2, no agents) and the networks the tests use.

Where it sits: `devenv.openstack.start_openstack` calls `prepare_neutron` (config, schema) once
MariaDB is up, `start_neutron` after that, and `make_networks` once Keystone has the catalog:
a VIP network and subnet in the tests' project, and an external (flat) network and subnet for
floating IPs. Their ids are exported (OS_VIP_NETWORK_ID, OS_VIP_SUBNET_ID,
OS_FLOATING_NETWORK_ID, OS_FLOATING_SUBNET_ID).
"""

from __future__ import annotations

from pathlib import Path

from devenv.openstack_parts import rest
from devenv.openstack_parts.configs import neutron_conf
from devenv.openstack_parts.db import migrate
from devenv.openstack_parts.plan import Plan, gunicorn, launch, write_private
from devenv.procs import Proc, http_ok, wait_ready

# Addresses only ever stored in Neutron's database: nothing routes or sends to them.
VIP_CIDR = "10.64.0.0/24"
FLOATING_CIDR = "203.0.113.0/24"


def prepare_neutron(plan: Plan) -> Path:
    """Write neutron.conf and migrate the schema; return the config's path."""
    folder = plan.dir("neutron")
    for sub in ("locks", "state"):
        (folder / sub).mkdir(exist_ok=True)
    conf = write_private(folder / "neutron.conf", neutron_conf(plan))
    migrate(plan, "neutron", conf)
    return conf


def start_neutron(plan: Plan, conf: Path) -> Proc:
    """The Neutron API under gunicorn."""
    proc = launch(plan, "os-neutron-api", gunicorn(plan, "neutron", plan.neutron_port, conf))
    wait_ready(proc, lambda: http_ok(plan.neutron_url + "/"), timeout=90)
    return proc


def _create(plan: Plan, token: str, kind: str, body: rest.Json) -> str:
    made, _ = rest.call("POST", f"{plan.neutron_url}/v2.0/{kind}s", {kind: body}, token=token)
    return str(made[kind]["id"])


def make_networks(plan: Plan, admin_token: str, project_id: str) -> dict[str, str]:
    """The VIP and external networks with their subnets; the ids to export."""
    vip_net = _create(plan, admin_token, "network", {"name": "lbc-vip", "project_id": project_id})
    vip_subnet = _create(
        plan,
        admin_token,
        "subnet",
        {
            "name": "lbc-vip",
            "network_id": vip_net,
            "project_id": project_id,
            "ip_version": 4,
            "cidr": VIP_CIDR,
        },
    )
    ext_net = _create(
        plan,
        admin_token,
        "network",
        {
            "name": "lbc-public",
            "router:external": True,
            "provider:network_type": "flat",
            "provider:physical_network": "public",
        },
    )
    ext_subnet = _create(
        plan,
        admin_token,
        "subnet",
        {
            "name": "lbc-public",
            "network_id": ext_net,
            "ip_version": 4,
            "cidr": FLOATING_CIDR,
            "enable_dhcp": False,
        },
    )
    return {
        "OS_VIP_NETWORK_ID": vip_net,
        "OS_VIP_SUBNET_ID": vip_subnet,
        "OS_FLOATING_NETWORK_ID": ext_net,
        "OS_FLOATING_SUBNET_ID": ext_subnet,
    }
