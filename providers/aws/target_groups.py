"""An NLB's target groups: one per listener, created new-before-old, health checks in place.

Where it sits: `converge` (the module) asks `converge` for the steps that make the groups
(run before listeners point at them) and `delete_stale` for those that delete the old ones
(run after the listeners stopped pointing at them); `teardown` asks `of_service` and
`delete`. A new group's ARN is `New` until its create step has run. Groups are known
through our NLB's listeners plus a lookup of each desired name; every group is kept only
with our tags. A sweep instead pages through the region's groups for the name prefix all of
a Service's groups share, which finds those no listener names: teardown always sweeps, and
so does a converge after one was cut short (the fingerprint not written), so a crash between
repointing a listener and deleting the old group, or in the middle of a teardown, leaves
nothing behind. Creates and resyncs never sweep: the paged read grows with the region's
groups.
An NLB adopted from the upstream controller keeps its listeners, repointed to groups of ours
(upstream's `k8s-<ns8>-<name8>-<hash10>` groups carry its health-check defaults, not the
spec's); its groups that upstream's tags tie to the Service (`upstream_of`) are deleted after
the listeners left them, like our stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lbcontroller.errors import PermanentError
from lbcontroller.naming import child_prefix
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Made, Step
from providers.aws.api import Api, Id, New
from providers.aws.desired import Desired, Group, Health
from providers.aws.ownership import (
    all_target_groups,
    changed,
    elbv2_tags,
    owned_by,
    to_list,
    upstream_tied,
)

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elbv2.literals import ProtocolEnumType

PROXY = "proxy_protocol_v2.enabled"
PROTOCOLS: dict[str, ProtocolEnumType] = {"TCP": "TCP", "UDP": "UDP", "TCP_UDP": "TCP_UDP"}


@dataclass(frozen=True, slots=True)
class Groups:
    """The desired groups' ARNs by name, the steps that make them so, our groups not wanted."""

    arns: dict[str, Id]
    steps: list[Step]
    stale: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Named:
    """Candidate groups of a Service, and their tags by ARN."""

    groups: list[Any]
    tags: dict[str, dict[str, str]]
    known: frozenset[str] = frozenset()  # ARNs this process made and converged: ours

    def ours(self, ref: LoadBalancerRef) -> list[Any]:
        """Those known or tagged as ours for `ref`."""
        return [
            tg
            for tg in self.groups
            if tg["TargetGroupArn"] in self.known
            or owned_by(self.tags.get(tg["TargetGroupArn"], {}), ref)
        ]


def named_for(api: Api, ref: LoadBalancerRef, known: frozenset[str] = frozenset()) -> Named:
    """Every group whose name starts with `ref`'s child prefix, with the tags of those not
    `known` (no tag read at all when every one is)."""
    prefix = child_prefix(ref.name)
    named = [tg for tg in all_target_groups(api) if tg["TargetGroupName"].startswith(prefix)]
    unknown = [tg["TargetGroupArn"] for tg in named if tg["TargetGroupArn"] not in known]
    return Named(groups=named, tags=elbv2_tags(api, unknown), known=known)


def of_service(api: Api, ref: LoadBalancerRef, known: frozenset[str] = frozenset()) -> list[str]:
    """The ARNs of every group of ours for `ref`, attached to a listener or not."""
    return [tg["TargetGroupArn"] for tg in named_for(api, ref, known).ours(ref)]


def upstream_of(
    api: Api, arns: list[str], ref: LoadBalancerRef, upstream_cluster: str
) -> list[str]:
    """Those of `arns` (an adopted NLB's groups) that upstream made for `ref`'s Service."""
    tags = elbv2_tags(api, arns)
    return [arn for arn in arns if upstream_tied(tags.get(arn, {}), ref, upstream_cluster)]


def delete(api: Api, made: Made, arn: str) -> Step:
    """Delete one group of ours; already gone (a retried call whose reply was lost) is fine."""
    return api.step(
        made,
        api.elbv2.delete_target_group,
        expected={"TargetGroupNotFound": None},
        TargetGroupArn=arn,
    )


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


def _create(api: Api, made: Made, group: Group, d: Desired, vpc_id: str) -> tuple[New, Step]:
    key = f"target-group {group.name}"
    step = api.step(
        made,
        api.elbv2.create_target_group,
        keep=lambda answer: {key: answer["TargetGroups"][0]["TargetGroupArn"]},
        Name=group.name,
        Protocol=PROTOCOLS[group.protocol],
        Port=group.node_port,
        VpcId=vpc_id,
        TargetType="instance",
        Tags=to_list(d.tag_map),
        **_health(d.health),
    )
    return New(key), step


def describe(api: Api, arns: list[str]) -> list[Any]:
    """The target groups with these ARNs (those our NLB's listeners forward to)."""
    if not arns:
        return []
    return list(api.run(api.elbv2.describe_target_groups, TargetGroupArns=arns)["TargetGroups"])


def _lookup(api: Api, name: str) -> Any | None:
    found = api.maybe("TargetGroupNotFound", api.elbv2.describe_target_groups, Names=[name])
    return None if found is None else found["TargetGroups"][0]


def _known(api: Api, d: Desired, attached: list[Any]) -> Named:
    """The attached groups and the desired names that exist (one a crash left unattached)."""
    groups = list(attached)
    names = {tg["TargetGroupName"] for tg in groups}
    for group in d.groups:
        if group.name not in names and (found := _lookup(api, group.name)) is not None:
            groups.append(found)
    return Named(groups=groups, tags=elbv2_tags(api, [tg["TargetGroupArn"] for tg in groups]))


def converge(
    api: Api, made: Made, *, d: Desired, vpc_id: str, attached: list[Any], sweep: bool
) -> Groups:
    """Every desired group exists, is ours, and has the desired health check and tags.

    `sweep`: find the Service's groups by name prefix over the whole region, not only the
    `attached` ones and the desired names, so that `stale` holds every unwanted one.
    """
    named = named_for(api, d.ref) if sweep else _known(api, d, attached)
    known = {tg["TargetGroupName"]: tg for tg in named.groups}
    arns: dict[str, Id] = {}
    steps: list[Step] = []
    for group in d.groups:
        existing = known.get(group.name)
        if existing is None:
            arns[group.name], create = _create(api, made, group, d, vpc_id)
            steps.append(create)
            continue
        arns[group.name] = existing["TargetGroupArn"]
        steps += _converge_existing(
            api, made, existing, d, named.tags.get(existing["TargetGroupArn"], {})
        )
    for arn in arns.values():
        steps += _converge_proxy(api, made, arn, d.proxy_protocol)
    keep = set(arns.values())
    stale = tuple(
        tg["TargetGroupArn"] for tg in named.ours(d.ref) if tg["TargetGroupArn"] not in keep
    )
    return Groups(arns=arns, steps=steps, stale=stale)


def _converge_existing(
    api: Api, made: Made, group: Any, d: Desired, tags: dict[str, str]
) -> list[Step]:
    arn = group["TargetGroupArn"]
    if not owned_by(tags, d.ref):
        name = group["TargetGroupName"]
        raise PermanentError(f"target group name {name} is taken by a group we do not own")
    steps = []
    health = _health(d.health)
    if any(group.get(key) != value for key, value in health.items()):
        steps.append(api.step(made, api.elbv2.modify_target_group, TargetGroupArn=arn, **health))
    missing = changed(tags, d.tag_map)
    if missing:
        steps.append(api.step(made, api.elbv2.add_tags, ResourceArns=[arn], Tags=to_list(missing)))
    return steps


def _converge_proxy(api: Api, made: Made, arn: Id, wanted: bool) -> list[Step]:
    current = False  # a new group has AWS's default
    if not isinstance(arn, New):
        found = api.run(api.elbv2.describe_target_group_attributes, TargetGroupArn=arn)
        current = any(
            a.get("Key") == PROXY and a.get("Value") == "true" for a in found["Attributes"]
        )
    if current == wanted:
        return []
    step = api.step(
        made,
        api.elbv2.modify_target_group_attributes,
        TargetGroupArn=arn,
        Attributes=[{"Key": PROXY, "Value": str(wanted).lower()}],
    )
    return [step]


def delete_stale(api: Api, made: Made, groups: Groups) -> list[Step]:
    """Delete the groups of ours that no listener needs any more."""
    return [delete(api, made, arn) for arn in groups.stale]
