"""Read-only views of what the fake holds, for assertions (plain SDK clients, no provider)."""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions
from google.cloud import compute_v1

from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Gce

GROUP = "k8s-ig-test"


def rules(gce: Gce) -> dict[str, compute_v1.ForwardingRule]:
    """Every forwarding rule in the region, by name."""
    return {r.name: r for r in gce.forwarding_rules.list(project=PROJECT, region=REGION)}


def addresses(gce: Gce) -> dict[str, compute_v1.Address]:
    """Every address in the region, by name."""
    return {a.name: a for a in gce.addresses.list(project=PROJECT, region=REGION)}


def firewalls(gce: Gce) -> dict[str, compute_v1.Firewall]:
    """Every firewall rule, by name."""
    return {f.name: f for f in gce.firewalls.list(project=PROJECT)}


def backend(gce: Gce, name: str) -> compute_v1.BackendService | None:
    """The backend service, or None."""
    try:
        return gce.backend_services.get(project=PROJECT, region=REGION, backend_service=name)
    except exceptions.NotFound:
        return None


def health(gce: Gce, name: str) -> compute_v1.HealthCheck | None:
    """The health check, or None."""
    try:
        return gce.health_checks.get(project=PROJECT, region=REGION, health_check=name)
    except exceptions.NotFound:
        return None


def members(gce: Gce, zone: str, group: str = GROUP) -> set[str] | None:
    """The instance names in a zone's group, or None when there is no group."""
    try:
        found = gce.instance_groups.list_instances(
            project=PROJECT,
            zone=zone,
            instance_group=group,
            instance_groups_list_instances_request_resource=compute_v1.InstanceGroupsListInstancesRequest(),
        )
        return {item.instance.rsplit("/", 1)[-1] for item in found}
    except exceptions.NotFound:
        return None


def everything(gce: Gce) -> dict[str, Any]:
    """A snapshot of every resource kind the provider touches (as dicts), for before/after."""
    groups = {
        zone: [
            compute_v1.InstanceGroup.to_dict(g)
            for g in gce.instance_groups.list(project=PROJECT, zone=zone)
        ]
        for zone in (*ZONES, "us-central1-c")
    }
    return {
        "rules": {n: compute_v1.ForwardingRule.to_dict(r) for n, r in rules(gce).items()},
        "addresses": {n: compute_v1.Address.to_dict(a) for n, a in addresses(gce).items()},
        "firewalls": {n: compute_v1.Firewall.to_dict(f) for n, f in firewalls(gce).items()},
        "backends": [
            compute_v1.BackendService.to_dict(b)
            for b in gce.backend_services.list(project=PROJECT, region=REGION)
        ],
        "checks": [
            compute_v1.HealthCheck.to_dict(h)
            for h in gce.health_checks.list(project=PROJECT, region=REGION)
        ],
        "groups": groups,
    }
