"""Which subnets a load balancer goes in: the annotation's (ids or `Name` tags), else the
configured ones, else the ones cloud-provider-aws would discover.

Where it sits: the provider resolves a Service's subnets (`Subnets.resolve`) after `validate`
and before the desired state is computed; for a dualstack NLB it also asks which of them have
no IPv6 CIDR block (`Subnets.without_ipv6`, see `families`). Ids cost no call; names,
discovery and IPv6 blocks are read, then kept for `CACHE_SECONDS` (a steady-state ensure reads
nothing more).
Names are `Name` tags, each of which must name exactly one subnet (in the provider's VPC when
its `vpcId` is set), as upstream resolves them.
Discovery follows upstream's `findELBSubnets` (`pick`, pure): the candidates are the VPC's
subnets tagged `kubernetes.io/cluster/<upstream cluster id>` (any value) or with no
`kubernetes.io/cluster/` tag at all; an internet-facing load balancer takes only public ones
(their route table, the explicit one or else the VPC's main one, routes to an `igw-`
gateway); one subnet per availability zone, a tie going to the one with the role tag
(`kubernetes.io/role/elb`, or `kubernetes.io/role/internal-elb` when internal), then to the one
with the cluster tag, then to the lower id; zones that are not of type `availability-zone`
(Local and Wavelength Zones) are left out; zones in name order. The VPC is the provider's
`vpcId`; without it, the subnets tagged with the cluster must all be in one VPC, which is then
used (upstream knows its own VPC; the difference is listed in the README).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lbcontroller.errors import PermanentError
from providers.aws.api import Api
from providers.aws.options import SUBNETS, AwsOptions
from providers.aws.ownership import cluster_key, to_dict

CACHE_SECONDS = 300.0
CLUSTER_PREFIX = "kubernetes.io/cluster/"
ROLE_ELB, ROLE_INTERNAL_ELB = "kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"
REGULAR_ZONE = "availability-zone"


def _table_of(subnet_id: str, tables: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The subnet's route table: its explicit association, else the VPC's main table."""
    for wanted in (lambda a: a.get("SubnetId") == subnet_id, lambda a: bool(a.get("Main"))):
        for table in tables:
            if any(wanted(assoc) for assoc in table.get("Associations", [])):
                return table
    return None


def public(subnet_id: str, tables: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the subnet routes to an internet gateway (upstream's `isSubnetPublic`)."""
    table = _table_of(subnet_id, tables)
    if table is None:
        raise PermanentError(f"no route table found for subnet {subnet_id}", field=SUBNETS)
    return any(str(r.get("GatewayId", "")).startswith("igw") for r in table.get("Routes", []))


def candidate(tags: Mapping[str, str], cluster: str) -> bool:
    """Tagged with the cluster (any value), or with no cluster tag at all (upstream's rule)."""
    return cluster_key(cluster) in tags or not any(k.startswith(CLUSTER_PREFIX) for k in tags)


def _rank(subnet: Mapping[str, Any], *, role: str, cluster: str) -> tuple[bool, bool, str]:
    """Lowest wins: the role tag, then the cluster tag, then the lower id."""
    tags = to_dict(subnet.get("Tags", []))
    return (role not in tags, cluster_key(cluster) not in tags, str(subnet["SubnetId"]))


def pick(
    subnets: Sequence[Mapping[str, Any]],
    tables: Sequence[Mapping[str, Any]],
    zone_types: Mapping[str, str],
    *,
    internal: bool,
    cluster: str,
) -> tuple[str, ...]:
    """One subnet per regular zone, chosen as cloud-provider-aws chooses (see the module)."""
    role = ROLE_INTERNAL_ELB if internal else ROLE_ELB
    best: dict[str, Mapping[str, Any]] = {}
    for subnet in subnets:
        zone = str(subnet.get("AvailabilityZone", ""))
        if not candidate(to_dict(subnet.get("Tags", [])), cluster) or not zone:
            continue
        if not internal and not public(str(subnet["SubnetId"]), tables):
            continue
        held = best.get(zone)
        if held is None or _rank(subnet, role=role, cluster=cluster) < _rank(
            held, role=role, cluster=cluster
        ):
            best[zone] = subnet
    regular = (z for z in sorted(best) if zone_types.get(z, REGULAR_ZONE) == REGULAR_ZONE)
    return tuple(str(best[zone]["SubnetId"]) for zone in regular)


GONE = frozenset({"disassociating", "disassociated", "failing", "failed"})


def has_ipv6(subnet: Mapping[str, Any]) -> bool:
    """Whether the subnet holds an IPv6 CIDR block that is not going away.

    Read as "not gone" rather than "associated": moto 5.2.5 reports a subnet block's state as
    the text of a dict (`"{'State': 'associated'}"`) where AWS (and LocalStack) say `associated`.
    """
    blocks = subnet.get("Ipv6CidrBlockAssociationSet", [])
    return any(
        b.get("Ipv6CidrBlock") and b.get("Ipv6CidrBlockState", {}).get("State") not in GONE
        for b in blocks
    )


class Subnets:
    """Resolves a Service's subnets (see the module), caching what it had to read."""

    def __init__(
        self,
        *,
        api: Api,
        vpc_id: str | None,
        configured: Sequence[str],
        cluster: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._vpc_id = vpc_id
        self._configured = tuple(configured)
        self._cluster = cluster
        self._clock = clock
        self._cache: dict[object, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def resolve(self, options: AwsOptions) -> tuple[str, ...]:
        """The subnets of a load balancer with these options; PermanentError when none."""
        if options.subnets and all(s.startswith("subnet-") for s in options.subnets):
            return options.subnets
        if options.subnets:
            return self._cached(options.subnets, lambda: self._by_name(options.subnets))
        if self._configured:
            return self._configured
        return self._cached(options.internal, lambda: self._discover(internal=options.internal))

    def without_ipv6(self, subnets: tuple[str, ...]) -> tuple[str, ...]:
        """Those of `subnets` with no IPv6 CIDR block (read once, then cached like names)."""
        return self._cached(("ipv6", subnets), lambda: self._ipv6_less(subnets))

    def _ipv6_less(self, subnets: tuple[str, ...]) -> tuple[str, ...]:
        api = self._api
        found = api.collect(api.ec2.describe_subnets, "Subnets", SubnetIds=list(subnets))
        having = {str(s["SubnetId"]) for s in found if has_ipv6(s)}
        return tuple(s for s in subnets if s not in having)

    def _cached(self, key: object, read: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        found = read()
        with self._lock:
            self._cache[key] = (now, found)
        return found

    def _vpc_filter(self, vpc_id: str | None) -> list[Any]:
        return [] if vpc_id is None else [{"Name": "vpc-id", "Values": [vpc_id]}]

    def _by_name(self, items: Sequence[str]) -> tuple[str, ...]:
        names = [item for item in items if not item.startswith("subnet-")]
        found = self._api.collect(
            self._api.ec2.describe_subnets,
            "Subnets",
            Filters=[{"Name": "tag:Name", "Values": names}, *self._vpc_filter(self._vpc_id)],
        )
        by_name: dict[str, list[str]] = {}
        for subnet in found:
            by_name.setdefault(to_dict(subnet.get("Tags", [])).get("Name", ""), []).append(
                str(subnet["SubnetId"])
            )
        unresolved = [name for name in names if len(by_name.get(name, [])) != 1]
        if unresolved:
            raise PermanentError(
                f"{SUBNETS}: no single subnet is named {', '.join(unresolved)}", field=SUBNETS
            )
        return tuple(item if item.startswith("subnet-") else by_name[item][0] for item in items)

    def _discover(self, *, internal: bool) -> tuple[str, ...]:
        api, vpc_id = self._api, self._vpc_id
        tagged = [] if vpc_id else [{"Name": "tag-key", "Values": [cluster_key(self._cluster)]}]
        subnets = api.collect(
            api.ec2.describe_subnets, "Subnets", Filters=[*self._vpc_filter(vpc_id), *tagged]
        )
        vpcs = {str(s["VpcId"]) for s in subnets}
        if len(vpcs) > 1:
            raise PermanentError(
                f"subnets tagged {cluster_key(self._cluster)} are in several VPCs "
                f"({', '.join(sorted(vpcs))}): set the provider's vpcId or subnets",
                field=SUBNETS,
            )
        chosen: tuple[str, ...] = ()
        if vpcs:
            chosen = self._choose(subnets, vpcs.pop(), internal=internal)
        if not chosen:
            raise PermanentError(
                f"no subnets: set {SUBNETS} or the provider's subnets, or tag subnets "
                f"{ROLE_INTERNAL_ELB if internal else ROLE_ELB} and {cluster_key(self._cluster)}",
                field=SUBNETS,
            )
        return chosen

    def _choose(self, subnets: list[Any], vpc_id: str, *, internal: bool) -> tuple[str, ...]:
        api = self._api
        tables = api.collect(
            api.ec2.describe_route_tables, "RouteTables", Filters=self._vpc_filter(vpc_id)
        )
        zone_names = sorted({str(s["AvailabilityZone"]) for s in subnets})
        zones = api.run(api.ec2.describe_availability_zones, ZoneNames=zone_names)
        zone_types = {
            str(z["ZoneName"]): str(z.get("ZoneType", REGULAR_ZONE))
            for z in zones["AvailabilityZones"]
        }
        return pick(subnets, tables, zone_types, internal=internal, cluster=self._cluster)
