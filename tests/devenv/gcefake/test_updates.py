"""Update (PUT) and patch (PATCH) of health checks and firewalls; concurrent clients."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, Gce


def test_health_check_update_and_patch(gce: Gce) -> None:
    check = compute_v1.HealthCheck(
        name="hc", type_="TCP", tcp_health_check=compute_v1.TCPHealthCheck(port=10256)
    )
    gce.done(gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check))
    got = gce.health_checks.get(project=PROJECT, region=REGION, health_check="hc")
    assert (got.check_interval_sec, got.timeout_sec) == (5, 5)
    assert (got.healthy_threshold, got.unhealthy_threshold) == (2, 2)
    assert got.tcp_health_check.port == 10256

    replacement = compute_v1.HealthCheck(
        name="hc",
        type_="HTTP",
        http_health_check=compute_v1.HTTPHealthCheck(port=10256, request_path="/healthz"),
    )
    result = gce.done(
        gce.health_checks.update(
            project=PROJECT, region=REGION, health_check="hc", health_check_resource=replacement
        )
    )
    assert result.operation_type == "update"
    got = gce.health_checks.get(project=PROJECT, region=REGION, health_check="hc")
    assert got.type_ == "HTTP"
    assert got.http_health_check.request_path == "/healthz"
    assert "tcp_health_check" not in got

    gce.done(
        gce.health_checks.patch(
            project=PROJECT,
            region=REGION,
            health_check="hc",
            health_check_resource=compute_v1.HealthCheck(check_interval_sec=8, timeout_sec=2),
        )
    )
    got = gce.health_checks.get(project=PROJECT, region=REGION, health_check="hc")
    assert (got.check_interval_sec, got.timeout_sec) == (8, 2)
    assert got.http_health_check.request_path == "/healthz"

    with pytest.raises(exceptions.BadRequest):
        gce.health_checks.patch(
            project=PROJECT,
            region=REGION,
            health_check="hc",
            health_check_resource=compute_v1.HealthCheck(timeout_sec=30),
        )
    with pytest.raises(exceptions.BadRequest):
        gce.health_checks.update(
            project=PROJECT,
            region=REGION,
            health_check="hc",
            health_check_resource=compute_v1.HealthCheck(name="other", type_="TCP"),
        )


def test_firewall_patch_and_update(gce: Gce) -> None:
    firewall = compute_v1.Firewall(
        name="fw",
        source_ranges=["10.0.0.0/8"],
        allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=["80"])],
    )
    gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=firewall))
    gce.done(
        gce.firewalls.patch(
            project=PROJECT,
            firewall="fw",
            firewall_resource=compute_v1.Firewall(source_ranges=["192.168.0.0/16"]),
        )
    )
    got = gce.firewalls.get(project=PROJECT, firewall="fw")
    assert list(got.source_ranges) == ["192.168.0.0/16"]
    assert [(a.I_p_protocol, list(a.ports)) for a in got.allowed] == [("tcp", ["80"])]

    replacement = compute_v1.Firewall(
        name="fw", denied=[compute_v1.Denied(I_p_protocol="udp")], priority=10
    )
    gce.done(gce.firewalls.update(project=PROJECT, firewall="fw", firewall_resource=replacement))
    got = gce.firewalls.get(project=PROJECT, firewall="fw")
    assert not got.allowed and got.denied[0].I_p_protocol == "udp"
    assert got.priority == 10
    assert not got.source_ranges

    bad = compute_v1.Firewall(name="bad", source_ranges=["10.0.0.0/33"])
    with pytest.raises(exceptions.BadRequest):
        gce.firewalls.insert(project=PROJECT, firewall_resource=bad)


def test_unimplemented_method_is_501(gce: Gce) -> None:
    with pytest.raises(exceptions.MethodNotImplemented):
        gce.forwarding_rules.patch(
            project=PROJECT,
            region=REGION,
            forwarding_rule="fr",
            forwarding_rule_resource=compute_v1.ForwardingRule(description="x"),
        )


def test_concurrent_clients_get_distinct_addresses(gce: Gce) -> None:
    def make(index: int) -> str:
        gce.done(
            gce.addresses.insert(
                project=PROJECT,
                region=REGION,
                address_resource=compute_v1.Address(name=f"ip-{index}"),
            )
        )
        return gce.addresses.get(project=PROJECT, region=REGION, address=f"ip-{index}").address

    with ThreadPoolExecutor(max_workers=8) as pool:
        ips = list(pool.map(make, range(64)))
    assert len(set(ips)) == 64
    listed = gce.addresses.list(project=PROJECT, region=REGION)
    assert sorted(a.address for a in listed) == sorted(ips)
