"""The Compute writes as `lbcontroller.steps.Step`s: insert, delete, patch or update.

Where it sits: the resource modules (forwarding_rules, backend_service, health_check,
instance_groups, firewalls, address) and `teardown` build their steps with these; the core's
`Journal` runs them or only lists them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Step
from providers.gcp.api import Api
from providers.gcp.context import Collection

R = TypeVar("R")


def create(api: Api, kind: Collection[R], resource: Any, *, label: str, detail: str = "") -> Step:
    """Insert `resource` into `kind`."""
    change = PlannedChange("create", label, resource.name, kind.operation("insert"), detail)
    return Step(change, lambda: api.insert(kind, resource))


def delete(api: Api, kind: Collection[R], name: str, *, label: str, detail: str = "") -> Step:
    """Delete `name` from `kind` (already gone counts as done)."""
    change = PlannedChange("delete", label, name, kind.operation("delete"), detail)
    return Step(change, lambda: api.delete(kind, name))


def modify(
    api: Api, kind: Collection[R], resource: Any, *, verb: str, label: str, detail: str
) -> Step:
    """Patch or update (PUT) the resource of the same name with `resource`."""
    fields = {kind.field: resource.name, f"{kind.field}_resource": resource}
    change = PlannedChange("update", label, resource.name, kind.operation(verb), detail)
    return Step(change, lambda: api.mutate(kind, verb, fields))
