"""An NLB's listeners: matched to the plan, repointed or moved in place, never duplicated.

Where it sits: the NLB flow calls `converge` after the target groups exist (and hold their
targets) and before the stale groups are deleted. Matching: first by port; then the leftover
listeners are moved to the leftover ports with ModifyListener (no gap for the rest of the
Service), and only what is still left over is created or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.aws.api import Api
from providers.aws.groups import PROTOCOLS
from providers.aws.plan import Group


def _target(listener: Any) -> str | None:
    for action in listener.get("DefaultActions", []):
        if action.get("Type") == "forward" and action.get("TargetGroupArn"):
            return str(action["TargetGroupArn"])
    return None


def _differs(listener: Any, group: Group, arn: str) -> bool:
    current = (listener["Port"], listener["Protocol"], _target(listener))
    return current != (group.port, group.protocol, arn)


def _pairs(current: list[Any], groups: tuple[Group, ...]) -> tuple[list[Any], list[Any], list[Any]]:
    """(listener, group) pairs to keep or modify, groups to create, listeners to delete."""
    by_port = {listener["Port"]: listener for listener in current}
    pairs = [(by_port[g.port], g) for g in groups if g.port in by_port]
    matched = {g.port for _, g in pairs}
    spare_groups = [g for g in groups if g.port not in matched]
    spare = sorted((x for x in current if x["Port"] not in matched), key=lambda x: x["Port"])
    pairs += list(zip(spare, spare_groups, strict=False))
    return pairs, spare_groups[len(spare) :], spare[len(spare_groups) :]


def current(api: Api, lb_arn: str) -> list[Any]:
    """The NLB's listeners."""
    return api.collect(api.elbv2.describe_listeners, "Listeners", LoadBalancerArn=lb_arn)


def forwarded(listeners: list[Any]) -> list[str]:
    """The target groups the listeners forward to: the NLB's groups, without another call."""
    return sorted({arn for listener in listeners if (arn := _target(listener)) is not None})


def converge(
    api: Api, *, lb_arn: str, current: list[Any], groups: tuple[Group, ...], arns: Mapping[str, str]
) -> None:
    """Make the NLB's `current` listeners forward each planned port to its group."""
    pairs, create, delete = _pairs(current, groups)
    for listener, group in pairs:
        if _differs(listener, group, arns[group.name]):
            api.run(
                api.elbv2.modify_listener,
                ListenerArn=listener["ListenerArn"],
                Port=group.port,
                Protocol=PROTOCOLS[group.protocol],
                DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[group.name]}],
            )
    for group in create:
        api.run(
            api.elbv2.create_listener,
            LoadBalancerArn=lb_arn,
            Port=group.port,
            Protocol=PROTOCOLS[group.protocol],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[group.name]}],
        )
    for listener in delete:
        api.run(api.elbv2.delete_listener, ListenerArn=listener["ListenerArn"])
