"""Backends as EC2 instances: registering and deregistering only the difference.

Where it sits: `ensure` and `update_backends` call `converge_group` for each NLB target group
and `converge_classic` for a classic ELB; both write nothing when the sets already match and
send at most `CHUNK` ids a call. `shift` does either from what the memo and the reconciler
know, without reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from lbcontroller.spec import Backend
from providers.aws.api import Api
from providers.aws.memo import Made

CHUNK = 100
_INSTANCE = re.compile(r"^i-[0-9a-f]+$")


def instance_id(provider_id: str) -> str | None:
    """`aws:///us-east-1a/i-0abc...` (or `aws:////i-...`) -> `i-0abc...`; None otherwise."""
    if not provider_id.startswith("aws://"):
        return None
    last = provider_id.rstrip("/").rsplit("/", 1)[-1]
    return last if _INSTANCE.match(last) else None


def instances(backends: Iterable[Backend]) -> frozenset[str]:
    """The instance ids of the backends that have one (the others are skipped)."""
    return frozenset(i for b in backends if (i := instance_id(b.provider_id)) is not None)


def _chunks(ids: frozenset[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def group_members(api: Api, arn: str) -> frozenset[str]:
    """The instances registered in a target group, less those already draining."""
    found = api.run(api.elbv2.describe_target_health, TargetGroupArn=arn)
    return frozenset(
        d["Target"]["Id"]
        for d in found["TargetHealthDescriptions"]
        if d.get("TargetHealth", {}).get("State") != "draining"
    )


def converge_group(api: Api, *, arn: str, wanted: frozenset[str], current: frozenset[str]) -> None:
    """Register the missing instances in a target group, deregister the extra ones."""
    calls: tuple[tuple[Callable[..., object], frozenset[str]], ...] = (
        (api.elbv2.register_targets, wanted - current),
        (api.elbv2.deregister_targets, current - wanted),
    )
    for method, ids in calls:
        for chunk in _chunks(ids):
            api.run(method, TargetGroupArn=arn, Targets=[{"Id": i} for i in chunk])


def shift(
    api: Api, *, made: Made, name: str, wanted: frozenset[str], current: frozenset[str]
) -> None:
    """Write the difference between `current` (last applied) and `wanted`, reading nothing."""
    if made.kind == "classic":
        converge_classic(api, name=name, wanted=wanted, current=current)
    for arn in made.groups:
        converge_group(api, arn=arn, wanted=wanted, current=current)


def converge_classic(
    api: Api, *, name: str, wanted: frozenset[str], current: frozenset[str]
) -> None:
    """The same for a classic ELB, whose description already lists its instances."""
    calls: tuple[tuple[Callable[..., object], frozenset[str]], ...] = (
        (api.elb.register_instances_with_load_balancer, wanted - current),
        (api.elb.deregister_instances_from_load_balancer, current - wanted),
    )
    for method, ids in calls:
        for chunk in _chunks(ids):
            api.run(method, LoadBalancerName=name, Instances=[{"InstanceId": i} for i in chunk])
