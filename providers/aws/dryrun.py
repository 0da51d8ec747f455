"""Dry runs: the writes a verb would make, found by running the very same flow unwritten.

Where it sits: `Api.run` in a dry `Api` (see `Api.dry`) reads as usual but, instead of sending
a write, records it here as a `PlannedChange` and returns a `Planned` stand-in for the answer,
so the flow goes on as if the write had succeeded. `plan` / `plan_delete` therefore report
exactly the operations `ensure` / `ensure_deleted` would send, by AWS's own names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lbcontroller.provider import PlannedChange

_KINDS = (
    ("SecurityGroupIngress", "firewall"),
    ("SecurityGroup", "security-group"),
    ("TargetGroup", "target-group"),
    ("Targets", "targets"),
    ("Instances", "targets"),
    ("Listener", "listener"),
    ("Tags", "tags"),
)
_NAME_KEYS = (
    "Name",
    "LoadBalancerName",
    "GroupName",
    "TargetGroupArn",
    "ListenerArn",
    "LoadBalancerArn",
    "GroupId",
    "ResourceArns",
    "LoadBalancerNames",
)


class Planned(str):
    """Stands in for a write's answer: any key or index of it is itself; `.get` the default."""

    __slots__ = ()

    def __getitem__(self, _key: Any) -> Planned:
        return self

    def get(self, _key: str, default: Any = None) -> Any:
        """Like a dict that holds nothing."""
        return default


def _words(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


def _action(operation: str) -> str:
    if operation.startswith(("Create", "Authorize", "Register")):
        return "create"
    if re.match(r"(Delete|Revoke|Deregister|Detach|Remove)", operation):
        return "delete"
    return "update"


def _kind(operation: str) -> str:
    return next((kind for word, kind in _KINDS if word in operation), "load-balancer")


def _name(kwargs: Mapping[str, Any]) -> str:
    for key in _NAME_KEYS:
        value = kwargs.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def change(method: str, kwargs: Mapping[str, Any]) -> PlannedChange:
    """The planned change for a boto3 write `method` (e.g. create_target_group) and its args."""
    operation = _words(method)
    details = [f"{k}={len(v)}" for k, v in kwargs.items() if isinstance(v, list)]
    details += [
        f"{t['Key']}={t['Value']}"
        for spec in kwargs.get("TagSpecifications", [])
        for t in spec.get("Tags", [])
    ]
    detail = ", ".join(details)
    return PlannedChange(
        action=_action(operation),
        kind=_kind(operation),
        name=_name(kwargs),
        operation=operation,
        detail=detail,
    )


def stand_in(planned: PlannedChange) -> Planned:
    """The stand-in answer of a planned write."""
    return Planned(f"(planned {planned.kind} {planned.name})")
