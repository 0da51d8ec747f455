"""An NLB's target groups: one per listener, created new-before-old, health checks in place.

Where it sits: the NLB flow calls `converge` (before listeners point at the groups) and
`delete_stale` (after they stopped pointing at the old ones); teardown calls `of_service` and
`delete`. Groups are known through our NLB's listeners plus a lookup of each planned name;
every group is kept only with our tags. A sweep instead pages through the region's groups
for the name prefix all of a Service's groups share, which finds those no listener names:
teardown always sweeps, and so does a converge after one was cut short (the fingerprint not
written), so a crash between repointing a listener and deleting the old group, or in the
middle of a teardown, leaves nothing behind. Creates and resyncs never sweep: the paged read
grows with the region's groups.
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
    """The converged groups: ARN by name, the ones just created, and our groups not planned."""

    arns: dict[str, str]
    new: frozenset[str]
    stale: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Named:
    """Candidate groups of a Service, and their tags by ARN."""

    groups: list[Any]
    tags: dict[str, dict[str, str]]

    def ours(self, ref: LoadBalancerRef) -> list[Any]:
        """Those tagged as ours for `ref`."""
        return [tg for tg in self.groups if owned_by(self.tags.get(tg["TargetGroupArn"], {}), ref)]


def every(api: Api) -> list[Any]:
    """Every target group in the region (paged, 400 a page)."""
    return api.collect(api.elbv2.describe_target_groups, "TargetGroups", PageSize=400)


def named_for(api: Api, ref: LoadBalancerRef) -> Named:
    """Every group whose name starts with `ref`'s child prefix, with its tags."""
    prefix = child_prefix(ref.name)
    named = [tg for tg in every(api) if tg["TargetGroupName"].startswith(prefix)]
    return Named(groups=named, tags=elbv2_tags(api, [tg["TargetGroupArn"] for tg in named]))


def of_service(api: Api, ref: LoadBalancerRef) -> list[str]:
    """The ARNs of every group of ours for `ref`, attached to a listener or not."""
    return [tg["TargetGroupArn"] for tg in named_for(api, ref).ours(ref)]


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


def describe(api: Api, arns: list[str]) -> list[Any]:
    """The target groups with these ARNs (those our NLB's listeners forward to)."""
    if not arns:
        return []
    return list(api.run(api.elbv2.describe_target_groups, TargetGroupArns=arns)["TargetGroups"])


def _lookup(api: Api, name: str) -> Any | None:
    try:
        return api.run(api.elbv2.describe_target_groups, Names=[name])["TargetGroups"][0]
    except ClientError as exc:
        if is_code(exc, "TargetGroupNotFound"):
            return None
        raise


def _known(api: Api, plan: Plan, attached: list[Any]) -> Named:
    """The attached groups and the planned names that exist (one a crash left unattached)."""
    groups = list(attached)
    names = {tg["TargetGroupName"] for tg in groups}
    for group in plan.groups:
        if group.name not in names and (found := _lookup(api, group.name)) is not None:
            groups.append(found)
    return Named(groups=groups, tags=elbv2_tags(api, [tg["TargetGroupArn"] for tg in groups]))


def converge(api: Api, *, plan: Plan, vpc_id: str, attached: list[Any], sweep: bool) -> Groups:
    """Every planned group exists, is ours, and has the planned health check and tags.

    `sweep`: find the Service's groups by name prefix over the whole region, not only the
    `attached` ones and the planned names, so that `stale` holds every unplanned one.
    """
    named = named_for(api, plan.ref) if sweep else _known(api, plan, attached)
    known = {tg["TargetGroupName"]: tg for tg in named.groups}
    arns, new = {}, set()
    for group in plan.groups:
        existing = known.get(group.name)
        if existing is None:
            arns[group.name] = _create(api, group, plan, vpc_id)
            new.add(arns[group.name])
            continue
        arns[group.name] = existing["TargetGroupArn"]
        _converge_existing(api, existing, plan, named.tags.get(arns[group.name], {}))
    for arn in arns.values():
        _converge_proxy(api, arn, plan.proxy_protocol, new=arn in new)
    keep = set(arns.values())
    stale = tuple(
        tg["TargetGroupArn"] for tg in named.ours(plan.ref) if tg["TargetGroupArn"] not in keep
    )
    return Groups(arns=arns, new=frozenset(new), stale=stale)


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


def delete_stale(api: Api, groups: Groups) -> None:
    """Delete the groups of ours that no listener needs any more."""
    for arn in groups.stale:
        delete(api, arn)
