"""The writes under a load balancer as `lbcontroller.steps.Step`s: one write, then the wait until
the load balancer is ACTIVE again; and create, update and delete for its children.

Where it sits: `listeners`, `pools` and `members` build their steps with `write` and the
`Child` kinds (`LISTENER`, `POOL`, `MONITOR`); the core's `Journal` runs or only lists them.
Every child write is named by Octavia's collection and verb (`pools.create`,
`listeners.update`, ...); an update sends only the fields that differ, and puts back our tags
while keeping anyone else's. An id that an earlier step of the same run makes (a new pool's) is
a `Later`: read from `Made` when the step that sends it runs, named by its key in a plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Made, Step, differences
from providers.openstack.api import JSON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.loadbalancer import Lb, settle


@dataclass(frozen=True, slots=True)
class Later:
    """An id that an earlier step of this run makes: read from `made` when the step that sends
    it runs; a plan names it by its key."""

    made: Made
    key: str

    def __call__(self) -> str:
        return self.made.get(self.key)

    def __str__(self) -> str:
        return f"({self.key})"


Id = str | Later  # a child's id: known now, or made by an earlier step


def now(value: Id) -> str:
    """The id, once the step that makes it has run."""
    return value() if isinstance(value, Later) else value


def _resolved(fields: Mapping[str, Any]) -> JSON:
    return {k: v() if isinstance(v, Later) else v for k, v in fields.items()}


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, list) and isinstance(wanted, list):
        return sorted(current) == sorted(wanted)
    return bool(current == wanted)  # a Later equals nothing that exists yet


def write(
    ctx: Context,
    lb: Lb,
    change: PlannedChange,
    method: str,
    path: str | Callable[[], str],
    body: Callable[[], JSON] | None = None,
    *,
    then: Callable[[JSON], None] | None = None,
) -> Step:
    """One write to a child of `lb` (its path and body made when it runs, `then` given the
    answer), then a wait until `lb` is ACTIVE again. A DELETE of something already gone counts
    as done."""

    def run() -> None:
        where = path if isinstance(path, str) else path()
        if method == "DELETE":
            ctx.api.delete(change.operation, OCTAVIA, where)
        else:
            answer = ctx.api.write(
                change.operation, OCTAVIA, method, where, None if body is None else body()
            )
            if then is not None:
                then(answer)
        settle(ctx, lb)

    return Step(change, run)


@dataclass(frozen=True, slots=True)
class Child:
    """One kind of child of a load balancer: how plans call it, its collection (which names
    the operations: `pools.create`, `listeners.update`, ...), its bodies' key."""

    label: str
    collection: str
    key: str

    def made_id(self, made: Made, name: str) -> Later:
        """The id of the child named `name` that `create` makes in this run."""
        return Later(made, f"new {self.label} {name}")

    def create(
        self, ctx: Context, lb: Lb, body: Mapping[str, Any], *, detail: str, made: Made
    ) -> Step:
        """Create one (`body` may hold `Later` ids); its id goes into `made` (`made_id`)."""
        name = str(body["name"])
        change = PlannedChange("create", self.label, name, f"{self.collection}.create", detail)

        def keep(answer: JSON) -> None:
            made.put(self.made_id(made, name).key, str(answer[self.key]["id"]))

        path = f"/lbaas/{self.collection}"
        return write(ctx, lb, change, "POST", path, lambda: {self.key: _resolved(body)}, then=keep)

    def update(
        self, ctx: Context, lb: Lb, current: JSON, wanted: Mapping[str, Any], tags: Iterable[str]
    ) -> list[Step]:
        """Send the fields of `wanted` that differ, and our tags when some are missing (anyone
        else's stay)."""
        fields = {k: v for k, v in wanted.items() if not _same(current.get(k), v)}
        have = set(current.get("tags") or ())
        if not have.issuperset(tags):
            fields["tags"] = sorted(have.union(tags))
        if not fields:
            return []
        detail = differences((key, current.get(key), fields[key]) for key in sorted(fields))
        name = str(current.get("name"))
        change = PlannedChange("update", self.label, name, f"{self.collection}.update", detail)

        def body() -> JSON:
            return {self.key: _resolved(fields)}

        return [write(ctx, lb, change, "PUT", f"/lbaas/{self.collection}/{current['id']}", body)]

    def delete(self, ctx: Context, lb: Lb, current: JSON, *, detail: str) -> Step:
        """Delete one (already gone counts as deleted)."""
        name = str(current.get("name"))
        change = PlannedChange("delete", self.label, name, f"{self.collection}.delete", detail)
        return write(ctx, lb, change, "DELETE", f"/lbaas/{self.collection}/{current['id']}")


LISTENER = Child("listener", "listeners", "listener")
POOL = Child("pool", "pools", "pool")
MONITOR = Child("health-monitor", "healthmonitors", "healthmonitor")
