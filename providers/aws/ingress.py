"""Converging and revoking our ingress rules on a security group.

Where it sits: the NLB and classic flows call `converge` with the rules from `rules`, and
`ensure_deleted` calls `revoke_ours`. Each rule we add carries our marker twice: as its
description (for people) and as its `lbcontroller.io/rule-owner` tag (what we match on: a
rule's tags survive where a description on a group reference may not). Rules anyone else wrote
are never revoked, and an equal rule of theirs is not added again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lbcontroller.errors import PermanentError
from providers.aws.api import Api
from providers.aws.dryrun import Planned
from providers.aws.rules import Rule

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_ec2.type_defs import IpPermissionTypeDef

RULE_OWNER = "lbcontroller.io/rule-owner"
_GROUP_LOCK = threading.Lock()


def _parse(item: Mapping[str, Any]) -> Rule | None:
    source = item.get("CidrIpv4") or item.get("CidrIpv6")
    source = source or item.get("ReferencedGroupInfo", {}).get("GroupId")
    protocol, low, high = item.get("IpProtocol"), item.get("FromPort", -1), item.get("ToPort")
    if item.get("IsEgress") or not source or protocol not in ("tcp", "udp") or low != high:
        return None
    return Rule(str(protocol), int(low), str(source))


def _ingress(api: Api, group_id: str) -> list[tuple[Rule | None, str, str]]:
    if isinstance(group_id, Planned):  # a group a dry run is about to create has no rules
        return []
    items = api.collect(
        api.ec2.describe_security_group_rules,
        "SecurityGroupRules",
        Filters=[{"Name": "group-id", "Values": [group_id]}],
    )
    return [(_parse(i), i["SecurityGroupRuleId"], _owner(i)) for i in items]


def _owner(item: Mapping[str, Any]) -> str:
    return next((t["Value"] for t in item.get("Tags", []) if t["Key"] == RULE_OWNER), "")


def _permission(rules: list[tuple[Rule, str]]) -> IpPermissionTypeDef:
    first = rules[0][0]
    permission: IpPermissionTypeDef = {
        "IpProtocol": first.protocol,
        "FromPort": first.port,
        "ToPort": first.port,
    }
    cidrs = [(r.source, d) for r, d in rules if r.source[:3] != "sg-"]
    permission["UserIdGroupPairs"] = [
        {"GroupId": r.source, "Description": d} for r, d in rules if r.source[:3] == "sg-"
    ]
    permission["IpRanges"] = [{"CidrIp": c, "Description": d} for c, d in cidrs if ":" not in c]
    permission["Ipv6Ranges"] = [{"CidrIpv6": c, "Description": d} for c, d in cidrs if ":" in c]
    return permission


def _authorize(api: Api, group_id: str, rules: Iterable[Rule], mark: str) -> None:
    ordered = sorted((rule, mark) for rule in rules)
    if not ordered:
        return
    batches = groupby(ordered, key=lambda item: (item[0].protocol, item[0].port))
    try:
        api.run(
            api.ec2.authorize_security_group_ingress,
            GroupId=group_id,
            IpPermissions=[_permission(list(batch)) for _, batch in batches],
            TagSpecifications=[
                {
                    "ResourceType": "security-group-rule",
                    "Tags": [{"Key": RULE_OWNER, "Value": mark}],
                }
            ],
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "RulesPerSecurityGroupLimitExceeded":
            raise _no_room(group_id, len(ordered)) from None
        raise


def _no_room(group_id: str, adding: int) -> PermanentError:
    return PermanentError(
        f"the nodes' security group {group_id} has no room for {adding} more inbound rules "
        "(AWS's rules-per-group quota): use fewer spec.loadBalancerSourceRanges or ports, "
        "or raise the quota",
        field="spec.loadBalancerSourceRanges",
    )


def _revoke(api: Api, group_id: str, rule_ids: list[str]) -> None:
    if rule_ids:
        api.run(
            api.ec2.revoke_security_group_ingress,
            GroupId=group_id,
            SecurityGroupRuleIds=sorted(rule_ids),
        )


def converge(api: Api, *, group_id: str, wanted: Mapping[str, frozenset[Rule]], own: str) -> None:
    """Revoke what `own` no longer wants, then add the missing `wanted` rules (marker -> rules).

    Revoking first frees the room a replaced range needs in a group near its quota (a stale
    rule never carries traffic the Service still wants). Rules under other markers (the
    cluster's shared ones) are added but never revoked here. Workers converge one group at a
    time (a read-modify-write), so two Services never both add the cluster's shared rule; one
    added by another process meanwhile counts as added.
    """
    with _GROUP_LOCK:
        current = _ingress(api, group_id)
        keep = wanted.get(own, frozenset())
        _revoke(api, group_id, [rid for rule, rid, d in current if d == own and rule not in keep])
        present = {rule for rule, _, _ in current}
        for mark, rules in wanted.items():
            try:
                _authorize(api, group_id, rules - present, mark)
            except ClientError as exc:
                if mark == own or exc.response["Error"]["Code"] != "InvalidPermission.Duplicate":
                    raise


def revoke_ours(api: Api, *, group_id: str, own: str) -> None:
    """Revoke every rule marked `own` (absent rules are fine)."""
    _revoke(api, group_id, [rid for _, rid, d in _ingress(api, group_id) if d == own])
