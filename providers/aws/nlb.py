"""A Network Load Balancer itself: find, create, delete, and converge its own settings.

Where it sits: the NLB flow (`nlb_flow`) finds the NLB by name and keeps it only if its tags
say it is ours; creates it when absent; converges subnets and attributes in place. Its target
groups and listeners are `groups` and `listeners`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lbcontroller.spec import LoadBalancerRef
from providers.aws.api import Api
from providers.aws.found import Found, elbv2_tags, pick_owned
from providers.aws.plan import Plan
from providers.aws.sdk import is_code
from providers.aws.tags import EIPS, to_list

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elbv2.type_defs import SubnetMappingTypeDef

CROSS_ZONE = "load_balancing.cross_zone.enabled"


def _found(raw: Any, tags: dict[str, str]) -> Found:
    return Found(
        kind="nlb",
        id=raw["LoadBalancerArn"],
        scheme=raw.get("Scheme", "internet-facing"),
        dns=raw["DNSName"],
        tags=tags,
        raw=raw,
    )


def find(api: Api, ref: LoadBalancerRef, *, strict: bool = True) -> Found | None:
    """Our NLB for `ref`, None when absent (or, not `strict`, when not ours)."""
    try:
        lbs = api.run(api.elbv2.describe_load_balancers, Names=[ref.name])["LoadBalancers"]
    except ClientError as exc:
        if is_code(exc, "LoadBalancerNotFound"):
            return None
        raise
    tags = elbv2_tags(api, [lb["LoadBalancerArn"] for lb in lbs])
    candidates = [_found(lb, tags.get(lb["LoadBalancerArn"], {})) for lb in lbs]
    return pick_owned(candidates, ref, strict=strict)


def create(api: Api, plan: Plan) -> Found:
    """Create the NLB (no listeners yet), tagged as ours."""
    mappings: list[SubnetMappingTypeDef] = [{"SubnetId": subnet} for subnet in plan.subnets]
    for mapping, allocation in zip(mappings, plan.eips, strict=False):
        mapping["AllocationId"] = allocation
    tags = plan.tag_map | ({EIPS: ",".join(plan.eips)} if plan.eips else {})
    raw = api.run(
        api.elbv2.create_load_balancer,
        Name=plan.ref.name,
        Type="network",
        Scheme=plan.scheme,
        SubnetMappings=mappings,
        IpAddressType="ipv4",
        Tags=to_list(tags),
    )["LoadBalancers"][0]
    return _found(raw, tags)


def must_recreate(found: Found, plan: Plan) -> bool:
    """What AWS cannot change in place: the scheme, and the Elastic IPs."""
    eips_changed = found.tags.get(EIPS, "") != ",".join(plan.eips)
    return (
        found.scheme != plan.scheme
        or eips_changed
        or bool(plan.eips and _subnets_changed(found, plan))
    )


def _subnets_changed(found: Found, plan: Plan) -> bool:
    current = {zone["SubnetId"] for zone in found.raw.get("AvailabilityZones", [])}
    return current != set(plan.subnets)


def converge(api: Api, found: Found, plan: Plan, *, fresh: bool) -> None:
    """Subnets and the cross-zone attribute, in place (a `fresh` NLB has AWS's defaults)."""
    if not fresh and _subnets_changed(found, plan):
        api.run(api.elbv2.set_subnets, LoadBalancerArn=found.id, Subnets=list(plan.subnets))
    current: str | None = "false"
    if not fresh:
        found_attributes = api.run(
            api.elbv2.describe_load_balancer_attributes, LoadBalancerArn=found.id
        )["Attributes"]
        current = next((a.get("Value") for a in found_attributes if a.get("Key") == CROSS_ZONE), "")
    wanted = str(plan.cross_zone).lower()
    if current != wanted:
        api.run(
            api.elbv2.modify_load_balancer_attributes,
            LoadBalancerArn=found.id,
            Attributes=[{"Key": CROSS_ZONE, "Value": wanted}],
        )


def delete(api: Api, found: Found) -> None:
    """Delete the NLB (AWS deletes its listeners with it)."""
    api.run(api.elbv2.delete_load_balancer, LoadBalancerArn=found.id)
