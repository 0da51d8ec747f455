"""Where the GCP provider lives, its Compute clients and rate limits, and the `Context` that
carries them (with the `api.Api` door) to every step.

Where it sits: `providers.gcp.build` makes the clients, the token buckets and the `Where` from
the config entry, wraps the clients in an `api.Api` and hands the provider one `Context`; the
reads, the steps, `ownership` and `teardown` take everything from it. `Where` and the link
helpers are pure: the desired state and every step build references with them and compare the
links the API returns by their `projects/...` path, whatever host wrote them. With an endpoint
override (tests, the demo) every client, the operations clients included, talks to that
endpoint with anonymous credentials; without one the SDK finds its own credentials
(application default credentials). Credentials never come from the config.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from lbcontroller.config import GcpProvider, RateLimit
from lbcontroller.ratelimit import Family, TokenBucket, build_buckets
from providers.gcp.legacy import HttpHealthChecksClient, Legacy

if TYPE_CHECKING:
    # api imports Clients and Collection from here; Context names Api in annotations only
    from providers.gcp.api import Api

R = TypeVar("R")

BASE = "https://www.googleapis.com/compute/v1/"


def path(link: str) -> str:
    """The `projects/...` part of a full or partial resource link ("" for an empty one)."""
    at = link.find("projects/")
    return link[at:] if at >= 0 else link


def last(link: str) -> str:
    """The last segment of a link: a resource, zone or region name."""
    return link.rsplit("/", 1)[-1]


def _absolute(value: str, project: str, prefix: str) -> str:
    if "/" not in value:
        return f"{BASE}projects/{project}/{prefix}/{value}"
    return BASE + path(value) if "projects/" in value else BASE + value


@dataclass(frozen=True, slots=True)
class Where:
    """The cluster, project and region the provider serves, and its network."""

    cluster: str
    project: str
    region: str
    network: str  # a full link
    subnetwork: str | None  # a full link; None: the region's default for the network
    upstream_cluster: str | None = None  # cloud-provider-gcp's cluster id (upstreamClusterId)

    @classmethod
    def of(cls, config: GcpProvider, *, cluster: str) -> Where:
        """From the provider's config entry (network and subnetwork: names or paths)."""
        region = f"regions/{config.region}/subnetworks"
        subnet = config.subnetwork
        return cls(
            cluster=cluster,
            project=config.project,
            region=config.region,
            network=_absolute(config.network, config.project, "global/networks"),
            subnetwork=None if subnet is None else _absolute(subnet, config.project, region),
            upstream_cluster=config.upstream_cluster_id,
        )

    def regional(self, collection: str, name: str) -> str:
        """The link of a regional resource."""
        return f"{BASE}projects/{self.project}/regions/{self.region}/{collection}/{name}"

    def zonal(self, zone: str, collection: str, name: str) -> str:
        """The link of a zonal resource."""
        return f"{BASE}projects/{self.project}/zones/{zone}/{collection}/{name}"

    def subnet(self, name: str) -> str:
        """The link of a subnetwork of the region, by name."""
        return self.regional("subnetworks", name)

    def instance(self, provider_id: str) -> tuple[str, str] | None:
        """(zone, instance) of a node's `gce://project/zone/instance`, when it is ours to serve.

        Nodes of another cloud, project or region (a hybrid cluster) are not.
        """
        scheme, _, rest = provider_id.partition("://")
        parts = rest.split("/")
        if scheme != "gce" or len(parts) != 3 or parts[0] != self.project or not all(parts):
            return None
        zone, instance = parts[1], parts[2]
        return (zone, instance) if zone.rsplit("-", 1)[0] == self.region else None


# Compute Engine's default quotas are per minute and per project (read and write requests
# counted apart); these keep one controller well inside them.
DEFAULT_LIMITS = {"read": Family(qps=20, burst=100), "write": Family(qps=5, burst=20)}


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """One token bucket per family: the defaults, overridden by `rateLimits` in the config."""
    return build_buckets(DEFAULT_LIMITS, limits)


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
    subnetworks: compute_v1.SubnetworksClient  # read only: has the subnetwork IPv6?
    # what cloud-provider-gcp made and lbcontroller only reads and deletes
    target_pools: compute_v1.TargetPoolsClient
    global_health_checks: compute_v1.HealthChecksClient
    http_health_checks: HttpHealthChecksClient
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
    pools = compute_v1.TargetPoolsClient(**options)
    return Clients(
        project=config.project,
        addresses=compute_v1.AddressesClient(**options),
        forwarding_rules=compute_v1.ForwardingRulesClient(**options),
        backend_services=compute_v1.RegionBackendServicesClient(**options),
        health_checks=compute_v1.RegionHealthChecksClient(**options),
        instance_groups=compute_v1.InstanceGroupsClient(**options),
        firewalls=compute_v1.FirewallsClient(**options),
        subnetworks=compute_v1.SubnetworksClient(**options),
        target_pools=pools,
        global_health_checks=compute_v1.HealthChecksClient(**options),
        http_health_checks=HttpHealthChecksClient(pools.transport),
        region_ops=compute_v1.RegionOperationsClient(**options),
        zone_ops=compute_v1.ZoneOperationsClient(**options),
        global_ops=compute_v1.GlobalOperationsClient(**options),
    )


@dataclass(frozen=True, slots=True)
class Collection(Generic[R]):
    """One Compute collection in one scope: its client, the SDK's field name, the scope."""

    name: str  # the API's collection name, e.g. forwardingRules (metrics, plans)
    client: Any
    field: str  # e.g. forwarding_rule
    scope: Mapping[str, str]  # project, and region or zone when not global

    def operation(self, verb: str) -> str:
        """The API operation name, e.g. forwardingRules.insert."""
        return f"{self.name}.{verb}"


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
    subnetworks: Collection[compute_v1.Subnetwork]
    target_pools: Collection[compute_v1.TargetPool]
    global_health_checks: Collection[compute_v1.HealthCheck]
    http_health_checks: Collection[Legacy]
    # The cluster's groups are shared: one worker at a time reads and changes them, so two
    # Services never add the same instance or create the same group at once.
    instance_groups_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, api: Api, where: Where) -> Context:
        """The context of a provider serving `where` through `api`."""
        c = api.clients
        region = {"project": where.project, "region": where.region}
        project = {"project": where.project}
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
            firewalls=Collection("firewalls", c.firewalls, "firewall", project),
            subnetworks=Collection("subnetworks", c.subnetworks, "subnetwork", region),
            target_pools=Collection("targetPools", c.target_pools, "target_pool", region),
            global_health_checks=Collection(
                "healthChecks", c.global_health_checks, "health_check", project
            ),
            http_health_checks=Collection(
                "httpHealthChecks", c.http_health_checks, "http_health_check", project
            ),
        )

    def instance_groups(self, zone: str) -> Collection[compute_v1.InstanceGroup]:
        """Unmanaged instance groups in one zone."""
        scope = {"project": self.where.project, "zone": zone}
        return Collection(
            "instanceGroups", self.api.clients.instance_groups, "instance_group", scope
        )
