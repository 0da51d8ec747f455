"""A whole external passthrough network load balancer, built, read back and torn down."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, ZONES, Admin, Gce

R = f"regions/{REGION}"


def _instances_and_groups(gce: Gce, admin: Admin) -> list[str]:
    """Two instances in each of two zones, one unmanaged group per zone; the group links."""
    groups = []
    for zone in ZONES:
        members = []
        for index in range(2):
            node = admin.instance(zone, f"node-{zone[-1]}-{index}")
            members.append(compute_v1.InstanceReference(instance=node["selfLink"]))
        group = compute_v1.InstanceGroup(name=f"k8s-ig-{zone[-1]}", description="nodes")
        gce.done(
            gce.instance_groups.insert(project=PROJECT, zone=zone, instance_group_resource=group)
        )
        request = compute_v1.InstanceGroupsAddInstancesRequest(instances=members)
        gce.done(
            gce.instance_groups.add_instances(
                project=PROJECT,
                zone=zone,
                instance_group=group.name,
                instance_groups_add_instances_request_resource=request,
            )
        )
        groups.append(gce.link(f"zones/{zone}", "instanceGroups", group.name))
    return groups


def test_external_network_lb_lifecycle(gce: Gce, admin: Admin) -> None:
    groups = _instances_and_groups(gce, admin)

    gce.done(
        gce.addresses.insert(
            project=PROJECT,
            region=REGION,
            address_resource=compute_v1.Address(name="lb-ip", description="svc default/web"),
        )
    )
    address = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ip")
    assert address.self_link == gce.link(R, "addresses", "lb-ip")
    assert address.status == "RESERVED"
    assert address.address_type == "EXTERNAL"
    assert address.address.startswith("198.18.")
    assert address.region == f"{gce.base}/{R}"
    assert int(address.id) > 0

    check = compute_v1.HealthCheck(
        name="lb-hc",
        type_="TCP",
        tcp_health_check=compute_v1.TCPHealthCheck(port=10256),
        check_interval_sec=8,
        timeout_sec=1,
    )
    gce.done(gce.health_checks.insert(project=PROJECT, region=REGION, health_check_resource=check))
    check_link = gce.link(R, "healthChecks", "lb-hc")

    service = compute_v1.BackendService(
        name="lb-bs",
        load_balancing_scheme="EXTERNAL",
        protocol="UNSPECIFIED",
        health_checks=[f"projects/{PROJECT}/{R}/healthChecks/lb-hc"],
        backends=[compute_v1.Backend(group=g) for g in groups],
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    service_link = gce.link(R, "backendServices", "lb-bs")
    got = gce.backend_services.get(project=PROJECT, region=REGION, backend_service="lb-bs")
    assert got.self_link == service_link
    assert list(got.health_checks) == [check_link]
    assert [b.group for b in got.backends] == groups
    assert {b.balancing_mode for b in got.backends} == {"CONNECTION"}
    assert got.fingerprint

    tcp = compute_v1.ForwardingRule(
        name="lb-tcp",
        I_p_address=address.self_link,
        I_p_protocol="TCP",
        port_range="80",
        backend_service=service_link,
        load_balancing_scheme="EXTERNAL",
        labels={"service": "web"},
        description='{"kubernetes.io/service-name":"default/web"}',
    )
    udp = compute_v1.ForwardingRule(
        name="lb-udp",
        I_p_address=address.address,
        I_p_protocol="UDP",
        ports=["53", "5353"],
        backend_service=service_link,
    )
    for rule in (tcp, udp):
        gce.done(
            gce.forwarding_rules.insert(
                project=PROJECT, region=REGION, forwarding_rule_resource=rule
            )
        )
    got_tcp = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="lb-tcp")
    got_udp = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="lb-udp")
    assert got_tcp.self_link == gce.link(R, "forwardingRules", "lb-tcp")
    assert got_tcp.port_range == "80-80"
    assert got_tcp.I_p_address == got_udp.I_p_address == address.address
    assert got_tcp.backend_service == got_udp.backend_service == service_link
    assert got_tcp.labels == {"service": "web"}
    assert got_tcp.label_fingerprint
    assert got_tcp.description == tcp.description
    assert list(got_udp.ports) == ["53", "5353"]
    assert got_udp.load_balancing_scheme == "EXTERNAL"
    assert got_udp.network_tier == "PREMIUM"

    address = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ip")
    assert address.status == "IN_USE"
    assert sorted(address.users) == [got_tcp.self_link, got_udp.self_link]

    firewall = compute_v1.Firewall(
        name="k8s-fw-web",
        network="global/networks/default",
        source_ranges=["0.0.0.0/0"],
        target_tags=["k8s-node"],
        allowed=[
            compute_v1.Allowed(I_p_protocol="tcp", ports=["80"]),
            compute_v1.Allowed(I_p_protocol="udp", ports=["53", "5353"]),
        ],
    )
    gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=firewall))
    got_fw = gce.firewalls.get(project=PROJECT, firewall="k8s-fw-web")
    assert got_fw.self_link == gce.link("global", "firewalls", "k8s-fw-web")
    assert got_fw.network == f"{gce.base}/global/networks/default"
    assert got_fw.direction == "INGRESS"
    assert got_fw.priority == 1000

    health = gce.backend_services.get_health(
        project=PROJECT,
        region=REGION,
        backend_service="lb-bs",
        resource_group_reference_resource=compute_v1.ResourceGroupReference(group=groups[0]),
    )
    assert {s.health_state for s in health.health_status} == {"HEALTHY"}

    # Everything in use refuses to go.
    in_use: list[Callable[[], object]] = [
        lambda: gce.addresses.delete(project=PROJECT, region=REGION, address="lb-ip"),
        lambda: gce.backend_services.delete(
            project=PROJECT, region=REGION, backend_service="lb-bs"
        ),
        lambda: gce.health_checks.delete(project=PROJECT, region=REGION, health_check="lb-hc"),
        lambda: gce.instance_groups.delete(
            project=PROJECT, zone=ZONES[0], instance_group="k8s-ig-a"
        ),
    ]
    for delete in in_use:
        with pytest.raises(exceptions.BadRequest) as caught:
            delete()
        assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"

    # Teardown in dependency order.
    gce.done(gce.firewalls.delete(project=PROJECT, firewall="k8s-fw-web"))
    gce.done(gce.forwarding_rules.delete(project=PROJECT, region=REGION, forwarding_rule="lb-udp"))
    address = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ip")
    assert (address.status, list(address.users)) == ("IN_USE", [got_tcp.self_link])
    gce.done(gce.forwarding_rules.delete(project=PROJECT, region=REGION, forwarding_rule="lb-tcp"))
    address = gce.addresses.get(project=PROJECT, region=REGION, address="lb-ip")
    assert (address.status, list(address.users)) == ("RESERVED", [])
    gce.done(gce.backend_services.delete(project=PROJECT, region=REGION, backend_service="lb-bs"))
    gce.done(gce.health_checks.delete(project=PROJECT, region=REGION, health_check="lb-hc"))
    for zone in ZONES:
        gce.done(
            gce.instance_groups.delete(
                project=PROJECT, zone=zone, instance_group=f"k8s-ig-{zone[-1]}"
            )
        )
    gce.done(gce.addresses.delete(project=PROJECT, region=REGION, address="lb-ip"))
    with pytest.raises(exceptions.NotFound):
        gce.addresses.get(project=PROJECT, region=REGION, address="lb-ip")
    assert list(gce.forwarding_rules.list(project=PROJECT, region=REGION)) == []


def test_instance_group_membership_and_paginated_listing(gce: Gce, admin: Admin) -> None:
    zone = ZONES[0]
    links = [admin.instance(zone, f"node-{i}")["selfLink"] for i in range(3)]
    group = compute_v1.InstanceGroup(name="ig")
    gce.done(gce.instance_groups.insert(project=PROJECT, zone=zone, instance_group_resource=group))
    add = compute_v1.InstanceGroupsAddInstancesRequest(
        instances=[compute_v1.InstanceReference(instance=link) for link in links]
    )
    result = gce.done(
        gce.instance_groups.add_instances(
            project=PROJECT,
            zone=zone,
            instance_group="ig",
            instance_groups_add_instances_request_resource=add,
        )
    )
    assert result.operation_type == "addInstances"
    assert result.zone == f"{gce.base}/zones/{zone}"
    got = gce.instance_groups.get(project=PROJECT, zone=zone, instance_group="ig")
    assert got.size == 3
    assert got.network == f"{gce.base}/global/networks/default"

    everything = compute_v1.InstanceGroupsListInstancesRequest(instance_state="ALL")
    pager = gce.instance_groups.list_instances(
        request=compute_v1.ListInstancesInstanceGroupsRequest(
            project=PROJECT,
            zone=zone,
            instance_group="ig",
            max_results=1,
            instance_groups_list_instances_request_resource=everything,
        )
    )
    pages = list(pager.pages)
    assert [len(page.items) for page in pages] == [1, 1, 1]
    assert sorted(page.items[0].instance for page in pages) == sorted(links)
    assert all(page.items[0].status == "RUNNING" for page in pages)

    with pytest.raises(exceptions.BadRequest) as caught:
        gce.instance_groups.add_instances(
            project=PROJECT,
            zone=zone,
            instance_group="ig",
            instance_groups_add_instances_request_resource=add,
        )
    assert caught.value.errors[0]["reason"] == "memberAlreadyExists"

    remove = compute_v1.InstanceGroupsRemoveInstancesRequest(
        instances=[compute_v1.InstanceReference(instance=links[1])]
    )
    gce.done(
        gce.instance_groups.remove_instances(
            project=PROJECT,
            zone=zone,
            instance_group="ig",
            instance_groups_remove_instances_request_resource=remove,
        )
    )
    left = gce.instance_groups.list_instances(
        project=PROJECT,
        zone=zone,
        instance_group="ig",
        instance_groups_list_instances_request_resource=everything,
    )
    assert sorted(item.instance for item in left) == [links[0], links[2]]

    node = gce.instances.get(project=PROJECT, zone=zone, instance="node-0")
    assert node.self_link == links[0]
    assert node.network_interfaces[0].network_i_p.startswith("10.")
    with pytest.raises(exceptions.NotFound):
        gce.instances.get(project=PROJECT, zone=zone, instance="missing")
