"""The google-cloud-compute clients and the token buckets of one GCP provider.

Where it sits: `providers.gcp.build` makes both once per config entry and hands them to
`api.Api`. With an endpoint override (tests, the demo) every client, the operations clients
included, talks to that endpoint with anonymous credentials; without one the SDK finds its own
credentials (application default credentials). Credentials never come from the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from lbcontroller.config import GcpProvider, RateLimit
from lbcontroller.ratelimit import TokenBucket

# Compute Engine's default quotas are per minute and per project (read and write requests
# counted apart); these keep one controller well inside them.
DEFAULT_LIMITS = {
    "read": RateLimit(qps=20, burst=100),
    "write": RateLimit(qps=5, burst=20),
}


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """One token bucket per family: the defaults, overridden by `rateLimits` in the config."""
    merged = {**DEFAULT_LIMITS, **limits}
    if merged.keys() != DEFAULT_LIMITS.keys():
        unknown = sorted(merged.keys() - DEFAULT_LIMITS.keys())
        raise ValueError(f"rateLimits: unknown API families {unknown} (expected read, write)")
    return {family: TokenBucket(rate.qps, rate.burst) for family, rate in merged.items()}


@dataclass(frozen=True, slots=True)
class Clients:
    """One client per Compute collection the provider uses, all on the same endpoint."""

    project: str  # the operations clients' scope
    addresses: compute_v1.AddressesClient
    forwarding_rules: compute_v1.ForwardingRulesClient
    backend_services: compute_v1.RegionBackendServicesClient
    health_checks: compute_v1.RegionHealthChecksClient
    instance_groups: compute_v1.InstanceGroupsClient
    firewalls: compute_v1.FirewallsClient
    region_ops: compute_v1.RegionOperationsClient
    zone_ops: compute_v1.ZoneOperationsClient
    global_ops: compute_v1.GlobalOperationsClient

    def close(self) -> None:
        """Close every client's HTTP session."""
        for item in fields(self):
            client = getattr(self, item.name)
            if hasattr(client, "transport"):
                client.transport.close()


def make_clients(config: GcpProvider) -> Clients:
    """Clients for the configured project, region and endpoint."""
    options: dict[str, Any] = {}
    if config.endpoint:
        options = {
            "client_options": {"api_endpoint": config.endpoint},
            "credentials": AnonymousCredentials(),  # type: ignore[no-untyped-call]
        }
    return Clients(
        project=config.project,
        addresses=compute_v1.AddressesClient(**options),
        forwarding_rules=compute_v1.ForwardingRulesClient(**options),
        backend_services=compute_v1.RegionBackendServicesClient(**options),
        health_checks=compute_v1.RegionHealthChecksClient(**options),
        instance_groups=compute_v1.InstanceGroupsClient(**options),
        firewalls=compute_v1.FirewallsClient(**options),
        region_ops=compute_v1.RegionOperationsClient(**options),
        zone_ops=compute_v1.ZoneOperationsClient(**options),
        global_ops=compute_v1.GlobalOperationsClient(**options),
    )
