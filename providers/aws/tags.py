"""Ownership marks: the tags that say a resource is ours, and reading a ref back from them.

Where it sits: every create passes `desired(...)`; every finder checks `owned_by` before the
provider modifies or deletes anything; `list_owned` rebuilds refs with `ref_from`. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from lbcontroller.naming import lb_name
from lbcontroller.spec import LoadBalancerRef

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elbv2.type_defs import TagTypeDef

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "lbcontroller.io/managed-by"
MANAGER = "lbcontroller"
# A digest of the desired front end, written last once everything matches it: when it is
# still equal, a steady-state ensure skips reading listeners, groups, attributes and rules.
FINGERPRINT = "lbcontroller.io/fingerprint"
# Elastic IP allocations can only be chosen at creation: recorded here to notice a change.
EIPS = "lbcontroller.io/eip-allocations"


def cluster_key(cluster: str) -> str:
    """`kubernetes.io/cluster/<cluster>`, valued `owned` on what this cluster owns."""
    return f"kubernetes.io/cluster/{cluster}"


def ownership(ref: LoadBalancerRef) -> dict[str, str]:
    """The tags every resource we create carries."""
    return {
        cluster_key(ref.cluster): "owned",
        SERVICE_NAME: ref.service_key,
        MANAGED_BY: MANAGER,
    }


def desired(ref: LoadBalancerRef, extra: Mapping[str, str]) -> dict[str, str]:
    """The user's additional tags plus ours (ours win a clash)."""
    return {**extra, **ownership(ref)}


def owned_by_cluster(tags: Mapping[str, str], cluster: str) -> bool:
    """Whether `tags` mark a resource created by lbcontroller for `cluster`."""
    return tags.get(cluster_key(cluster)) == "owned" and tags.get(MANAGED_BY) == MANAGER


def owned_by(tags: Mapping[str, str], ref: LoadBalancerRef) -> bool:
    """Whether `tags` mark a resource of ours for exactly this Service."""
    return owned_by_cluster(tags, ref.cluster) and tags.get(SERVICE_NAME) == ref.service_key


def ref_from(
    tags: Mapping[str, str], *, cluster: str, name: str | None = None
) -> LoadBalancerRef | None:
    """The ref of an owned resource, or None when its tags are incomplete.

    `name` is the load balancer's own name; a child resource (a target group) passes none and
    gets the name the Service's load balancer has.
    """
    namespace, sep, service = tags.get(SERVICE_NAME, "").partition("/")
    if not (owned_by_cluster(tags, cluster) and sep and namespace and service):
        return None
    if name is None:
        name = lb_name(cluster, namespace, service)
    return LoadBalancerRef(cluster=cluster, namespace=namespace, service=service, name=name)


def to_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    """Tags in the ELB APIs' wire form, sorted by key."""
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]


def to_dict(tags: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Tags from any AWS API's wire form."""
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tags}


def changed(current: Mapping[str, str], wanted: Mapping[str, str]) -> dict[str, str]:
    """The wanted tags that are missing from `current` or have another value there."""
    return {key: value for key, value in wanted.items() if current.get(key) != value}
