"""IPv6 on the fake, through the real client: dual-stack subnetworks, IPv6 addresses (a /96 of
the subnetwork's /64) and IPv6 forwarding rules beside IPv4 ones, and the refusals GCE gives."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, Gce

R = f"regions/{REGION}"


def _subnet(gce: Gce, name: str, cidr: str, access: str | None) -> compute_v1.Subnetwork:
    subnet = compute_v1.Subnetwork(name=name, ip_cidr_range=cidr, network="global/networks/default")
    if access:
        subnet.stack_type, subnet.ipv6_access_type = "IPV4_IPV6", access
    gce.done(gce.subnetworks.insert(project=PROJECT, region=REGION, subnetwork_resource=subnet))
    return gce.subnetworks.get(project=PROJECT, region=REGION, subnetwork=name)


def _service(gce: Gce, scheme: str = "EXTERNAL") -> str:
    check = compute_v1.HealthCheck(
        name="hc", type_="TCP", tcp_health_check=compute_v1.TCPHealthCheck(port=10256)
    )
    gce.done(gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check))
    service = compute_v1.BackendService(
        name="bs",
        load_balancing_scheme=scheme,
        protocol="UNSPECIFIED",
        health_checks=[gce.link(R, "healthChecks", "hc")],
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    return gce.link(R, "backendServices", "bs")


def _rule(gce: Gce, rule: compute_v1.ForwardingRule) -> compute_v1.ForwardingRule:
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    return gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule=rule.name)


def _address(gce: Gce, address: compute_v1.Address) -> compute_v1.Address:
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
    return gce.addresses.get(project=PROJECT, region=REGION, address=address.name)


def test_dual_stack_subnetworks_get_an_ipv6_range_of_their_access_type(gce: Gce) -> None:
    public = _subnet(gce, "public", "10.10.0.0/20", "EXTERNAL")
    private = _subnet(gce, "private", "10.20.0.0/20", "INTERNAL")
    plain = _subnet(gce, "plain", "10.30.0.0/20", None)
    assert public.stack_type == "IPV4_IPV6" and public.ipv6_access_type == "EXTERNAL"
    assert ipaddress.ip_network(public.external_ipv6_prefix).prefixlen == 64
    assert not public.internal_ipv6_prefix
    assert ipaddress.ip_network(private.internal_ipv6_prefix).is_private
    assert (plain.stack_type, plain.external_ipv6_prefix) == ("IPV4_ONLY", "")
    assert plain.gateway_address == "10.30.0.1"
    with pytest.raises(exceptions.BadRequest, match="ipv6AccessType"):
        gce.subnetworks.insert(
            project=PROJECT,
            region=REGION,
            subnetwork_resource=compute_v1.Subnetwork(
                name="half", ip_cidr_range="10.40.0.0/20", stack_type="IPV4_IPV6"
            ),
        )


def test_external_dual_stack_load_balancer(gce: Gce) -> None:
    prefix = ipaddress.ip_network(
        _subnet(gce, "public", "10.10.0.0/20", "EXTERNAL").external_ipv6_prefix
    )
    service = _service(gce)
    subnet = gce.link(R, "subnetworks", "public")
    v6 = _address(
        gce,
        compute_v1.Address(
            name="lb-ipv6", ip_version="IPV6", ipv6_endpoint_type="NETLB", subnetwork=subnet
        ),
    )
    assert ipaddress.ip_address(v6.address) in prefix
    assert (v6.prefix_length, v6.ip_version, v6.status) == (96, "IPV6", "RESERVED")
    v4 = _rule(
        gce,
        compute_v1.ForwardingRule(
            name="lb-tcp", I_p_protocol="TCP", ports=["80"], backend_service=service
        ),
    )
    v6_rule = _rule(
        gce,
        compute_v1.ForwardingRule(
            name="lb-tcp-ipv6",
            I_p_protocol="TCP",
            ports=["80"],
            backend_service=service,
            ip_version="IPV6",
            subnetwork=subnet,
            I_p_address=f"{v6.address}/96",
        ),
    )
    assert v6_rule.I_p_address == f"{v6.address}/96"
    assert (v6_rule.ip_version, v6_rule.subnetwork) == ("IPV6", subnet)
    assert ipaddress.ip_address(v4.I_p_address).version == 4 and not v4.ip_version
    held = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ipv6")
    assert (held.status, list(held.users)) == ("IN_USE", [v6_rule.self_link])
    ephemeral = _rule(
        gce,
        compute_v1.ForwardingRule(
            name="lb-udp-ipv6",
            I_p_protocol="UDP",
            ports=["53"],
            backend_service=service,
            ip_version="IPV6",
            subnetwork=subnet,
        ),
    )
    first = ipaddress.ip_network(ephemeral.I_p_address)
    assert first.prefixlen == 96 and first.subnet_of(prefix)  # type: ignore[arg-type]
    assert first.network_address != ipaddress.ip_address(v6.address)
    gce.done(
        gce.forwarding_rules.delete(project=PROJECT, region=REGION, forwarding_rule="lb-tcp-ipv6")
    )
    held = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ipv6")
    assert held.status == "RESERVED"


def test_internal_ipv6_rule_takes_an_address_of_its_subnetwork(gce: Gce) -> None:
    prefix = ipaddress.ip_network(
        _subnet(gce, "private", "10.20.0.0/20", "INTERNAL").internal_ipv6_prefix
    )
    service = _service(gce, "INTERNAL")
    rule = _rule(
        gce,
        compute_v1.ForwardingRule(
            name="ilb-ipv6",
            I_p_protocol="TCP",
            ports=["80"],
            load_balancing_scheme="INTERNAL",
            backend_service=service,
            ip_version="IPV6",
            subnetwork=gce.link(R, "subnetworks", "private"),
        ),
    )
    assert ipaddress.ip_address(rule.I_p_address) in prefix  # internal: the address, no /96
    assert rule.network == f"{gce.base}/global/networks/default"


@pytest.mark.parametrize(
    ("subnet", "access", "match"),
    [
        (None, None, "Subnetwork or Ip Collection must be specified"),
        ("plain", None, "no external IPv6 range"),
        ("private", "INTERNAL", "no external IPv6 range"),
    ],
)
def test_an_ipv6_rule_needs_a_subnetwork_with_ipv6_of_its_kind(
    gce: Gce, subnet: str | None, access: str | None, match: str
) -> None:
    if subnet:
        _subnet(gce, subnet, "10.50.0.0/20", access)
    rule = compute_v1.ForwardingRule(
        name="lb-ipv6",
        I_p_protocol="TCP",
        ports=["80"],
        backend_service=_service(gce),
        ip_version="IPV6",
    )
    if subnet:
        rule.subnetwork = gce.link(R, "subnetworks", subnet)
    with pytest.raises(exceptions.BadRequest, match=match):
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    assert not list(gce.forwarding_rules.list(project=PROJECT, region=REGION))


def test_ipv6_refusals(gce: Gce) -> None:
    _subnet(gce, "public", "10.10.0.0/20", "EXTERNAL")
    subnet = gce.link(R, "subnetworks", "public")
    service = _service(gce)
    v6 = _address(
        gce,
        compute_v1.Address(
            name="v6", ip_version="IPV6", ipv6_endpoint_type="NETLB", subnetwork=subnet
        ),
    )
    refused: list[Callable[[], object]] = [
        # an external IPv6 address needs its endpoint type
        lambda: gce.addresses.insert(
            project=PROJECT,
            region=REGION,
            address_resource=compute_v1.Address(name="x", ip_version="IPV6", subnetwork=subnet),
        ),
        # IPv6 is Premium tier only
        lambda: gce.addresses.insert(
            project=PROJECT,
            region=REGION,
            address_resource=compute_v1.Address(
                name="y",
                ip_version="IPV6",
                ipv6_endpoint_type="NETLB",
                subnetwork=subnet,
                network_tier="STANDARD",
            ),
        ),
        # an external IPv6 rule's address is its /96
        lambda: gce.forwarding_rules.insert(
            project=PROJECT,
            region=REGION,
            forwarding_rule_resource=compute_v1.ForwardingRule(
                name="z",
                I_p_protocol="TCP",
                ports=["80"],
                backend_service=service,
                ip_version="IPV6",
                subnetwork=subnet,
                I_p_address=v6.address,
            ),
        ),
        # an IPv4 rule cannot use an IPv6 address
        lambda: gce.forwarding_rules.insert(
            project=PROJECT,
            region=REGION,
            forwarding_rule_resource=compute_v1.ForwardingRule(
                name="w",
                I_p_protocol="TCP",
                ports=["80"],
                backend_service=service,
                I_p_address=v6.self_link,
            ),
        ),
    ]
    for attempt in refused:
        with pytest.raises(exceptions.BadRequest):
            attempt()
    names = {a.name for a in gce.addresses.list(project=PROJECT, region=REGION)}
    assert names == {"v6"} and not list(gce.forwarding_rules.list(project=PROJECT, region=REGION))
    with pytest.raises(exceptions.BadRequest) as caught:
        gce.subnetworks.delete(project=PROJECT, region=REGION, subnetwork="public")
    assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"
