"""The AWS side of the invariants: load balancers, target groups and rules by ownership tag.

Where it sits: `chaos.invariants.check` calls `check_aws` with the Services' wishes
(`chaos.wants`) and the account's inventory (`chaos.inventory`). A resource belongs to the
Service its `kubernetes.io/service-name` tag names (rules: their `lbcontroller.io/rule-owner`
marker), if it carries this cluster's ownership tag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from chaos.inventory import AwsInventory, Lb, Rule
from chaos.wants import KUBE_PROXY_PORT, SERVICE_TAG, Expect, Findings, Want


def _marker_key(owner: str) -> str | None:
    """The Service a rule-owner marker names (None: the cluster's shared rule, or not ours)."""
    if not owner.startswith("lbcontroller:"):
        return None
    _, _, rest = owner.partition(" ")
    return rest if "/" in rest else None


def _nlb_parts(want: Want, lb: Lb, inv: AwsInventory, expect: Expect, found: Findings) -> set[str]:
    """Check an NLB's listeners and groups; return the ARNs of the groups it uses."""
    groups = {g.arn: g for g in inv.groups}
    wanted = sorted((port, proto) for port, proto, _ in want.ports)
    actual = sorted((port, proto) for port, proto, _ in lb.listeners)
    if len({p for p, _ in actual}) != len(actual):
        found.add("no_duplicates", want.key, f"two listeners on one port: {actual}")
    if sorted(set(actual)) != wanted:
        found.add("converged", want.key, f"listeners {actual}, wanted {wanted}")
    node_ports = {(port, proto): node_port for port, proto, node_port in want.ports}
    for port, proto, arn in lb.listeners:
        group = groups.get(arn)
        if group is None:
            found.add("converged", want.key, f"listener {port} forwards to a missing group")
            continue
        problems = []
        if group.port != node_ports.get((port, proto)):
            problems.append(f"NodePort {group.port}, wanted {node_ports.get((port, proto))}")
        if group.health_port != str(want.health_port):
            problems.append(f"health port {group.health_port}, wanted {want.health_port}")
        if group.targets != expect.aws_instances:
            problems.append(f"targets {sorted(group.targets)}")
        if group.tags.get(SERVICE_TAG) != want.key:
            problems.append("not tagged for this Service")
        if problems:
            found.add("converged", want.key, f"group {group.name}: " + "; ".join(problems))
    return {arn for _, _, arn in lb.listeners}


def _classic_parts(want: Want, lb: Lb, expect: Expect, found: Findings) -> None:
    wanted = sorted((port, "TCP", str(node_port)) for port, _, node_port in want.ports)
    if sorted(lb.listeners) != wanted:
        found.add(
            "converged", want.key, f"classic listeners {sorted(lb.listeners)}, wanted {wanted}"
        )
    if lb.instances != expect.aws_instances:
        found.add("converged", want.key, f"classic instances {sorted(lb.instances)}")


def _wanted_rules(want: Want, lb: Lb, expect: Expect) -> dict[str, set[tuple[str, int, str]]]:
    """Our rules this Service should have, by security group (none on the nodes' group when
    its provider has no nodeSecurityGroup)."""
    if lb.kind == "nlb":
        rules = {(proto.lower(), np, cidr) for _, proto, np in want.ports for cidr in want.ranges}
        if want.health_port != KUBE_PROXY_PORT:
            rules |= {("tcp", want.health_port, cidr) for cidr in expect.vpc_cidrs}
        return {expect.node_group: rules} if want.node_rules else {}
    own = lb.groups[0] if lb.groups else ""
    nodes = {("tcp", np, own) for _, _, np in want.ports} | {("tcp", want.health_port, own)}
    front = {("tcp", port, cidr) for port, _, _ in want.ports for cidr in want.ranges}
    return {expect.node_group: nodes, own: front} if want.node_rules else {own: front}


def _rules_of(rules: Iterable[Rule], key: str) -> dict[str, set[tuple[str, int, str]]]:
    out: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    for rule in rules:
        if _marker_key(rule.owner) == key:
            out[rule.group].add((rule.protocol, rule.port, rule.source))
    return out


def _check_rules(want: Want, lb: Lb, inv: AwsInventory, expect: Expect, found: Findings) -> None:
    actual = _rules_of(inv.rules, want.key)
    for group, rules in _wanted_rules(want, lb, expect).items():
        missing, extra = rules - actual.get(group, set()), actual.get(group, set()) - rules
        if missing:
            found.add("converged", want.key, f"rules missing on {group}: {sorted(missing)}")
        if extra:
            found.add("no_leaks", want.key, f"stale rules on {group}: {sorted(extra)}")
    for group in set(actual) - set(_wanted_rules(want, lb, expect)):
        found.add("no_leaks", want.key, f"rules left on {group}: {sorted(actual[group])}")


def _aws_service(want: Want, inv: AwsInventory, expect: Expect, found: Findings) -> set[str]:
    """Check one live AWS Service; return the ARNs of the target groups it legitimately uses."""
    mine = [
        lb for lb in inv.lbs if lb.tags.get(SERVICE_TAG) == want.key and _owned(lb.tags, expect)
    ]
    if len(mine) > 1:
        found.add(
            "no_duplicates", want.key, f"{len(mine)} load balancers: {[lb.name for lb in mine]}"
        )
    right = [lb for lb in mine if lb.kind == want.kind]
    for lb in mine:
        if lb.kind != want.kind:
            found.add("no_leaks", want.key, f"a {lb.kind} load balancer {lb.name} left over")
    if not right:
        found.add("converged", want.key, f"no {want.kind} load balancer")
        return set()
    lb = right[0]
    if want.address != lb.dns:
        found.add(
            "converged", want.key, f"status says {want.address}, the load balancer is {lb.dns}"
        )
    _check_rules(want, lb, inv, expect, found)
    if lb.kind == "classic":
        _classic_parts(want, lb, expect, found)
        return set()
    return _nlb_parts(want, lb, inv, expect, found)


def _owned(tags: dict[str, str], expect: Expect) -> bool:
    return tags.get(f"kubernetes.io/cluster/{expect.cluster}") == "owned"


def _aws_leaks(
    live: dict[str, Want], used: set[str], inv: AwsInventory, expect: Expect, found: Findings
) -> None:
    for lb in inv.lbs:
        key = lb.tags.get(SERVICE_TAG, "")
        if _owned(lb.tags, expect) and key not in live:
            found.add(
                "no_leaks", key, f"{lb.kind} load balancer {lb.name} of a Service gone from AWS"
            )
    for group in inv.groups:
        if _owned(group.tags, expect) and group.arn not in used:
            found.add(
                "no_leaks", group.tags.get(SERVICE_TAG, "?"), f"target group {group.name} unused"
            )
    classic = {k for k, w in live.items() if w.kind == "classic"}
    for gid, tags in inv.secgroups.items():
        if _owned(tags, expect) and tags.get(SERVICE_TAG) not in classic:
            found.add("no_leaks", tags.get(SERVICE_TAG, "?"), f"security group {gid} left")
    for rule in inv.rules:
        owner = _marker_key(rule.owner)
        if owner is not None and owner not in live:
            found.add(
                "no_leaks",
                owner,
                f"rule {rule.protocol}/{rule.port} from {rule.source} on {rule.group}",
            )


def check_aws(wants: list[Want], inv: AwsInventory, expect: Expect, found: Findings) -> None:
    """Every AWS invariant but the decoys'."""
    live = {w.key: w for w in wants if w.cloud == "aws" and not w.refused}
    used: set[str] = set()
    for want in live.values():
        used |= _aws_service(want, inv, expect, found)
    _aws_leaks(live, used, inv, expect, found)
