"""What we own: the tags that say a resource is ours, finding ours among same-named load
balancers, and listing everything of ours for garbage collection.

Where it sits: every create passes `tags_for(...)`; the NLB and classic finders keep a
`Found` only when `pick_owned` sees our tags, before the provider modifies or deletes
anything; the provider's `list_owned` rebuilds refs with `ref_from`. Tags are read 20
resources a call (the ELB APIs' limit); the listings are paged (capped in `Api.collect`).
Target groups of ours whose load balancer is gone (a teardown cut short) are listed under
their Service's ref too, so that `gc` finds and deletes them.

The upstream aws-cloud-controller-manager names a Service's load balancer `a` + its UID
without dashes, cut to 32 characters, and tags it `kubernetes.io/cluster/<its cluster id>=
owned` and `kubernetes.io/service-name=<ns>/<name>`. Such an NLB or classic ELB, with both
tags matching, is adoptable (`made_by_upstream`): `converge` adds our marks plus the Service's
UID (`SERVICE_UID`, so that a ref rebuilt from tags still finds it by its upstream name). One
whose Service is gone is listed for `gc` under its Service's ref, its UID as much as the name
keeps.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lbcontroller.errors import PermanentError
from lbcontroller.naming import lb_name
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Step
from providers.aws.api import Api

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
# On an adopted load balancer: the UID its name was made from (see the module's docstring).
SERVICE_UID = "lbcontroller.io/service-uid"
TAG_BATCH = 20
UPSTREAM_NAME = re.compile(r"a[0-9a-f]{31}")


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


def tags_for(ref: LoadBalancerRef, extra: Mapping[str, str]) -> dict[str, str]:
    """The user's additional tags plus ours (ours win a clash)."""
    return {**extra, **ownership(ref)}


def owned_by_cluster(tags: Mapping[str, str], cluster: str) -> bool:
    """Whether `tags` mark a resource created by lbcontroller for `cluster`."""
    return tags.get(cluster_key(cluster)) == "owned" and tags.get(MANAGED_BY) == MANAGER


def owned_by(tags: Mapping[str, str], ref: LoadBalancerRef) -> bool:
    """Whether `tags` mark a resource of ours for exactly this Service."""
    return owned_by_cluster(tags, ref.cluster) and tags.get(SERVICE_NAME) == ref.service_key


def upstream_name(uid: str) -> str:
    """The name the upstream controller gives a Service's load balancer."""
    return ("a" + uid.replace("-", ""))[:32]


def made_by_upstream(name: str, tags: Mapping[str, str], upstream_cluster: str) -> bool:
    """Whether an upstream controller of this cluster made the load balancer `name`."""
    return (
        UPSTREAM_NAME.fullmatch(name) is not None
        and tags.get(cluster_key(upstream_cluster)) == "owned"
        and bool(tags.get(SERVICE_NAME))
    )


def upstream_tied(tags: Mapping[str, str], ref: LoadBalancerRef, upstream_cluster: str) -> bool:
    """Whether upstream's tags (and not ours) tie a resource to this cluster and `ref`'s Service."""
    return (
        tags.get(cluster_key(upstream_cluster)) == "owned"
        and tags.get(SERVICE_NAME) == ref.service_key
        and MANAGED_BY not in tags
    )


def adoptable(found: Found, ref: LoadBalancerRef, upstream_cluster: str) -> bool:
    """Whether `found` is what upstream made for exactly `ref`'s Service in this cluster."""
    name = found.raw.get("LoadBalancerName", "")
    return (
        bool(ref.uid)
        and upstream_name(ref.uid) == name
        and made_by_upstream(name, found.tags, upstream_cluster)
        and upstream_tied(found.tags, ref, upstream_cluster)
    )


def upstream_made(found: Found, ref: LoadBalancerRef) -> bool:
    """Whether `found` bears upstream's name for `ref` (upstream's leftovers may remain)."""
    return bool(ref.uid) and found.raw.get("LoadBalancerName") == upstream_name(ref.uid)


def find_or_upstream(
    named: Callable[[str], list[Found]],
    ref: LoadBalancerRef,
    *,
    upstream_cluster: str,
    strict: bool,
) -> Found | None:
    """Ours among the load balancers `named` ours, else the one upstream made for `ref`
    (adopted or adoptable), else None.

    Not `strict`: our name taken by one not ours is None too. A look-alike under the upstream
    name (without upstream's tags for this cluster and Service) is never returned.
    """
    candidates = named(ref.name)
    found = pick_owned(candidates, ref, strict=False)
    if found is None and ref.uid:
        found = next(
            (
                f
                for f in named(upstream_name(ref.uid))
                if owned_by(f.tags, ref) or adoptable(f, ref, upstream_cluster)
            ),
            None,
        )
    return found if found is not None else pick_owned(candidates, ref, strict=strict)


def adoption(
    found: Found, ref: LoadBalancerRef, add_tags: Callable[[list[TagTypeDef]], Step]
) -> list[Step]:
    """The `add_tags` step that makes `found`, which upstream made, ours, shown in a plan as
    `adopt`; nothing when it already is ours."""
    if owned_by(found.tags, ref):
        return []
    step = add_tags(to_list(adoption_marks(ref)))
    detail = f"made by cloud-provider-aws, kept in place: {found.raw['DNSName']}"
    change = dataclasses.replace(step.change, action="adopt", detail=detail)
    return [dataclasses.replace(step, change=change)]


KIND_NAMES = {"nlb": "NLB", "classic": "classic ELB"}


def replacing(step: Step, old: Found | None, kind: str, why: str) -> Step:
    """The create `step` of a `kind` load balancer, its detail naming the `old` one it replaces
    and why (a type change is named as such)."""
    if old is None:
        return step
    reason = "type changes" if old.kind != kind else why
    detail = f"replaces {KIND_NAMES[old.kind]} {old.raw['LoadBalancerName']}: {reason}"
    return dataclasses.replace(step, change=dataclasses.replace(step.change, detail=detail))


def adoption_marks(ref: LoadBalancerRef) -> dict[str, str]:
    """The tags that make an upstream-made load balancer ours (with the UID it was named from)."""
    return ownership(ref) | {SERVICE_UID: ref.uid}


def ref_from(
    tags: Mapping[str, str], *, cluster: str, name: str | None = None
) -> LoadBalancerRef | None:
    """The ref of an owned resource, or None when its tags are incomplete.

    `name` is the load balancer's own name; a child resource (a target group) passes none and
    gets the name the Service's load balancer has, as does an adopted load balancer (its UID
    tag finds it by its upstream name).
    """
    namespace, sep, service = tags.get(SERVICE_NAME, "").partition("/")
    if not (owned_by_cluster(tags, cluster) and sep and namespace and service):
        return None
    uid = tags.get(SERVICE_UID, "")
    if name is None or uid:
        name = lb_name(cluster, namespace, service)
    return LoadBalancerRef(
        cluster=cluster, namespace=namespace, service=service, name=name, uid=uid
    )


def upstream_ref(
    name: str, tags: Mapping[str, str], *, cluster: str, upstream_cluster: str
) -> LoadBalancerRef | None:
    """The ref of a load balancer upstream made that we have not adopted.

    Its UID is what the name keeps of the Service's (all but the last character), enough to
    find it again by that name (`upstream_name`).
    """
    namespace, sep, service = tags.get(SERVICE_NAME, "").partition("/")
    if not (made_by_upstream(name, tags, upstream_cluster) and sep and namespace and service):
        return None
    return LoadBalancerRef(
        cluster=cluster,
        namespace=namespace,
        service=service,
        name=lb_name(cluster, namespace, service),
        uid=name[1:],
    )


def to_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    """Tags in the ELB APIs' wire form, sorted by key."""
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]


def to_dict(tags: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Tags from any AWS API's wire form."""
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tags}


def changed(current: Mapping[str, str], wanted: Mapping[str, str]) -> dict[str, str]:
    """The wanted tags that are missing from `current` or have another value there."""
    return {key: value for key, value in wanted.items() if current.get(key) != value}


@dataclass(frozen=True, slots=True)
class Found:
    """One load balancer: `id` is its ARN (NLB) or name (classic); `raw` its description."""

    kind: str
    id: str
    scheme: str
    tags: Mapping[str, str]
    raw: Mapping[str, Any]


def endpoints(raw: Mapping[str, Any]) -> list[str]:
    """A description's DNS name, then the addresses AWS reports (an NLB's Elastic IPs)."""
    ips = [
        address["IpAddress"]
        for zone in raw.get("AvailabilityZones", [])
        for address in zone.get("LoadBalancerAddresses", [])
        if address.get("IpAddress")
    ]
    return [raw["DNSName"], *ips]


def made_key(ref: LoadBalancerRef) -> str:
    """Where a journal's `Made` keeps a new load balancer's id (NLB: its ARN)."""
    return f"load-balancer {ref.name}"


def status_key(ref: LoadBalancerRef) -> str:
    """Where a journal's `Made` keeps a new load balancer's `endpoints`, comma-separated."""
    return f"{made_key(ref)} status"


def pick_owned(candidates: Sequence[Found], ref: LoadBalancerRef, *, strict: bool) -> Found | None:
    """Ours among same-named load balancers; with `strict`, one not ours is an error."""
    for found in candidates:
        if owned_by(found.tags, ref):
            return found
    if candidates and strict:
        raise PermanentError(f"name {ref.name} taken by a load balancer we do not own")
    return None


def _batched(
    keys: Sequence[str], fetch: Callable[[list[str]], Iterable[Mapping[str, Any]]], key: str
) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(keys), TAG_BATCH):
        for item in fetch(list(keys[start : start + TAG_BATCH])):
            out[item[key]] = to_dict(item.get("Tags", []))
    return out


def elbv2_tags(api: Api, arns: Sequence[str]) -> dict[str, dict[str, str]]:
    """Tags of ELBv2 resources (load balancers, target groups) by ARN."""

    def fetch(batch: list[str]) -> Iterable[Mapping[str, Any]]:
        return api.run(api.elbv2.describe_tags, ResourceArns=batch)["TagDescriptions"]

    return _batched(arns, fetch, "ResourceArn")


def classic_tags(api: Api, names: Sequence[str]) -> dict[str, dict[str, str]]:
    """Tags of classic ELBs by name."""

    def fetch(batch: list[str]) -> Iterable[Mapping[str, Any]]:
        return api.run(api.elb.describe_tags, LoadBalancerNames=batch)["TagDescriptions"]

    return _batched(names, fetch, "LoadBalancerName")


def all_target_groups(api: Api) -> list[Any]:
    """Every target group in the region (paged, 400 a page)."""
    return api.collect(api.elbv2.describe_target_groups, "TargetGroups", PageSize=400)


def list_owned(api: Api, *, cluster: str, upstream_cluster: str) -> list[OwnedLoadBalancer]:
    """Our NLBs (cloud_id: ARN), classic ELBs (`elb/<name>`) and stray groups (`tg/<name>`).

    Load balancers the upstream controller made for this cluster are listed too: `gc` can
    clean them.
    """
    out = _nlbs(api, cluster, upstream_cluster) + _classics(api, cluster, upstream_cluster)
    listed = {item.ref for item in out}
    for item in _groups(api, cluster):
        if item.ref not in listed:
            listed.add(item.ref)
            out.append(item)
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))


def _nlbs(api: Api, cluster: str, upstream_cluster: str) -> list[OwnedLoadBalancer]:
    nlbs = api.collect(api.elbv2.describe_load_balancers, "LoadBalancers", PageSize=400)
    names = {
        lb["LoadBalancerArn"]: lb["LoadBalancerName"] for lb in nlbs if lb["Type"] == "network"
    }
    out = []
    for arn, tags in elbv2_tags(api, sorted(names)).items():
        ref = ref_from(tags, cluster=cluster, name=names[arn]) or upstream_ref(
            names[arn], tags, cluster=cluster, upstream_cluster=upstream_cluster
        )
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=arn))
    return out


def _classics(api: Api, cluster: str, upstream_cluster: str) -> list[OwnedLoadBalancer]:
    classics = api.collect(
        api.elb.describe_load_balancers, "LoadBalancerDescriptions", PageSize=400
    )
    out = []
    for name, tags in classic_tags(api, sorted(lb["LoadBalancerName"] for lb in classics)).items():
        ref = ref_from(tags, cluster=cluster, name=name) or upstream_ref(
            name, tags, cluster=cluster, upstream_cluster=upstream_cluster
        )
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=f"elb/{name}"))
    return out


def _groups(api: Api, cluster: str) -> list[OwnedLoadBalancer]:
    names = {tg["TargetGroupArn"]: tg["TargetGroupName"] for tg in all_target_groups(api)}
    out = []
    for arn, tags in elbv2_tags(api, sorted(names)).items():
        ref = ref_from(tags, cluster=cluster)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=f"tg/{names[arn]}"))
    return sorted(out, key=lambda item: item.cloud_id)
