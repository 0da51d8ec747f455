"""Where the provider's resources live, and the links that name them (pure).

Where it sits: built once by `providers.gcp.build` from the config; the desired state
(`desired`) and every step build references with it, and compare the links the API returns
by their `projects/...` path, whatever host wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbcontroller.config import GcpProvider

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
