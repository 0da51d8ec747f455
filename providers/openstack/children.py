"""Create, update and delete for a load balancer's listeners, pools and health monitors.

Where it sits: `ports` converges each Service port through the three `Kind`s here; every write
goes through `octavia.change` (and so waits until the load balancer is ACTIVE again) and is
named by Octavia's collection and verb (`pools.create`, `listeners.update`, ...). An update sends
only the fields that differ, and puts back our tags while keeping anyone else's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lbcontroller.provider import PlannedChange
from providers.openstack import octavia
from providers.openstack.api import JSON
from providers.openstack.context import Context
from providers.openstack.octavia import Lb


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, list) and isinstance(wanted, list):
        return sorted(current) == sorted(wanted)
    return bool(current == wanted)


def changed(current: JSON, wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `wanted` that `current` does not have yet."""
    return {key: value for key, value in wanted.items() if not _same(current.get(key), value)}


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of child: how plans call it, its collection, its bodies' key."""

    label: str
    collection: str
    key: str

    def _planned(self, action: str, verb: str, name: str, detail: str) -> PlannedChange:
        return PlannedChange(action, self.label, name, f"{self.collection}.{verb}", detail)

    def create(self, ctx: Context, lb: Lb, name: str, body: JSON, *, detail: str) -> str:
        """Create one; its id (a stand-in in a plan)."""
        planned = self._planned("create", "create", name, detail)
        answer = octavia.change(
            ctx, lb, planned, "POST", f"/lbaas/{self.collection}", {self.key: body}
        )
        return str(answer[self.key]["id"]) if answer else f"(planned {self.label} {name})"

    def update(
        self, ctx: Context, lb: Lb, current: JSON, wanted: Mapping[str, Any], tags: Iterable[str]
    ) -> None:
        """Send the fields of `wanted` that differ, and our tags when some are missing."""
        fields = changed(current, wanted)
        have = set(current.get("tags") or ())
        if not have.issuperset(tags):
            fields["tags"] = sorted(have.union(tags))
        if not fields:
            return
        detail = "; ".join(f"{key}: {current.get(key)} -> {fields[key]}" for key in sorted(fields))
        planned = self._planned("update", "update", str(current.get("name")), detail)
        path = f"/lbaas/{self.collection}/{current['id']}"
        octavia.change(ctx, lb, planned, "PUT", path, {self.key: fields})

    def delete(self, ctx: Context, lb: Lb, current: JSON, *, detail: str) -> None:
        """Delete one (already gone counts as deleted)."""
        planned = self._planned("delete", "delete", str(current.get("name")), detail)
        octavia.change(ctx, lb, planned, "DELETE", f"/lbaas/{self.collection}/{current['id']}")


LISTENER = Kind("listener", "listeners", "listener")
POOL = Kind("pool", "pools", "pool")
MONITOR = Kind("health-monitor", "healthmonitors", "healthmonitor")
