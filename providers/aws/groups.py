"""An NLB's target groups: one per listener, created new-before-old, health checks in place.

Where it sits: the NLB flow calls `converge` (before listeners point at the groups) and
`delete_stale` (after they stopped pointing at the old ones); teardown calls `of_service`
and `delete`. A group is found through our NLB's listeners or, when a crash left it
unattached, by its name; either way only with our tags. `of_service` finds every group of a
Service, attached or not, by the name prefix all its groups share: an interrupted teardown
(a lost reply, a kill) leaves none behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lbcontroller.errors import PermanentError
from lbcontroller.naming import child_prefix
from lbcontroller.spec import LoadBalancerRef
from providers.aws.api import Api
from providers.aws.found import elbv2_tags
from providers.aws.plan import Group, Health, Plan
from providers.aws.sdk import is_code
from providers.aws.tags import changed, owned_by, to_list

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elbv2.literals import ProtocolEnumType

PROXY = "proxy_protocol_v2.enabled"
PROTOCOLS: dict[str, ProtocolEnumType] = {"TCP": "TCP", "UDP": "UDP", "TCP_UDP": "TCP_UDP"}


@dataclass(frozen=True, slots=True)
class Groups:
    """The converged groups: ARN by name, the ones just created, and every known group's tags."""

    arns: dict[str, str]
    new: frozenset[str]
    tags: dict[str, dict[str, str]]


def describe(api: Api, arns: list[str]) -> list[Any]:
    """The target groups with these ARNs (those our NLB's listeners forward to)."""
    if not arns:
        return []
    return list(api.run(api.elbv2.describe_target_groups, TargetGroupArns=arns)["TargetGroups"])


def every(api: Api) -> list[Any]:
    """Every target group in the region (paged, 400 a page)."""
    return api.collect(api.elbv2.describe_target_groups, "TargetGroups", PageSize=400)


def of_service(api: Api, ref: LoadBalancerRef) -> list[str]:
    """The ARNs of every group of ours for `ref`, attached to a listener or not."""
    prefix = child_prefix(ref.name)
    named = [tg["TargetGroupArn"] for tg in every(api) if tg["TargetGroupName"].startswith(prefix)]
    tags = elbv2_tags(api, named)
    return [arn for arn in named if owned_by(tags.get(arn, {}), ref)]


def delete(api: Api, arn: str) -> None:
    """Delete one group of ours; already gone (a retried call whose reply was lost) is fine."""
    try:
        api.run(api.elbv2.delete_target_group, TargetGroupArn=arn)
    except ClientError as exc:
        if not is_code(exc, "TargetGroupNotFound"):
            raise


def _health(health: Health) -> dict[str, Any]:
    args: dict[str, Any] = {
        "HealthCheckProtocol": health.protocol,
        "HealthCheckPort": health.port,
        "HealthCheckIntervalSeconds": health.interval,
        "HealthCheckTimeoutSeconds": health.timeout,
        "HealthyThresholdCount": health.healthy,
        "UnhealthyThresholdCount": health.unhealthy,
    }
    if health.path is not None:
        args["HealthCheckPath"] = health.path
    return args


def _lookup(api: Api, name: str) -> Any | None:
    try:
        return api.run(api.elbv2.describe_target_groups, Names=[name])["TargetGroups"][0]
    except ClientError as exc:
        if is_code(exc, "TargetGroupNotFound"):
            return None
        raise


def _create(api: Api, group: Group, plan: Plan, vpc_id: str) -> str:
    created = api.run(
        api.elbv2.create_target_group,
        Name=group.name,
        Protocol=PROTOCOLS[group.protocol],
        Port=group.node_port,
        VpcId=vpc_id,
        TargetType="instance",
        Tags=to_list(plan.tag_map),
        **_health(plan.health),
    )
    return created["TargetGroups"][0]["TargetGroupArn"]


def converge(api: Api, *, plan: Plan, vpc_id: str, attached: list[Any]) -> Groups:
    """Every planned group exists, is ours, and has the planned health check and tags."""
    known = {tg["TargetGroupName"]: tg for tg in attached}
    for group in plan.groups:
        if group.name not in known and (found := _lookup(api, group.name)) is not None:
            known[group.name] = found
    tags = elbv2_tags(api, [tg["TargetGroupArn"] for tg in known.values()])
    arns, new = {}, set()
    for group in plan.groups:
        existing = known.get(group.name)
        if existing is None:
            arns[group.name] = _create(api, group, plan, vpc_id)
            new.add(arns[group.name])
            continue
        arns[group.name] = existing["TargetGroupArn"]
        _converge_existing(api, existing, plan, tags.get(arns[group.name], {}))
    for arn in arns.values():
        _converge_proxy(api, arn, plan.proxy_protocol, new=arn in new)
    return Groups(arns=arns, new=frozenset(new), tags=tags)


def _converge_existing(api: Api, group: Any, plan: Plan, tags: dict[str, str]) -> None:
    arn = group["TargetGroupArn"]
    if not owned_by(tags, plan.ref):
        name = group["TargetGroupName"]
        raise PermanentError(f"target group name {name} is taken by a group we do not own")
    health = _health(plan.health)
    if any(group.get(key) != value for key, value in health.items()):
        api.run(api.elbv2.modify_target_group, TargetGroupArn=arn, **health)
    missing = changed(tags, plan.tag_map)
    if missing:
        api.run(api.elbv2.add_tags, ResourceArns=[arn], Tags=to_list(missing))


def _converge_proxy(api: Api, arn: str, wanted: bool, *, new: bool) -> None:
    if new:
        current = False
    else:
        found = api.run(api.elbv2.describe_target_group_attributes, TargetGroupArn=arn)
        current = any(
            a.get("Key") == PROXY and a.get("Value") == "true" for a in found["Attributes"]
        )
    if current != wanted:
        api.run(
            api.elbv2.modify_target_group_attributes,
            TargetGroupArn=arn,
            Attributes=[{"Key": PROXY, "Value": str(wanted).lower()}],
        )


def delete_stale(api: Api, *, plan: Plan, attached: list[Any], groups: Groups) -> None:
    """Delete the groups of ours that no listener needs any more."""
    keep = set(groups.arns.values())
    for tg in attached:
        arn = tg["TargetGroupArn"]
        if arn not in keep and owned_by(groups.tags.get(arn, {}), plan.ref):
            delete(api, arn)
