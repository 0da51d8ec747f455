"""Octavia's no-op network driver, except that a load balancer's VIPs are real Neutron ports.

Where it sits: octavia.conf names it (`[controller_worker] network_driver = lbc_vip_ports`,
registered by the `lbc_devenv_octavia` entry point in this folder); octavia-api calls
`allocate_vip` when a load balancer is created and octavia-worker `deallocate_vip` when it is
deleted. Everything else (plugging VIPs into amphorae, security groups) stays Octavia's no-op.
Octavia's own no-op driver invents one address (198.51.100.1) and a port Neutron does not know,
whatever the VIP subnet; this one asks Neutron for a port with one fixed IP in the VIP subnet and
one in each additional VIP's subnet (as Octavia's allowed-address-pairs driver does), so an
IPv6 VIP subnet gives an IPv6 address, dual-stack load balancers get one address per family, and
a floating IP can be associated with the VIP port. It imports nothing from the project.
"""

from __future__ import annotations

import importlib
from typing import Any

_noop = importlib.import_module("octavia.network.drivers.noop_driver.driver")
_clients = importlib.import_module("octavia.common.clients")
_models = importlib.import_module("octavia.common.data_models")


def _neutron() -> Any:
    """openstacksdk's connection as Octavia's service user ([service_auth])."""
    return _clients.NeutronAuth.get_neutron_client()


def _fixed_ip(subnet_id: str, address: str | None) -> dict[str, str]:
    return {"subnet_id": subnet_id, **({"ip_address": address} if address else {})}


def _address_in(port: Any, subnet_id: str) -> str:
    return next(str(ip["ip_address"]) for ip in port.fixed_ips if ip["subnet_id"] == subnet_id)


def _new_port(neutron: Any, loadbalancer: Any) -> Any:
    vip = loadbalancer.vip
    subnet = neutron.network.get_subnet(vip.subnet_id)
    return neutron.network.create_port(
        name=f"octavia-lb-{loadbalancer.id}",
        network_id=subnet.network_id,
        project_id=loadbalancer.project_id,
        device_owner="Octavia",
        device_id=f"lb-{loadbalancer.id}",
        fixed_ips=[_fixed_ip(vip.subnet_id, vip.ip_address)]
        + [_fixed_ip(add.subnet_id, add.ip_address) for add in loadbalancer.additional_vips],
    )


def allocate_vip(loadbalancer: Any) -> tuple[Any, list[Any]]:
    """The VIP port (the API makes it; the worker's create flow asks again and gets the same
    one, as from Octavia's own driver); Octavia's Vip records of it."""
    neutron = _neutron()
    port_id = loadbalancer.vip.port_id
    port = port_id and neutron.network.find_port(port_id)
    port = port or _new_port(neutron, loadbalancer)
    vip = loadbalancer.vip
    made = _models.Vip(
        ip_address=_address_in(port, vip.subnet_id),
        subnet_id=vip.subnet_id,
        network_id=port.network_id,
        port_id=port.id,
        load_balancer_id=loadbalancer.id,
    )
    additional = [
        _models.AdditionalVip(
            ip_address=_address_in(port, add.subnet_id),
            subnet_id=add.subnet_id,
            network_id=port.network_id,
            port_id=port.id,
            load_balancer=loadbalancer,
            load_balancer_id=loadbalancer.id,
        )
        for add in loadbalancer.additional_vips
    ]
    return made, additional


def deallocate_vip(vip: Any) -> None:
    """Delete the VIP port (absent is fine)."""
    if vip.port_id:
        _neutron().network.delete_port(vip.port_id, ignore_missing=True)


def driver() -> Any:
    """The network driver Octavia loads (stevedore calls this entry point)."""
    made = _noop.NoopNetworkDriver()
    made.allocate_vip = allocate_vip
    made.deallocate_vip = deallocate_vip
    return made
