"""The GCP kind of the contract suite, on the Compute fake env-up started.

Each test gets the fake reset and three instances as nodes, all in one zone (so a node change
is a change of instance-group members only; zones are tests/gcp's business). Calls are read
from the fake's own log (`tests.support.calls.GceCalls`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.api_core import exceptions
from google.cloud import compute_v1

from lbcontroller.config import GcpProvider, RateLimit
from lbcontroller.metrics import Metrics
from lbcontroller.model import Node
from lbcontroller.provider import Provider
from lbcontroller.spec import LoadBalancerRef
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin, Gce
from tests.support.builders import node
from tests.support.calls import GceCalls

from .kind import Snapshot, built

FAST = RateLimit(qps=10_000, burst=10_000)
GROUP_MEMBERS = frozenset({"instanceGroups.addInstances", "instanceGroups.removeInstances"})
ZONE = ZONES[0]


class GcpKind:
    """The backend-service network load balancer on the freshly reset fake."""

    annotations: Mapping[str, str] = {}
    backend_writes = GROUP_MEMBERS

    def __init__(self, url: str, admin: Admin, gce: Gce) -> None:
        self.url, self.gce = url, gce
        self.calls = GceCalls(admin)
        self.nodes = tuple(self._node(admin, f"node-{i}") for i in range(3))

    @staticmethod
    def _node(admin: Admin, name: str) -> Node:
        admin.instance(ZONE, name)
        return node(name, provider_id=f"gce://{PROJECT}/{ZONE}/{name}")

    def provider(self, cluster: str) -> Provider:
        """The GCP provider on the fake, with generous rate limits."""
        config = GcpProvider(
            type="gcp",
            name="gcp-test",
            project=PROJECT,
            region=REGION,
            endpoint=self.url,
            rate_limits={"read": FAST, "write": FAST},
        )
        return built(config, cluster=cluster, metrics=Metrics())

    def operation(self, call: str) -> str:
        """The fake logs calls as the provider plans them (`forwardingRules.insert`)."""
        return call

    def members(self, ref: LoadBalancerRef) -> set[str]:
        """The instances in the groups the backend service sends to."""
        service = self.gce.backend_services.get(
            project=PROJECT, region=REGION, backend_service=ref.name
        )
        names: set[str] = set()
        for backend in service.backends:
            zone, group = backend.group.split("/zones/", 1)[1].split("/instanceGroups/")
            found = self.gce.instance_groups.list_instances(
                project=PROJECT,
                zone=zone,
                instance_group=group,
                instance_groups_list_instances_request_resource=compute_v1.InstanceGroupsListInstancesRequest(),
            )
            names |= {item.instance.rsplit("/", 1)[1] for item in found}
        return names

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        """Forwarding rules, addresses, backend services, health checks and firewalls whose
        names carry `ref`'s."""
        gce = self.gce
        names = [
            *(x.name for x in gce.forwarding_rules.list(project=PROJECT, region=REGION)),
            *(x.name for x in gce.addresses.list(project=PROJECT, region=REGION)),
            *(x.name for x in gce.backend_services.list(project=PROJECT, region=REGION)),
            *(x.name for x in gce.health_checks.list(project=PROJECT, region=REGION)),
            *(x.name for x in gce.firewalls.list(project=PROJECT)),
        ]
        return sorted(name for name in names if name.startswith(ref.name))

    def look_alike(self, ref: LoadBalancerRef) -> Snapshot:
        """A same-named backend service and its health check, described by hand."""
        check = compute_v1.HealthCheck(
            name=ref.name,
            description="made by hand",
            type_="TCP",
            tcp_health_check=compute_v1.TCPHealthCheck(port=8080),
        )
        self.gce.done(
            self.gce.health_checks.insert(
                project=PROJECT, region=REGION, health_check_resource=check
            )
        )
        service = compute_v1.BackendService(
            name=ref.name,
            description="made by hand",
            protocol="TCP",
            load_balancing_scheme="EXTERNAL",
            health_checks=[f"projects/{PROJECT}/regions/{REGION}/healthChecks/{ref.name}"],
        )
        self.gce.done(
            self.gce.backend_services.insert(
                project=PROJECT, region=REGION, backend_service_resource=service
            )
        )
        return lambda: self._described(ref.name)

    def _described(self, name: str) -> list[dict[str, Any]]:
        gce = self.gce
        try:
            return [
                compute_v1.HealthCheck.to_dict(
                    gce.health_checks.get(project=PROJECT, region=REGION, health_check=name)
                ),
                compute_v1.BackendService.to_dict(
                    gce.backend_services.get(project=PROJECT, region=REGION, backend_service=name)
                ),
            ]
        except exceptions.NotFound:
            return []

    def close(self) -> None:
        """Nothing: the fake is reset before the next test."""
