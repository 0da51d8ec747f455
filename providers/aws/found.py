"""A load balancer of ours as AWS describes it, its tags, and the status it yields.

Where it sits: the NLB and classic finders return a `Found` only after checking its ownership
tags; `ensure` turns it into the Service's status. The tag readers batch 20 resources a call
(the ELB APIs' limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lbcontroller.errors import PermanentError
from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus
from lbcontroller.spec import LoadBalancerRef
from providers.aws.api import Api
from providers.aws.tags import owned_by, to_dict

TAG_BATCH = 20


@dataclass(frozen=True, slots=True)
class Found:
    """One load balancer: `id` is its ARN (NLB) or name (classic); `raw` its description."""

    kind: str
    id: str
    scheme: str
    dns: str
    tags: Mapping[str, str]
    raw: Mapping[str, Any]


def status(found: Found) -> LoadBalancerStatus:
    """The DNS name, then the addresses AWS reports (Elastic IPs of an NLB)."""
    addresses = [
        address["IpAddress"]
        for zone in found.raw.get("AvailabilityZones", [])
        for address in zone.get("LoadBalancerAddresses", [])
        if address.get("IpAddress")
    ]
    ingress = [Ingress(hostname=found.dns), *(Ingress(ip=ip) for ip in addresses)]
    return LoadBalancerStatus(ingress=tuple(ingress))


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


def pick_owned(candidates: Sequence[Found], ref: LoadBalancerRef, *, strict: bool) -> Found | None:
    """Ours among same-named load balancers; with `strict`, one not ours is an error."""
    for found in candidates:
        if owned_by(found.tags, ref):
            return found
    if candidates and strict:
        raise PermanentError(f"name {ref.name} taken by a load balancer we do not own")
    return None
