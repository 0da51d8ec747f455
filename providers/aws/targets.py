"""Backends as EC2 instances: registering and deregistering only the difference, and where
this process last put them.

Where it sits: `converge` asks `group_steps` for each NLB target group and `classic_steps`
for a classic ELB; both write nothing when the sets already match and send at most `CHUNK`
ids a call. The provider records an `Applied` in its `Memo` after each successful ensure or
read-path target update, and `update_backends` looks it up: with the reconciler's record of
the backends it last applied, `shift` writes the difference with no read at all (what a
node change at scale costs is then one write per target group). `ensure_deleted` deletes an
NLB it remembers by its ARN and groups (`teardown.remove_everything`). Any failure forgets the
entry, so the retry takes the read path; drift made behind our back is the verify resync's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lbcontroller.spec import Backend
from lbcontroller.steps import Made, Step
from providers.aws.api import Api, Id

CHUNK = 100
_INSTANCE = re.compile(r"^i-[0-9a-f]+$")


@dataclass(frozen=True, slots=True)
class Applied:
    """A load balancer as the last converge left it: its kind and its target groups' ARNs,
    and an NLB's own ARN when it bears our name ("" otherwise: a classic ELB, or an NLB
    upstream named, whose leftovers a delete must look for)."""

    kind: str  # "nlb" or "classic"
    groups: tuple[str, ...] = ()
    arn: str = ""


class Memo:
    """`Applied` by load balancer name; thread-safe (workers share one provider)."""

    def __init__(self) -> None:
        self._applied: dict[str, Applied] = {}
        self._lock = threading.Lock()

    def remember(self, name: str, applied: Applied | None) -> None:
        """Record what `name` is now (None: nothing is known, forget it)."""
        with self._lock:
            if applied is None:
                self._applied.pop(name, None)
            else:
                self._applied[name] = applied

    def recall(self, name: str) -> Applied | None:
        """What `name` was left as, if this process knows."""
        with self._lock:
            return self._applied.get(name)


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


def members(api: Api, arn: str) -> frozenset[str]:
    """The instances registered in a target group, less those already draining."""
    found = api.run(api.elbv2.describe_target_health, TargetGroupArn=arn)
    return frozenset(
        d["Target"]["Id"]
        for d in found["TargetHealthDescriptions"]
        if d.get("TargetHealth", {}).get("State") != "draining"
    )


def _steps(
    api: Api,
    made: Made,
    calls: tuple[tuple[Callable[..., Any], frozenset[str]], ...],
    target: Callable[[list[str]], dict[str, Any]],
) -> list[Step]:
    return [
        api.step(made, method, **target(chunk)) for method, ids in calls for chunk in _chunks(ids)
    ]


def group_steps(
    api: Api, made: Made, *, arn: Id, wanted: frozenset[str], current: frozenset[str]
) -> list[Step]:
    """Register the missing instances in a target group, deregister the extra ones."""
    calls = (
        (api.elbv2.register_targets, wanted - current),
        (api.elbv2.deregister_targets, current - wanted),
    )
    return _steps(
        api, made, calls, lambda ids: {"TargetGroupArn": arn, "Targets": [{"Id": i} for i in ids]}
    )


def classic_steps(
    api: Api, made: Made, *, name: str, wanted: frozenset[str], current: frozenset[str]
) -> list[Step]:
    """The same for a classic ELB, whose description already lists its instances."""
    calls = (
        (api.elb.register_instances_with_load_balancer, wanted - current),
        (api.elb.deregister_instances_from_load_balancer, current - wanted),
    )
    return _steps(
        api,
        made,
        calls,
        lambda ids: {"LoadBalancerName": name, "Instances": [{"InstanceId": i} for i in ids]},
    )


def shift(
    api: Api,
    made: Made,
    *,
    applied: Applied,
    name: str,
    wanted: frozenset[str],
    current: frozenset[str],
) -> list[Step]:
    """The difference between `current` (last applied) and `wanted`, from no read at all."""
    steps = []
    if applied.kind == "classic":
        steps += classic_steps(api, made, name=name, wanted=wanted, current=current)
    for arn in applied.groups:
        steps += group_steps(api, made, arn=arn, wanted=wanted, current=current)
    return steps
