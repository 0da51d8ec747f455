"""What every AWS verb needs: the API door, the VPC, the subnets and the nodes' security group.

Where it sits: built once by `providers.aws.build`, handed by the provider to `converge` and
`teardown`. The VPC (`Network`: its id and CIDRs) is read once per provider, from the
config's vpcId, else from the first subnet, and cached: a VPC's id and CIDRs practically
never change under a running cluster. `converge` needs it to create target groups and
security groups and to open the health-check port to the VPC's CIDRs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from providers.aws.api import Api
from providers.aws.subnets import Subnets


@dataclass(frozen=True, slots=True)
class Network:
    """A VPC's id and its IPv4 CIDR blocks."""

    vpc_id: str
    cidrs: tuple[str, ...]


class Networks:
    """Resolves and caches the `Network` for a configured VPC or a subnet list."""

    def __init__(self, *, api: Api, vpc_id: str | None) -> None:
        self._api = api
        self._vpc_id = vpc_id
        self._cache: dict[str, Network] = {}
        self._lock = threading.Lock()

    def get(self, subnets: Sequence[str]) -> Network:
        """The network for a load balancer in `subnets`."""
        key = self._vpc_id or subnets[0]
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            cached = self._resolve(subnets[0])
            with self._lock:
                self._cache[key] = cached
        return cached

    def _resolve(self, subnet: str) -> Network:
        api = self._api
        vpc_id = self._vpc_id
        if vpc_id is None:
            found = api.run(api.ec2.describe_subnets, SubnetIds=[subnet])["Subnets"]
            vpc_id = found[0]["VpcId"]
        vpc = api.run(api.ec2.describe_vpcs, VpcIds=[vpc_id])["Vpcs"][0]
        blocks = vpc.get("CidrBlockAssociationSet", [])
        cidrs = [b["CidrBlock"] for b in blocks if b["CidrBlockState"]["State"] == "associated"]
        return Network(vpc_id=vpc_id, cidrs=tuple(sorted(cidrs or [vpc["CidrBlock"]])))


@dataclass(frozen=True, slots=True)
class Context:
    """Shared, long-lived collaborators of one AWS provider."""

    api: Api
    networks: Networks
    node_group: str | None  # rules for NodePorts go here; None: the operator opens them
    default_subnets: tuple[str, ...]
    upstream_cluster: str  # the cluster id in the tags of what cloud-provider-aws made
    subnets: Subnets  # resolves each Service's subnets (names, discovery)
    upstream: bool  # compatibility: upstream (cloud-provider-aws's defaults)
