"""Steps: one cloud write each, described for `plan` and runnable for `ensure`.

Where it sits: the step modules (health, groups, backend, address, rules, firewalls, teardown)
compare what they want with what `seen` read and return the writes as `Step`s; a `Journal`
runs them in order (ensure, ensure_deleted, update_backends) or only lists them (plan,
plan_delete). One code path decides both, so a plan names exactly the calls a run makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from lbcontroller.provider import PlannedChange
from providers.gcp.api import Api, Collection

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Step:
    """One write: what it is (for plans) and how to make it."""

    change: PlannedChange
    run: Callable[[], None]


class Journal:
    """Runs steps (apply) or only records them (plan)."""

    def __init__(self, *, apply: bool) -> None:
        self.apply = apply
        self.changes: list[PlannedChange] = []

    def do(self, steps: Iterable[Step]) -> None:
        """Record each step and, when applying, make it before the next."""
        for step in steps:
            self.changes.append(step.change)
            if self.apply:
                step.run()


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


def differences(pairs: Iterable[tuple[str, object, object]]) -> str:
    """`field: old -> new` for every pair that differs, for a plan's detail."""
    return "; ".join(f"{name}: {old} -> {new}" for name, old, new in pairs if old != new)
