"""Reading what each cloud holds, straight from the stand-ins (never through a fault proxy).

Where it sits: the checker (`chaos.invariants`) compares these inventories with the Services
the API server holds. AWS is read with boto3 (load balancers of both kinds with their tags,
listeners and instances; target groups with tags and targets; our security groups; the rules
on the nodes' group and on our groups); GCE as the REST JSON the fake serves (forwarding
rules, backend services, health checks, addresses, firewalls, the zones' instance groups and
their members). Every pagination loop is capped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chaos import rest

MAX_PAGES = 50
TAG_BATCH = 20


def _tags(raw: Iterable[dict[str, Any]]) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in raw}


def _pages(call: Callable[..., Any], items: str, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    for _ in range(MAX_PAGES):
        page = call(**kwargs)
        out.extend(page.get(items, []))
        marker = page.get("NextMarker") or page.get("NextToken")
        if not marker:
            return out
        kwargs["NextToken" if "NextToken" in page else "Marker"] = marker
    raise RuntimeError(f"{items}: still paginating after {MAX_PAGES} pages")


@dataclass(frozen=True)
class Lb:
    """A load balancer of either kind. Listeners: (port, protocol, target group ARN) for an
    NLB, (port, protocol, instance port) for a classic ELB."""

    kind: str
    id: str  # ARN or name
    name: str
    dns: str
    tags: dict[str, str]
    listeners: list[tuple[int, str, str]] = field(default_factory=list)
    instances: frozenset[str] = frozenset()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetGroup:
    """A target group with its health-check port, tags and registered instances."""

    arn: str
    name: str
    port: int
    protocol: str
    health_port: str
    tags: dict[str, str]
    targets: frozenset[str]


@dataclass(frozen=True)
class Rule:
    """One ingress rule on a security group, with its owner tag."""

    group: str
    owner: str
    protocol: str
    port: int
    source: str


@dataclass
class AwsInventory:
    """Everything load-balancing in the account."""

    lbs: list[Lb]
    groups: list[TargetGroup]
    secgroups: dict[str, dict[str, str]]  # id -> tags (every group)
    rules: list[Rule]


def _owned(tags: dict[str, str], cluster: str) -> bool:
    return tags.get(f"kubernetes.io/cluster/{cluster}") == "owned"


def _batched_tags(client: Any, key: str, ids: list[str], arg: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), TAG_BATCH):
        found = client.describe_tags(**{arg: ids[start : start + TAG_BATCH]})["TagDescriptions"]
        out.update({d[key]: _tags(d.get("Tags", [])) for d in found})
    return out


def _nlbs(elbv2: Any, cluster: str) -> list[Lb]:
    raw = list(_pages(elbv2.describe_load_balancers, "LoadBalancers"))
    raw = [lb for lb in raw if lb.get("Type") == "network"]
    tags = _batched_tags(
        elbv2, "ResourceArn", [lb["LoadBalancerArn"] for lb in raw], "ResourceArns"
    )
    out = []
    for lb in raw:
        arn, mine = lb["LoadBalancerArn"], tags.get(lb["LoadBalancerArn"], {})
        listeners = []
        if _owned(mine, cluster):
            for item in _pages(elbv2.describe_listeners, "Listeners", LoadBalancerArn=arn):
                forward = [a.get("TargetGroupArn", "") for a in item.get("DefaultActions", [])]
                listeners.append((int(item["Port"]), str(item["Protocol"]), (forward or [""])[0]))
        out.append(Lb("nlb", arn, lb["LoadBalancerName"], lb["DNSName"], mine, listeners))
    return out


def _classics(elb: Any) -> list[Lb]:
    raw = _pages(elb.describe_load_balancers, "LoadBalancerDescriptions")
    names = [lb["LoadBalancerName"] for lb in raw]
    tags = _batched_tags(elb, "LoadBalancerName", names, "LoadBalancerNames")
    out = []
    for lb in raw:
        listeners = [
            (
                int(d["Listener"]["LoadBalancerPort"]),
                str(d["Listener"]["Protocol"]),
                str(d["Listener"]["InstancePort"]),
            )
            for d in lb.get("ListenerDescriptions", [])
        ]
        name = lb["LoadBalancerName"]
        out.append(
            Lb(
                "classic",
                name,
                name,
                lb["DNSName"],
                tags.get(name, {}),
                listeners,
                frozenset(i["InstanceId"] for i in lb.get("Instances", [])),
                tuple(lb.get("SecurityGroups", [])),
            )
        )
    return out


def _groups(elbv2: Any, cluster: str) -> list[TargetGroup]:
    raw = _pages(elbv2.describe_target_groups, "TargetGroups")
    tags = _batched_tags(elbv2, "ResourceArn", [g["TargetGroupArn"] for g in raw], "ResourceArns")
    out = []
    for group in raw:
        arn, mine = group["TargetGroupArn"], tags.get(group["TargetGroupArn"], {})
        targets: frozenset[str] = frozenset()
        if _owned(mine, cluster):
            health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            targets = frozenset(
                d["Target"]["Id"]
                for d in health
                if d.get("TargetHealth", {}).get("State") != "draining"
            )
        out.append(
            TargetGroup(
                arn,
                group["TargetGroupName"],
                int(group["Port"]),
                str(group["Protocol"]),
                str(group.get("HealthCheckPort", "")),
                mine,
                targets,
            )
        )
    return out


def _rules(ec2: Any, group_ids: list[str]) -> list[Rule]:
    out = []
    for group in group_ids:
        items = _pages(
            ec2.describe_security_group_rules,
            "SecurityGroupRules",
            Filters=[{"Name": "group-id", "Values": [group]}],
        )
        for item in items:
            if item.get("IsEgress"):
                continue
            source = item.get("CidrIpv4") or item.get("CidrIpv6") or ""
            source = source or item.get("ReferencedGroupInfo", {}).get("GroupId", "")
            owner = _tags(item.get("Tags", [])).get("lbcontroller.io/rule-owner", "")
            port = int(item.get("FromPort", -1))
            out.append(Rule(group, owner, str(item.get("IpProtocol")), port, str(source)))
    return out


def read_aws(ec2: Any, elbv2: Any, elb: Any, *, cluster: str, node_group: str) -> AwsInventory:
    """The account as it is now."""
    secgroups = {
        g["GroupId"]: _tags(g.get("Tags", []))
        for g in _pages(ec2.describe_security_groups, "SecurityGroups")
    }
    ours = sorted(gid for gid, tags in secgroups.items() if _owned(tags, cluster))
    return AwsInventory(
        lbs=_nlbs(elbv2, cluster) + _classics(elb),
        groups=_groups(elbv2, cluster),
        secgroups=secgroups,
        rules=_rules(ec2, [node_group, *ours]),
    )


@dataclass
class GceInventory:
    """Every load-balancing resource of the project and region, as the REST API shows it."""

    rules: list[dict[str, Any]]
    backends: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    firewalls: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]  # zone -> the cluster's group (absent: none)
    members: dict[str, frozenset[str]]  # zone -> instance names in that group


def _cluster_of(group: dict[str, Any]) -> str | None:
    try:
        mark = json.loads(group.get("description") or "")
    except ValueError:
        return None
    return str(mark.get("lbcontroller.io/cluster")) if isinstance(mark, dict) else None


def read_gce(
    url: str, *, project: str, region: str, zones: Iterable[str], cluster: str
) -> GceInventory:
    """The project as it is now (the cluster's instance groups found by their mark)."""
    base = f"/compute/v1/projects/{project}"
    regional = f"{base}/regions/{region}"
    groups: dict[str, dict[str, Any]] = {}
    members: dict[str, frozenset[str]] = {}
    for zone in zones:
        path = f"{base}/zones/{zone}/instanceGroups"
        for group in rest.items(url, path):
            if _cluster_of(group) != cluster:
                continue
            groups[zone] = group
            listed = rest.call(url, "POST", f"{path}/{group['name']}/listInstances", {})
            members[zone] = frozenset(
                str(i["instance"]).rsplit("/", 1)[-1] for i in listed.get("items") or []
            )
    return GceInventory(
        rules=rest.items(url, f"{regional}/forwardingRules"),
        backends=rest.items(url, f"{regional}/backendServices"),
        checks=rest.items(url, f"{regional}/healthChecks"),
        addresses=rest.items(url, f"{regional}/addresses"),
        firewalls=rest.items(url, f"{base}/global/firewalls"),
        groups=groups,
        members=members,
    )
