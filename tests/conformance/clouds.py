"""Each cloud as the conformance cases see it: how its Services are annotated, and what its
stand-in holds for one Service's load balancer, read through the cloud's own SDK.

Where it sits: `conftest.py` builds one `Cloud` per parametrized cloud (the stand-in's world,
its nodes and a running controller); the cases create Services through the API server and
compare `seen(ref)` (a `Seen`, the same shape on every cloud) with what the upstream test
expects of the data plane. Nothing here reads the provider's code or state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import botocore.exceptions
import openstack.exceptions
from google.api_core import exceptions
from google.cloud import compute_v1

from lbcontroller.spec import LoadBalancerRef
from providers.aws.security_groups import marker
from tests.aws.conftest import World
from tests.aws.views import rules
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Gce
from tests.devenv.openstack_env.support import wait_gone, wait_status
from tests.gcp import views as gcp_views
from tests.openstack import views as os_views

# What a read meets when the controller deletes a part of the load balancer between two of
# its calls (a target group, a pool, a health check): the reader looks again.
RACES: tuple[type[Exception], ...] = (
    botocore.exceptions.ClientError,
    openstack.exceptions.NotFoundException,
    exceptions.NotFound,
)
Port = tuple[str, int, int | None]  # protocol, port, the node port it goes to (None: the port)
EVERYONE = frozenset({"0.0.0.0/0"})


@dataclass(frozen=True)
class Seen:
    """One load balancer as its cloud holds it."""

    address: str  # the IP or DNS name that carries it
    ports: frozenset[Port]
    health: tuple[str, int, str]  # protocol, port, path of the check the nodes answer
    interval: int  # seconds between health checks
    ranges: frozenset[str]  # who may reach it
    affinity: str  # Kubernetes' words: "ClientIP" or "None"
    internal: bool
    members: frozenset[str] = field(default_factory=frozenset)  # node names


class Cloud(Protocol):
    """One cloud's stand-in, as the cases need it."""

    name: str
    annotations: Mapping[str, str]  # what every Service of this cloud carries
    internal: Mapping[str, str]  # what makes a load balancer internal
    needs_node_ports: bool
    has_affinity: bool

    def seen(self, ref: LoadBalancerRef) -> Seen | None:
        """The load balancer of `ref`, or None while there is none."""
        ...

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        """The cloud resources named or marked as `ref`'s that exist."""
        ...

    def drift_interval(self, ref: LoadBalancerRef, seconds: int) -> None:
        """Change the health check's interval behind the controller's back."""
        ...

    def reserve_ip(self) -> str | None:
        """An address the user holds, for `spec.loadBalancerIP` (None: the cloud takes none)."""
        ...


def _check(target: str) -> tuple[str, int, str]:
    """A classic ELB's `HTTP:10256/healthz` as (protocol, port, path)."""
    protocol, rest = target.split(":", 1)
    port, _, path = rest.partition("/")
    return protocol, int(port), f"/{path}" if path else ""


@dataclass
class Aws:
    """moto, as an NLB (`classic=False`) or a classic ELB."""

    world: World
    classic: bool
    node_of: Mapping[str, str]  # instance id -> node name
    name: str = ""
    annotations: Mapping[str, str] = field(default_factory=dict)
    needs_node_ports: bool = True
    has_affinity: bool = False
    internal: Mapping[str, str] = field(
        default_factory=lambda: {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    )

    def __post_init__(self) -> None:
        self.name = "aws-classic" if self.classic else "aws-nlb"
        kind = "classic" if self.classic else "nlb"
        self.annotations = {"service.beta.kubernetes.io/aws-load-balancer-type": kind}

    def seen(self, ref: LoadBalancerRef) -> Seen | None:
        return self._classic(ref.name) if self.classic else self._nlb(ref)

    def _classic(self, name: str) -> Seen | None:
        found = self.world.elb.describe_load_balancers()["LoadBalancerDescriptions"]
        lbs = [lb for lb in found if lb["LoadBalancerName"] == name]
        if not lbs:
            return None
        (lb,) = lbs
        listeners = [x["Listener"] for x in lb["ListenerDescriptions"]]
        check = lb.get("HealthCheck")
        ports = {x["LoadBalancerPort"] for x in listeners}
        return Seen(
            address=lb["DNSName"],
            ports=frozenset(
                (x["Protocol"], x["LoadBalancerPort"], x["InstancePort"]) for x in listeners
            ),
            health=_check(check["Target"]) if check else ("", 0, ""),
            interval=check["Interval"] if check else 0,
            ranges=frozenset(
                cidr
                for _, port, cidr in rules_of_group(self.world, lb["SecurityGroups"])
                if port in ports
            ),
            affinity="None",
            internal=lb["Scheme"] == "internal",
            members=frozenset(self.node_of.get(i["InstanceId"], "?") for i in lb["Instances"]),
        )

    def _nlb(self, ref: LoadBalancerRef) -> Seen | None:
        elbv2 = self.world.elbv2
        found = [
            lb
            for lb in elbv2.describe_load_balancers()["LoadBalancers"]
            if lb["LoadBalancerName"] == ref.name
        ]
        if not found:
            return None
        (lb,) = found
        listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        arns = {x["DefaultActions"][0]["TargetGroupArn"] for x in listeners}
        groups = (
            {
                g["TargetGroupArn"]: g
                for g in elbv2.describe_target_groups(TargetGroupArns=sorted(arns))["TargetGroups"]
            }
            if arns
            else {}
        )
        ports = frozenset(
            (x["Protocol"], x["Port"], groups[x["DefaultActions"][0]["TargetGroupArn"]]["Port"])
            for x in listeners
        )
        some = next(iter(groups.values()), None)
        targets = {
            d["Target"]["Id"]
            for arn in groups
            for d in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        }
        node_ports = {p[2] for p in ports}
        return Seen(
            address=lb["DNSName"],
            ports=ports,
            health=(
                (
                    some["HealthCheckProtocol"],
                    int(some["HealthCheckPort"]),
                    some.get("HealthCheckPath", ""),
                )
                if some
                else ("", 0, "")
            ),
            interval=some["HealthCheckIntervalSeconds"] if some else 0,
            ranges=frozenset(
                cidr for _, port, cidr in rules(self.world, marker(ref)) if port in node_ports
            ),
            affinity="None",
            internal=lb["Scheme"] == "internal",
            members=frozenset(self.node_of.get(t, "?") for t in targets),
        )

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        w = self.world
        names = [
            *(x["LoadBalancerName"] for x in w.elbv2.describe_load_balancers()["LoadBalancers"]),
            *(x["TargetGroupName"] for x in w.elbv2.describe_target_groups()["TargetGroups"]),
            *(
                x["LoadBalancerName"]
                for x in w.elb.describe_load_balancers()["LoadBalancerDescriptions"]
            ),
            *(x["GroupName"] for x in w.ec2.describe_security_groups()["SecurityGroups"]),
        ]
        ours = [n for n in names if ref.name[:23] in n]
        return sorted(ours) + sorted(f"rule {r}" for r in rules(w, marker(ref)))

    def drift_interval(self, ref: LoadBalancerRef, seconds: int) -> None:
        if self.classic:
            (lb,) = self.world.elb.describe_load_balancers(LoadBalancerNames=[ref.name])[
                "LoadBalancerDescriptions"
            ]
            check = lb["HealthCheck"]
            check["Interval"] = seconds
            self.world.elb.configure_health_check(LoadBalancerName=ref.name, HealthCheck=check)
            return
        for group in self.world.elbv2.describe_target_groups()["TargetGroups"]:
            if group["TargetGroupName"].startswith(ref.name[:23]):
                self.world.elbv2.modify_target_group(
                    TargetGroupArn=group["TargetGroupArn"], HealthCheckIntervalSeconds=seconds
                )

    def reserve_ip(self) -> str | None:
        return None


def rules_of_group(world: World, groups: list[str]) -> set[tuple[str, int, str]]:
    """(protocol, port, CIDR) of the ingress rules of a classic ELB's own groups."""
    found = world.ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"]
    return {
        (p["IpProtocol"], p.get("FromPort", 0), r["CidrIp"])
        for g in found
        for p in g["IpPermissions"]
        for r in p.get("IpRanges", [])
    }


AFFINITY = {"CLIENT_IP": "ClientIP", "NONE": "None", "": "None"}


@dataclass
class Gcp:
    """The Compute fake."""

    gce: Gce
    name: str = "gcp"
    annotations: Mapping[str, str] = field(default_factory=dict)
    internal: Mapping[str, str] = field(
        default_factory=lambda: {"networking.gke.io/load-balancer-type": "Internal"}
    )
    needs_node_ports: bool = False
    has_affinity: bool = True

    def _rules(self, ref: LoadBalancerRef) -> list[compute_v1.ForwardingRule]:
        return [r for n, r in gcp_views.rules(self.gce).items() if n.startswith(ref.name)]

    def seen(self, ref: LoadBalancerRef) -> Seen | None:
        found = self._rules(ref)
        check = gcp_views.health(self.gce, ref.name)
        service = gcp_views.backend(self.gce, ref.name)
        wall = gcp_views.firewalls(self.gce).get(ref.name)
        if not found or check is None or service is None or wall is None:
            return None
        members: set[str] = set()
        for zone in ZONES:
            members |= gcp_views.members(self.gce, zone, _group(service, zone)) or set()
        return Seen(
            address=found[0].I_p_address,
            ports=frozenset((r.I_p_protocol, int(p), None) for r in found for p in r.ports),
            health=(
                check.type_,
                check.http_health_check.port,
                check.http_health_check.request_path,
            ),
            interval=check.check_interval_sec,
            ranges=frozenset(wall.source_ranges),
            affinity=AFFINITY[service.session_affinity],
            internal=found[0].load_balancing_scheme == "INTERNAL",
            members=frozenset(members),
        )

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        everything = gcp_views.everything(self.gce)
        names = [
            *everything["rules"],
            *everything["addresses"],
            *everything["firewalls"],
            *(b["name"] for b in everything["backends"]),
            *(c["name"] for c in everything["checks"]),
        ]
        return sorted(n for n in names if n.startswith(ref.name))

    def drift_interval(self, ref: LoadBalancerRef, seconds: int) -> None:
        check = gcp_views.health(self.gce, ref.name)
        assert check is not None
        check.check_interval_sec = seconds
        self.gce.done(
            self.gce.health_checks.update(
                project=PROJECT, region=REGION, health_check=ref.name, health_check_resource=check
            )
        )

    def reserve_ip(self) -> str | None:
        made = compute_v1.Address(name="user-static-ip", description="reserved by the user")
        self.gce.done(
            self.gce.addresses.insert(project=PROJECT, region=REGION, address_resource=made)
        )
        return str(
            self.gce.addresses.get(project=PROJECT, region=REGION, address=made.name).address
        )


def _group(service: compute_v1.BackendService, zone: str) -> str:
    for backend in service.backends:
        if f"/zones/{zone}/" in backend.group:
            return backend.group.rsplit("/", 1)[1]
    return ""


PERSISTENCE = {"SOURCE_IP": "ClientIP"}


@dataclass
class OpenStack:
    """The real Octavia and Neutron, under this module's own cluster name."""

    conn: Any
    node_of: Mapping[str, str]  # InternalIP -> node name
    floating_network: str
    cluster: str
    name: str = "openstack"
    annotations: Mapping[str, str] = field(default_factory=dict)
    internal: Mapping[str, str] = field(
        default_factory=lambda: {
            "service.beta.kubernetes.io/openstack-internal-load-balancer": "true"
        }
    )
    needs_node_ports: bool = True
    has_affinity: bool = True
    made_ips: list[str] = field(default_factory=list)

    def seen(self, ref: LoadBalancerRef) -> Seen | None:
        found = os_views.load_balancers(self.conn, ref)
        if len(found) != 1 or found[0].provisioning_status != "ACTIVE":
            return None
        lb = found[0]
        lbs = self.conn.load_balancer
        listeners = list(os_views.listeners(self.conn, lb.id).values())
        pools = {p.id: p for p in lbs.pools(loadbalancer_id=lb.id)}
        members = {pid: list(lbs.members(pid)) for pid in pools}
        ports = frozenset(
            (
                x.protocol,
                x.protocol_port,
                _first(members.get(x.default_pool_id, []), "protocol_port"),
            )
            for x in listeners
        )
        pool = next(iter(pools.values()), None)
        monitor = os_views.monitor(self.conn, pool) if pool and pool.health_monitor_id else None
        some = [m for group in members.values() for m in group]
        floating = next(iter(self.conn.network.ips(port_id=lb.vip_port_id)), None)
        return Seen(
            address=floating.floating_ip_address if floating else lb.vip_address,
            ports=ports,
            health=(
                (monitor.type, _first(some, "monitor_port") or 0, monitor.url_path or "")
                if monitor
                else ("", 0, "")
            ),
            interval=monitor.delay if monitor else 0,
            ranges=frozenset(cidr for x in listeners for cidr in (x.allowed_cidrs or EVERYONE)),
            affinity=PERSISTENCE.get(
                (pool.session_persistence or {}).get("type", "") if pool else "", "None"
            ),
            internal=floating is None,
            members=frozenset(self.node_of.get(m.address, "?") for m in some),
        )

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        lbs = [lb.name for lb in os_views.load_balancers(self.conn, ref)]
        return lbs + [ip.floating_ip_address for ip in os_views.marked_ips(self.conn, ref)]

    def drift_interval(self, ref: LoadBalancerRef, seconds: int) -> None:
        lb = os_views.the_lb(self.conn, ref)
        for pool in self.conn.load_balancer.pools(loadbalancer_id=lb.id):
            self.conn.load_balancer.update_health_monitor(
                pool.health_monitor_id, delay=seconds, timeout=min(3, seconds)
            )
            wait_status(lambda: self.conn.load_balancer.get_load_balancer(lb.id))

    def reserve_ip(self) -> str | None:
        made = self.conn.network.create_ip(
            floating_network_id=self.floating_network, description="the user's"
        )
        self.made_ips.append(made.id)
        return str(made.floating_ip_address)

    def close(self) -> None:
        """Delete what this cluster left (Octavia is not reset between modules) and the
        addresses made as the user's."""
        mark = f"lbcontroller.io/cluster={self.cluster}"
        for ip in self.conn.network.ips():
            if (ip.description or "").startswith(mark) or ip.id in self.made_ips:
                self.conn.network.delete_ip(ip.id)
        lbs = self.conn.load_balancer
        left = list(lbs.load_balancers(tags=mark))
        for lb in left:
            wait_status(partial(lbs.get_load_balancer, lb.id))
            lbs.delete_load_balancer(lb.id, cascade=True)
        for lb in left:
            wait_gone(partial(lbs.find_load_balancer, lb.id))


def _first(items: list[Any], attribute: str) -> Any:
    values = sorted({getattr(item, attribute) for item in items})
    return values[0] if values else None
