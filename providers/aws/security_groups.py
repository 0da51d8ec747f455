"""Security groups: the ingress rules a load balancer needs, converging and revoking ours on a
group, and a classic ELB's own group.

Where it sits: `converge` asks `steps` for the writes that make a group's rules ours as
wanted, under `LOCK`; `teardown` asks `revoke_ours` and `delete_own`. What is wanted (pure):
- NLB (instance targets keep the client's address): each NodePort is opened on the nodes'
  group to the Service's source ranges (IPv6 ones as `CidrIpv6` rules); the health-check port
  to the VPC's CIDRs, where the NLB's own probes come from. On a dualstack NLB whose Service
  lets IPv6 clients in, the NodePorts are also opened to the VPC's CIDRs: AWS translates IPv6
  clients to IPv4 from the NLB's own addresses for its IPv4 targets (`families`).
- classic ELB (it proxies): the ELB's own group (created before the ELB unless the Service
  names its own groups) opens the listener ports to the source ranges; the nodes' group opens
  the NodePorts and the health-check port to the ELB's group only.
The kube-proxy health port (10256) is shared by every Service of the cluster: its rule is
marked as the cluster's, created when missing and never revoked by one Service's deletion.
Each rule we add carries our marker twice: as its description (for people) and as its
`lbcontroller.io/rule-owner` tag (what we match on: a rule's tags survive where a description
on a group reference may not). Rules anyone else wrote are never revoked, and an equal rule
of theirs is not added again. Our own group is deleted after the ELB, retried while AWS
still sees it in use (DependencyViolation is transient in `api`).
The upstream aws-cloud-controller-manager marks an NLB's rules on the nodes' group by their
description only: `kubernetes.io/rule/nlb/client=<lb>` (NodePorts to the client ranges),
`kubernetes.io/rule/nlb/health=<lb>` (health ports to the VPC), and one shared ICMP
`kubernetes.io/rule/nlb/mtu` rule per client range. When we adopt its NLB, its rules equal to
ones we want are taken over in place (tagged with our marker: no gap in traffic), the rest
are revoked once ours are in, and its MTU rules go with the last of its client rules.
For its classic ELB, upstream makes the ELB's own group `k8s-elb-<lb>` (tagged with its
cluster as owned; listener ports and ICMP open to the source ranges) and opens the instances'
groups to it for every protocol, with no description. When we adopt that ELB, it is given our
own group (with our rules on the nodes' group in first), then upstream's rules referring to
its group are revoked wherever they are and the group is deleted (`retire_upstream_group`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from lbcontroller.errors import PermanentError
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT, LoadBalancerRef
from lbcontroller.steps import Made, Step
from providers.aws.api import Api, Id, New
from providers.aws.desired import Desired
from providers.aws.options import TRAFFIC_PORT
from providers.aws.ownership import MANAGED_BY, cluster_key, owned_by, to_dict

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_ec2.type_defs import IpPermissionTypeDef

RULE_OWNER = "lbcontroller.io/rule-owner"
UPSTREAM_CLIENT = "kubernetes.io/rule/nlb/client="
UPSTREAM_HEALTH = "kubernetes.io/rule/nlb/health="
UPSTREAM_MTU = "kubernetes.io/rule/nlb/mtu"
# Workers converge one group at a time (a read-modify-write), so two Services never both add
# the cluster's shared rule; one added by another process meanwhile counts as added.
LOCK = threading.Lock()


@dataclass(frozen=True, slots=True, order=True)
class Rule:
    """One ingress rule: a protocol and port open to a CIDR or a security group."""

    protocol: str  # "tcp" or "udp"
    port: int
    source: Id  # a CIDR or a security group id


def marker(ref: LoadBalancerRef) -> str:
    """The description that marks a rule as this load balancer's."""
    return f"lbcontroller:{ref.name} {ref.service_key}"


def shared_marker(cluster: str) -> str:
    """The description that marks the cluster's shared kube-proxy health rule."""
    return f"lbcontroller:{cluster} kube-proxy health"


def _protocols(protocol: str) -> tuple[str, ...]:
    return ("tcp", "udp") if protocol == "TCP_UDP" else (protocol.lower(),)


def _health_ports(d: Desired) -> set[int]:
    if d.health.port == TRAFFIC_PORT:
        return {group.node_port for group in d.groups}
    return {int(d.health.port)}


def _translated(d: Desired, vpc_cidrs: tuple[str, ...]) -> tuple[str, ...]:
    """Where IPv6 clients of a dualstack NLB come from as the nodes see them: AWS translates
    them to IPv4 for the instance targets, from the NLB's private addresses in the VPC (so
    the VPC's CIDRs, when the Service lets IPv6 clients in)."""
    ipv6 = any(":" in cidr for cidr in d.source_ranges)
    return vpc_cidrs if d.ip_address_type == "dualstack" and ipv6 else ()


def nlb_rules(d: Desired, vpc_cidrs: tuple[str, ...]) -> tuple[frozenset[Rule], frozenset[Rule]]:
    """(this Service's rules, the cluster's shared rules) on the nodes' group."""
    own = {
        Rule(protocol, group.node_port, cidr)
        for group in d.groups
        for protocol in _protocols(group.protocol)
        for cidr in (*d.source_ranges, *_translated(d, vpc_cidrs))
    }
    health = {Rule("tcp", port, cidr) for port in _health_ports(d) for cidr in vpc_cidrs}
    shared = {rule for rule in health if rule.port == KUBE_PROXY_HEALTH_PORT}
    return frozenset(own | (health - shared)), frozenset(shared)


def classic_node_rules(d: Desired, elb_group: Id) -> frozenset[Rule]:
    """The nodes' group opens NodePorts and the health-check port to the ELB's group."""
    ports = {item.node_port for item in d.listeners} | {int(d.health.port)}
    return frozenset(Rule("tcp", port, elb_group) for port in ports)


def classic_front_rules(d: Desired) -> frozenset[Rule]:
    """The ELB's own group opens the listener ports to the source ranges."""
    return frozenset(
        Rule("tcp", item.port, cidr) for item in d.listeners for cidr in d.source_ranges
    )


def _parse(item: Mapping[str, Any]) -> Rule | None:
    source = item.get("CidrIpv4") or item.get("CidrIpv6")
    source = source or item.get("ReferencedGroupInfo", {}).get("GroupId")
    protocol, low, high = item.get("IpProtocol"), item.get("FromPort", -1), item.get("ToPort")
    if item.get("IsEgress") or not source or protocol not in ("tcp", "udp") or low != high:
        return None
    return Rule(str(protocol), int(low), str(source))


def _owner(item: Mapping[str, Any]) -> str:
    return next((t["Value"] for t in item.get("Tags", []) if t["Key"] == RULE_OWNER), "")


@dataclass(frozen=True, slots=True)
class Current:
    """A rule on a group as read: `rule` None when it is none we write (ICMP, egress...)."""

    rule: Rule | None
    id: str
    owner: str  # our marker from its tag, "" when not ours
    description: str


def _current(api: Api, group_id: Id) -> list[Current]:
    if isinstance(group_id, New):  # a group this run is about to create has no rules
        return []
    items = api.collect(
        api.ec2.describe_security_group_rules,
        "SecurityGroupRules",
        Filters=[{"Name": "group-id", "Values": [group_id]}],
    )
    return [
        Current(_parse(i), i["SecurityGroupRuleId"], _owner(i), i.get("Description", ""))
        for i in items
    ]


def _upstream(current: list[Current], lb_name: str) -> list[Current]:
    """The rules upstream wrote for its NLB `lb_name` and nobody has taken over."""
    marks = (UPSTREAM_CLIENT + lb_name, UPSTREAM_HEALTH + lb_name)
    return [c for c in current if not c.owner and c.description in marks]


def _mtu_leftovers(current: list[Current], gone: set[str]) -> list[str]:
    """Upstream's MTU rules, once no client rule of upstream's remains besides `gone`."""
    clients = [
        c
        for c in current
        if not c.owner and c.description.startswith(UPSTREAM_CLIENT) and c.id not in gone
    ]
    if clients:
        return []
    return [c.id for c in current if not c.owner and c.description == UPSTREAM_MTU]


def _take_over(api: Api, made: Made, taken: Mapping[str, str]) -> list[Step]:
    """Tag upstream's rules (id -> our marker) as ours, in place."""
    return [
        api.step(
            made,
            api.ec2.create_tags,
            Resources=sorted(rid for rid, m in taken.items() if m == mark),
            Tags=[{"Key": RULE_OWNER, "Value": mark}],
        )
        for mark in sorted(set(taken.values()))
    ]


def _is_group(source: Id) -> bool:
    return isinstance(source, New) or source.startswith("sg-")


def _permission(rules: list[tuple[Rule, str]]) -> IpPermissionTypeDef:
    first = rules[0][0]
    permission: IpPermissionTypeDef = {
        "IpProtocol": first.protocol,
        "FromPort": first.port,
        "ToPort": first.port,
    }
    cidrs = [(str(r.source), d) for r, d in rules if not _is_group(r.source)]
    # a new group's id is filled in by `api.step` when the write runs
    permission["UserIdGroupPairs"] = [
        {"GroupId": r.source, "Description": d}  # type: ignore[typeddict-item]
        for r, d in rules
        if _is_group(r.source)
    ]
    permission["IpRanges"] = [{"CidrIp": c, "Description": d} for c, d in cidrs if ":" not in c]
    permission["Ipv6Ranges"] = [{"CidrIpv6": c, "Description": d} for c, d in cidrs if ":" in c]
    return permission


def _no_room(group_id: Id, adding: int) -> PermanentError:
    return PermanentError(
        f"the nodes' security group {group_id} has no room for {adding} more inbound rules "
        "(AWS's rules-per-group quota): use fewer spec.loadBalancerSourceRanges or ports, "
        "or raise the quota",
        field="spec.loadBalancerSourceRanges",
    )


def _authorize(
    api: Api, made: Made, group_id: Id, rules: frozenset[Rule], mark: str, *, ours: bool
) -> list[Step]:
    ordered = sorted((rule, mark) for rule in rules)
    if not ordered:
        return []
    expected: dict[str, Exception | None] = {
        "RulesPerSecurityGroupLimitExceeded": _no_room(group_id, len(ordered))
    }
    if not ours:  # a shared rule another Service's worker or process added meanwhile
        expected["InvalidPermission.Duplicate"] = None
    batches = groupby(ordered, key=lambda item: (item[0].protocol, item[0].port))
    step = api.step(
        made,
        api.ec2.authorize_security_group_ingress,
        expected=expected,
        GroupId=group_id,
        IpPermissions=[_permission(list(batch)) for _, batch in batches],
        TagSpecifications=[
            {"ResourceType": "security-group-rule", "Tags": [{"Key": RULE_OWNER, "Value": mark}]}
        ],
    )
    return [step]


def _revoke(api: Api, made: Made, group_id: Id, rule_ids: list[str]) -> list[Step]:
    if not rule_ids:
        return []
    step = api.step(
        made,
        api.ec2.revoke_security_group_ingress,
        GroupId=group_id,
        SecurityGroupRuleIds=sorted(rule_ids),
    )
    return [step]


def steps(
    api: Api,
    made: Made,
    *,
    group_id: Id,
    wanted: Mapping[str, frozenset[Rule]],
    own: str,
    upstream_lb: str | None = None,
) -> list[Step]:
    """Revoke what `own` no longer wants, then add the missing `wanted` rules (marker -> rules).

    Revoking first frees the room a replaced range needs in a group near its quota (a stale
    rule never carries traffic the Service still wants). Rules under other markers (the
    cluster's shared ones) are added but never revoked here. `upstream_lb`: the adopted NLB
    whose upstream rules are taken over or, once ours are in, revoked. Run under `LOCK`.
    """
    current = _current(api, group_id)
    keep = wanted.get(own, frozenset())
    out = _revoke(
        api, made, group_id, [c.id for c in current if c.owner == own and c.rule not in keep]
    )
    theirs = _upstream(current, upstream_lb) if upstream_lb else []
    taken = {c.id: m for c in theirs for m, rules in wanted.items() if c.rule in rules}
    out += _take_over(api, made, taken)
    present = {c.rule for c in current}
    for mark, rules in wanted.items():
        out += _authorize(api, made, group_id, rules - present, mark, ours=mark == own)
    dropped = [c.id for c in theirs if c.id not in taken]
    leftovers = _mtu_leftovers(current, set(taken) | set(dropped)) if theirs else []
    return out + _revoke(api, made, group_id, dropped + leftovers)


def revoke_ours(api: Api, made: Made, *, group_id: str, own: str) -> list[Step]:
    """Revoke every rule marked `own` (absent rules are fine)."""
    current = _current(api, group_id)
    return _revoke(api, made, group_id, [c.id for c in current if c.owner == own])


def revoke_upstream(api: Api, made: Made, *, group_id: str, lb_name: str) -> list[Step]:
    """Revoke the rules upstream wrote for its NLB `lb_name`, and its MTU rules when last."""
    current = _current(api, group_id)
    theirs = [c.id for c in _upstream(current, lb_name)]
    leftovers = _mtu_leftovers(current, set(theirs)) if theirs else []
    return _revoke(api, made, group_id, theirs + leftovers)


def group_name(lb_name: str) -> str:
    """The name of a classic ELB's own group (ours and upstream's alike)."""
    return f"k8s-elb-{lb_name}"


def _groups(api: Api, name: str, value: str) -> list[Any]:
    return api.collect(
        api.ec2.describe_security_groups,
        "SecurityGroups",
        Filters=[{"Name": name, "Values": [value]}],
    )


def _named(api: Api, ref: LoadBalancerRef) -> list[Any]:
    return _groups(api, "group-name", group_name(ref.name))


def upstream_group(api: Api, lb_name: str, upstream_cluster: str) -> str | None:
    """The group upstream made for its classic ELB `lb_name` (`k8s-elb-<lb>`, tagged with its
    cluster as owned, not marked ours), None when there is none."""
    return _upstreams(_groups(api, "group-name", group_name(lb_name)), upstream_cluster)


def _upstreams(groups: list[Any], upstream_cluster: str) -> str | None:
    for group in groups:
        tags = to_dict(group.get("Tags", []))
        if tags.get(cluster_key(upstream_cluster)) == "owned" and MANAGED_BY not in tags:
            return str(group["GroupId"])
    return None


def classic_groups(
    api: Api, ref: LoadBalancerRef, upstream_lb: str, upstream_cluster: str
) -> tuple[str | None, str | None]:
    """(upstream's group for its classic ELB `upstream_lb`, our own group for `ref`), each
    None when absent, read in one call (both are looked for wherever a classic ELB may have
    been, e.g. before every new NLB and on every delete)."""
    names = [group_name(upstream_lb), group_name(ref.name)]
    found = api.collect(
        api.ec2.describe_security_groups,
        "SecurityGroups",
        Filters=[{"Name": "group-name", "Values": names}],
    )
    theirs = [g for g in found if g.get("GroupName") == names[0]]
    ours = [g for g in found if g.get("GroupName") == names[1]]
    return _upstreams(theirs, upstream_cluster), _owned(ours, ref)


def retire_upstream_group(api: Api, made: Made, group_id: str) -> list[Step]:
    """Revoke the rules that let upstream's ELB group `group_id` in (upstream opens the
    instances' groups to it for every protocol), on every group holding one, then delete it."""
    out = []
    for holder in _groups(api, "ip-permission.group-id", group_id):
        rules = api.collect(
            api.ec2.describe_security_group_rules,
            "SecurityGroupRules",
            Filters=[{"Name": "group-id", "Values": [holder["GroupId"]]}],
        )
        out += _revoke(
            api,
            made,
            holder["GroupId"],
            [r["SecurityGroupRuleId"] for r in rules if _refers(r, group_id)],
        )
    return [*out, delete_own(api, made, group_id)]


def _refers(item: Mapping[str, Any], group_id: str) -> bool:
    """Whether the rule `item` is an ingress rule not of ours from the group `group_id`."""
    source = item.get("ReferencedGroupInfo", {}).get("GroupId")
    return not item.get("IsEgress") and source == group_id and not _owner(item)


def _owned(groups: list[Any], ref: LoadBalancerRef) -> str | None:
    for group in groups:
        if owned_by(to_dict(group.get("Tags", [])), ref):
            return str(group["GroupId"])
    return None


def own_group(
    api: Api, made: Made, *, ref: LoadBalancerRef, vpc_id: str, tags: dict[str, str]
) -> tuple[Id, list[Step]]:
    """Our group's id, and the step that creates it when absent (its id then `New`)."""
    named = _named(api, ref)
    existing = _owned(named, ref)
    if existing is not None:
        return existing, []
    if named:
        raise PermanentError(
            f"security group name {group_name(ref.name)} is taken by one we do not own"
        )
    key = f"security-group {group_name(ref.name)}"
    create = api.step(
        made,
        api.ec2.create_security_group,
        keep=lambda answer: {key: answer["GroupId"]},
        GroupName=group_name(ref.name),
        Description=f"lbcontroller: classic ELB {ref.name} for {ref.service_key}",
        VpcId=vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            }
        ],
    )
    return New(key), [create]


def find_own(api: Api, ref: LoadBalancerRef) -> str | None:
    """Our group's id, None when absent or not ours."""
    return _owned(_named(api, ref), ref)


def delete_own(api: Api, made: Made, group_id: str) -> Step:
    """Delete our group (retried while the ELB's interfaces still hold it)."""
    return api.step(made, api.ec2.delete_security_group, GroupId=group_id)
