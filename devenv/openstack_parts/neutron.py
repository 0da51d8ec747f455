"""Neutron: the API under gunicorn (ML2, no agents) and the networks the tests use.

Where it sits: `devenv.openstack.start_openstack` calls `prepare_neutron` (config, schema) once
MariaDB is up, `start_neutron` after that, and `make_networks` once Keystone has the catalog:
a VIP network in the tests' project with an IPv4 and an IPv6 subnet (dual-stack load
balancers), an external (flat) network and subnet for floating IPs, and a router joining them.
Their ids are exported (OS_VIP_NETWORK_ID, OS_VIP_SUBNET_ID, OS_VIP_IPV6_SUBNET_ID,
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
VIP6_CIDR = "fd00:64::/64"  # a unique local range: Neutron makes no floating IPs of IPv6
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


def _subnet(plan: Plan, token: str, network: str, name: str, **fields: object) -> str:
    return _create(plan, token, "subnet", {"name": name, "network_id": network, **fields})


def _router(plan: Plan, token: str, project_id: str, external: str, subnets: list[str]) -> str:
    """A router from the VIP subnets to the external network: without one, Neutron refuses to
    associate a floating IP with a VIP port (nothing is routed: there is no L3 agent)."""
    router = _create(
        plan,
        token,
        "router",
        {
            "name": "lbc-router",
            "project_id": project_id,
            "external_gateway_info": {"network_id": external},
        },
    )
    url = f"{plan.neutron_url}/v2.0/routers/{router}/add_router_interface"
    for subnet in subnets:
        rest.call("PUT", url, {"subnet_id": subnet}, token=token)
    return router


def make_networks(plan: Plan, admin_token: str, project_id: str) -> dict[str, str]:
    """The VIP network (an IPv4 and an IPv6 subnet), the external network with its subnet and
    a router between them; the ids to export."""
    tok = admin_token
    vip_net = _create(plan, tok, "network", {"name": "lbc-vip", "project_id": project_id})
    mine = {"project_id": project_id}
    vip_subnet = _subnet(plan, tok, vip_net, "lbc-vip", ip_version=4, cidr=VIP_CIDR, **mine)
    vip6 = _subnet(plan, tok, vip_net, "lbc-vip-v6", ip_version=6, cidr=VIP6_CIDR, **mine)
    ext_net = _create(
        plan,
        tok,
        "network",
        {
            "name": "lbc-public",
            "router:external": True,
            "provider:network_type": "flat",
            "provider:physical_network": "public",
        },
    )
    ext_subnet = _subnet(
        plan, tok, ext_net, "lbc-public", ip_version=4, cidr=FLOATING_CIDR, enable_dhcp=False
    )
    _router(plan, tok, project_id, ext_net, [vip_subnet, vip6])
    return {
        "OS_VIP_NETWORK_ID": vip_net,
        "OS_VIP_SUBNET_ID": vip_subnet,
        "OS_VIP_IPV6_SUBNET_ID": vip6,
        "OS_FLOATING_NETWORK_ID": ext_net,
        "OS_FLOATING_SUBNET_ID": ext_subnet,
    }
