"""A classic ELB's own security group: found by name and ownership tags, created, deleted.

Where it sits: the classic flow creates the group before the ELB (unless the Service names
its own groups) and converges its rules with `ingress`; `ensure_deleted` deletes it after the
ELB, retrying while AWS still sees it in use (DependencyViolation is transient in `sdk`).
"""

from __future__ import annotations

from typing import Any

from lbcontroller.errors import PermanentError
from lbcontroller.spec import LoadBalancerRef
from providers.aws.api import Api
from providers.aws.tags import owned_by, to_dict


def group_name(ref: LoadBalancerRef) -> str:
    """The name of the ELB's own group."""
    return f"k8s-elb-{ref.name}"


def _named(api: Api, ref: LoadBalancerRef) -> list[Any]:
    return api.collect(
        api.ec2.describe_security_groups,
        "SecurityGroups",
        Filters=[{"Name": "group-name", "Values": [group_name(ref)]}],
    )


def _owned(groups: list[Any], ref: LoadBalancerRef) -> str | None:
    for group in groups:
        if owned_by(to_dict(group.get("Tags", [])), ref):
            return str(group["GroupId"])
    return None


def ensure_own(api: Api, *, ref: LoadBalancerRef, vpc_id: str, tags: dict[str, str]) -> str:
    """Our group's id, creating it when absent."""
    named = _named(api, ref)
    existing = _owned(named, ref)
    if existing is not None:
        return existing
    if named:
        raise PermanentError(f"security group name {group_name(ref)} is taken by one we do not own")
    created = api.run(
        api.ec2.create_security_group,
        GroupName=group_name(ref),
        Description=f"lbcontroller: classic ELB {ref.name} for {ref.service_key}",
        VpcId=vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            }
        ],
    )
    return created["GroupId"]


def find_own(api: Api, ref: LoadBalancerRef) -> str | None:
    """Our group's id, None when absent or not ours."""
    return _owned(_named(api, ref), ref)


def delete_own(api: Api, group_id: str) -> None:
    """Delete our group (retried while the ELB's interfaces still hold it)."""
    api.run(api.ec2.delete_security_group, GroupId=group_id)
