"""Wire tests of what cloud-provider-gcp's load balancers need from the fake, with the real
google-cloud-compute clients (legacy HTTP health checks over REST: the library has no client):
target pools and their legacy health checks, global health checks behind a regional internal
backend service, and an ephemeral forwarding-rule IP promoted to a static address."""

from __future__ import annotations

import urllib.error

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, ZONES, Admin, Gce

pytestmark = pytest.mark.integration


def _pool(gce: Gce, admin: Admin) -> compute_v1.TargetPool:
    admin.instance(ZONES[0], "node-0")
    gce.legacy("POST", body={"name": "k8s-c-node", "port": 10256, "requestPath": "/healthz"})
    pool = compute_v1.TargetPool(
        name="tp",
        description='{"kubernetes.io/service-name":"ns/web"}',
        instances=[f"/zones/{ZONES[0]}/instances/node-0"],  # upstream's partial form
        health_checks=[f"{gce.base}/global/httpHealthChecks/k8s-c-node"],
    )
    gce.done(gce.target_pools.insert(project=PROJECT, region=REGION, target_pool_resource=pool))
    return gce.target_pools.get(project=PROJECT, region=REGION, target_pool="tp")


def test_target_pool_with_a_legacy_health_check(gce: Gce, admin: Admin) -> None:
    pool = _pool(gce, admin)
    assert list(pool.instances) == [f"{gce.base}/zones/{ZONES[0]}/instances/node-0"]
    assert list(pool.health_checks) == [f"{gce.base}/global/httpHealthChecks/k8s-c-node"]
    assert pool.session_affinity == "NONE"
    check = gce.legacy("GET", "k8s-c-node")
    assert (check["port"], check["requestPath"], check["kind"]) == (
        10256,
        "/healthz",
        "compute#httpHealthCheck",
    )
    rule = compute_v1.ForwardingRule(name="fr", port_range="80", target=pool.self_link)
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    got = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="fr")
    assert (got.target, got.port_range, got.network_tier) == (pool.self_link, "80-80", "PREMIUM")

    with pytest.raises(exceptions.BadRequest) as caught:
        gce.target_pools.delete(project=PROJECT, region=REGION, target_pool="tp")
    assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"
    with pytest.raises(urllib.error.HTTPError) as refused:
        gce.legacy("DELETE", "k8s-c-node")
    assert refused.value.code == 400
    refused.value.close()

    gce.done(gce.forwarding_rules.delete(project=PROJECT, region=REGION, forwarding_rule="fr"))
    gce.done(gce.target_pools.delete(project=PROJECT, region=REGION, target_pool="tp"))
    gce.legacy("DELETE", "k8s-c-node")
    assert gce.legacy("GET").get("items", []) == []


def test_target_pool_refuses_unknown_references(gce: Gce, admin: Admin) -> None:
    for field in (
        {"instances": [f"/zones/{ZONES[0]}/instances/nope"]},
        {"health_checks": [f"{gce.base}/global/httpHealthChecks/nope"]},
    ):
        pool = compute_v1.TargetPool(name="tp", **field)
        with pytest.raises(exceptions.NotFound):
            gce.target_pools.insert(project=PROJECT, region=REGION, target_pool_resource=pool)


def test_global_health_check_behind_a_regional_internal_service(gce: Gce) -> None:
    check = compute_v1.HealthCheck(
        name="k8s-c-node",
        type_="HTTP",
        http_health_check=compute_v1.HTTPHealthCheck(port=10256, request_path="/healthz"),
    )
    gce.done(gce.global_health_checks.insert(project=PROJECT, health_check_resource=check))
    link = f"{gce.base}/global/healthChecks/k8s-c-node"
    service = compute_v1.BackendService(
        name="bs", protocol="TCP", load_balancing_scheme="INTERNAL", health_checks=[link]
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    got = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="bs")
    assert list(got.health_checks) == [link]
    with pytest.raises(exceptions.BadRequest) as caught:
        gce.global_health_checks.delete(project=PROJECT, health_check="k8s-c-node")
    assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"
    gce.done(gce.backend_services.delete(project=PROJECT, region=REGION, backend_service="bs"))
    gce.done(gce.global_health_checks.delete(project=PROJECT, health_check="k8s-c-node"))


@pytest.mark.parametrize("internal", [False, True])
def test_an_ephemeral_ip_is_promoted_and_outlives_its_rule(gce: Gce, internal: bool) -> None:
    rule = compute_v1.ForwardingRule(name="fr", ports=["80"], I_p_protocol="TCP")
    if internal:
        service = compute_v1.BackendService(
            name="bs", protocol="TCP", load_balancing_scheme="INTERNAL"
        )
        gce.done(
            gce.backend_services.insert(
                project=PROJECT, region=REGION, backend_service_resource=service
            )
        )
        rule.backend_service = f"{gce.base}/regions/{REGION}/backendServices/bs"
        rule.load_balancing_scheme = "INTERNAL"
    else:
        rule.target = f"{gce.base}/zones/{ZONES[0]}/targetInstances/t"
        rule.port_range, rule.ports = "80", []
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    ip = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="fr").I_p_address

    address = compute_v1.Address(name="kept", address=ip)
    if internal:
        address.address_type = "INTERNAL"
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
    got = gce.addresses.get(project=PROJECT, region=REGION, address="kept")
    fr_link = f"{gce.base}/regions/{REGION}/forwardingRules/fr"
    assert (got.address, got.status, list(got.users)) == (ip, "IN_USE", [fr_link])
    gce.done(gce.forwarding_rules.delete(project=PROJECT, region=REGION, forwarding_rule="fr"))
    got = gce.addresses.get(project=PROJECT, region=REGION, address="kept")
    assert (got.address, got.status) == (ip, "RESERVED")
    # a second reservation of the now static IP is refused
    with pytest.raises(exceptions.BadRequest):
        copy = compute_v1.Address(name="again", address=ip, address_type=address.address_type)
        gce.addresses.insert(project=PROJECT, region=REGION, address_resource=copy)
