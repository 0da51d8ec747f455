"""Errors surface from the real client as google.api_core exceptions, in Google's shape."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, ZONES, Admin, Gce

R = f"regions/{REGION}"


def _health_check(gce: Gce, name: str = "hc") -> str:
    check = compute_v1.HealthCheck(
        name=name, type_="HTTP", http_health_check=compute_v1.HTTPHealthCheck(port=8080)
    )
    gce.done(gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check))
    return gce.link(R, "healthChecks", name)


def _service(gce: Gce, name: str = "bs", **fields: object) -> str:
    service = compute_v1.BackendService(
        name=name, load_balancing_scheme="EXTERNAL", protocol="TCP", **fields
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    return gce.link(R, "backendServices", name)


def test_not_found(gce: Gce) -> None:
    with pytest.raises(exceptions.NotFound) as caught:
        gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="nope")
    assert caught.value.code == 404
    assert caught.value.errors[0]["reason"] == "notFound"
    assert f"projects/{PROJECT}/{R}/forwardingRules/nope" in caught.value.message
    with pytest.raises(exceptions.NotFound):
        gce.health_checks.delete(project=PROJECT, region=REGION, health_check="nope")


def test_already_exists(gce: Gce) -> None:
    _health_check(gce)
    with pytest.raises(exceptions.Conflict) as caught:
        _health_check(gce)
    assert caught.value.errors[0]["reason"] == "alreadyExists"


def test_references_must_exist_and_are_stored_as_self_links(gce: Gce) -> None:
    missing = f"projects/{PROJECT}/{R}/healthChecks/missing"
    with pytest.raises(exceptions.NotFound):
        _service(gce, health_checks=[missing])
    with pytest.raises(exceptions.BadRequest):
        _service(gce, health_checks=["not a url"])
    link = _health_check(gce)
    _service(gce, health_checks=[f"https://www.googleapis.com/compute/v1/{missing[:-7]}hc"])
    got = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="bs")
    assert list(got.health_checks) == [link]


def test_backend_service_fingerprint(gce: Gce) -> None:
    _health_check(gce)
    _service(gce)
    current = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="bs")
    stale = compute_v1.BackendService(current)
    stale.fingerprint = "AAAAAAAAAAA="
    stale.session_affinity = "CLIENT_IP"
    with pytest.raises(exceptions.PreconditionFailed) as caught:
        gce.backend_services.update(
            project=PROJECT, region=REGION, backend_service="bs", backend_service_resource=stale
        )
    assert caught.value.errors[0]["reason"] == "conditionNotMet"
    with pytest.raises(exceptions.PreconditionFailed):
        gce.backend_services.patch(
            project=PROJECT, region=REGION, backend_service="bs", backend_service_resource=stale
        )

    fresh = compute_v1.BackendService(current)
    fresh.session_affinity = "CLIENT_IP"
    fresh.health_checks = [gce.link(R, "healthChecks", "hc")]
    gce.done(
        gce.backend_services.update(
            project=PROJECT, region=REGION, backend_service="bs", backend_service_resource=fresh
        )
    )
    after = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="bs")
    assert after.session_affinity == "CLIENT_IP"
    assert after.fingerprint != current.fingerprint
    assert after.id == current.id
    # Reusing the old fingerprint now fails.
    with pytest.raises(exceptions.PreconditionFailed):
        gce.backend_services.update(
            project=PROJECT, region=REGION, backend_service="bs", backend_service_resource=fresh
        )
    # A patch without fingerprint merges the given fields only.
    gce.done(
        gce.backend_services.patch(
            project=PROJECT,
            region=REGION,
            backend_service="bs",
            backend_service_resource=compute_v1.BackendService(description="patched"),
        )
    )
    patched = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="bs")
    assert (patched.description, patched.session_affinity) == ("patched", "CLIENT_IP")
    assert list(patched.health_checks) == [gce.link(R, "healthChecks", "hc")]


def test_set_labels_fingerprint(gce: Gce, admin: Admin) -> None:
    _service(gce)
    rule = compute_v1.ForwardingRule(
        name="fr", backend_service=gce.link(R, "backendServices", "bs"), port_range="443"
    )
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    got = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="fr")
    request = compute_v1.RegionSetLabelsRequest(
        label_fingerprint=got.label_fingerprint, labels={"owner": "lbc"}
    )
    gce.done(
        gce.forwarding_rules.set_labels(
            project=PROJECT,
            region=REGION,
            resource="fr",
            region_set_labels_request_resource=request,
        )
    )
    labelled = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="fr")
    assert labelled.labels == {"owner": "lbc"}
    assert labelled.label_fingerprint != got.label_fingerprint
    with pytest.raises(exceptions.PreconditionFailed):
        gce.forwarding_rules.set_labels(
            project=PROJECT,
            region=REGION,
            resource="fr",
            region_set_labels_request_resource=request,
        )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "neither target nor backendService"),
        ({"target": "regions/us-central1/targetPools/tp", "backend_service": "BS"}, "both"),
        ({"backend_service": "BS", "port_range": "80", "ports": ["80"]}, "ports and portRange"),
        ({"backend_service": "BS", "I_p_protocol": "UDP"}, "protocol differs from the BS"),
        ({"backend_service": "BS", "load_balancing_scheme": "INTERNAL"}, "scheme differs"),
        ({"backend_service": "BS", "ports": ["1", "2", "3", "4", "5", "6"]}, "six ports"),
        ({"backend_service": "BS", "I_p_address": "203.0.113.9"}, "unreserved external IP"),
        ({"backend_service": "BS", "port_range": "90-80"}, "backwards range"),
    ],
)
def test_forwarding_rule_validation(gce: Gce, fields: dict[str, object], reason: str) -> None:
    link = _service(gce)
    resolved = {k: (link if v == "BS" else v) for k, v in fields.items()}
    rule = compute_v1.ForwardingRule(name="fr", **resolved)
    with pytest.raises(exceptions.BadRequest) as caught:
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    assert caught.value.errors[0]["reason"] == "invalid", reason


def test_port_overlap_on_a_shared_address(gce: Gce) -> None:
    link = _service(gce)
    gce.done(
        gce.addresses.insert(
            project=PROJECT, region=REGION, address_resource=compute_v1.Address(name="ip")
        )
    )
    ip = gce.link(R, "addresses", "ip")
    for name, ports in (("a", "80-90"), ("b", "85")):
        rule = compute_v1.ForwardingRule(
            name=name, backend_service=link, I_p_address=ip, port_range=ports
        )
        if name == "a":
            gce.done(
                gce.forwarding_rules.insert(
                    project=PROJECT, region=REGION, forwarding_rule_resource=rule
                )
            )
        else:
            with pytest.raises(exceptions.BadRequest):
                gce.forwarding_rules.insert(
                    project=PROJECT, region=REGION, forwarding_rule_resource=rule
                )


def test_internal_addresses_come_from_the_subnet(gce: Gce, admin: Admin) -> None:
    admin.call(
        "POST",
        "/_fake/subnets",
        {"project": PROJECT, "region": REGION, "name": "nodes", "ipCidrRange": "10.0.0.0/24"},
    )
    subnet = f"{R}/subnetworks/nodes"
    internal = compute_v1.Address(
        name="ilb", address_type="INTERNAL", subnetwork=subnet, purpose="SHARED_LOADBALANCER_VIP"
    )
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=internal))
    got = gce.addresses.get(project=PROJECT, region=REGION, address="ilb")
    assert got.address == "10.0.0.2"
    assert got.subnetwork == f"{gce.base}/{subnet}"
    pinned = compute_v1.Address(
        name="pinned", address_type="INTERNAL", subnetwork=subnet, address="10.0.0.77"
    )
    gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=pinned))
    outside = compute_v1.Address(
        name="outside", address_type="INTERNAL", subnetwork=subnet, address="10.9.0.1"
    )
    with pytest.raises(exceptions.BadRequest):
        gce.addresses.insert(project=PROJECT, region=REGION, address_resource=outside)

    service = compute_v1.BackendService(
        name="ilb-bs", load_balancing_scheme="INTERNAL", protocol="TCP"
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    rule = compute_v1.ForwardingRule(
        name="ilb-fr",
        load_balancing_scheme="INTERNAL",
        backend_service=gce.link(R, "backendServices", "ilb-bs"),
        ports=["443"],
        I_p_address="ilb",
    )
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    got_rule = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="ilb-fr")
    assert got_rule.I_p_address == "10.0.0.2"
    assert got_rule.subnetwork == f"{gce.base}/{subnet}"
    assert not got_rule.port_range
    ephemeral = compute_v1.ForwardingRule(
        name="ilb-eph",
        load_balancing_scheme="INTERNAL",
        backend_service=gce.link(R, "backendServices", "ilb-bs"),
        all_ports=True,
        subnetwork=subnet,
    )
    gce.done(
        gce.forwarding_rules.insert(
            project=PROJECT, region=REGION, forwarding_rule_resource=ephemeral
        )
    )
    got_eph = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="ilb-eph")
    assert got_eph.I_p_address not in ("10.0.0.2", "10.0.0.77")
    assert got_eph.I_p_address.startswith("10.0.0.")
    assert got_eph.all_ports


def test_instance_group_zone_must_match_region(gce: Gce) -> None:
    group = compute_v1.InstanceGroup(name="far")
    gce.done(
        gce.instance_groups.insert(
            project=PROJECT, zone="europe-west1-b", instance_group_resource=group
        )
    )
    with pytest.raises(exceptions.BadRequest):
        _service(
            gce, backends=[compute_v1.Backend(group="zones/europe-west1-b/instanceGroups/far")]
        )
    gce.done(
        gce.instance_groups.insert(project=PROJECT, zone=ZONES[0], instance_group_resource=group)
    )
    with pytest.raises(exceptions.BadRequest):
        _service(
            gce,
            backends=[
                compute_v1.Backend(
                    group=f"zones/{ZONES[0]}/instanceGroups/far", balancing_mode="UTILIZATION"
                )
            ],
        )
