"""What every GCP step needs: the API door, where the provider lives, its collections.

Where it sits: built once by `providers.gcp.build`; the provider hands it to the reads
(`seen`), the steps and `teardown`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from google.cloud import compute_v1

from providers.gcp.api import Api, Collection
from providers.gcp.where import Where


@dataclass(frozen=True, slots=True)
class Context:
    """Shared, long-lived collaborators of one GCP provider, and its collections."""

    api: Api
    where: Where
    health_checks: Collection[compute_v1.HealthCheck]
    backend_services: Collection[compute_v1.BackendService]
    forwarding_rules: Collection[compute_v1.ForwardingRule]
    addresses: Collection[compute_v1.Address]
    firewalls: Collection[compute_v1.Firewall]
    # The cluster's groups are shared: one worker at a time reads and changes them, so two
    # Services never add the same instance or create the same group at once.
    groups_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, api: Api, where: Where) -> Context:
        """The context of a provider serving `where` through `api`."""
        c = api.clients
        region = {"project": where.project, "region": where.region}
        return cls(
            api=api,
            where=where,
            health_checks=Collection("healthChecks", c.health_checks, "health_check", region),
            backend_services=Collection(
                "backendServices", c.backend_services, "backend_service", region
            ),
            forwarding_rules=Collection(
                "forwardingRules", c.forwarding_rules, "forwarding_rule", region
            ),
            addresses=Collection("addresses", c.addresses, "address", region),
            firewalls=Collection("firewalls", c.firewalls, "firewall", {"project": where.project}),
        )

    def groups(self, zone: str) -> Collection[compute_v1.InstanceGroup]:
        """Unmanaged instance groups in one zone."""
        scope = {"project": self.where.project, "zone": zone}
        return Collection(
            "instanceGroups", self.api.clients.instance_groups, "instance_group", scope
        )
