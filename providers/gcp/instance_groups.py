"""The cluster's unmanaged instance groups: one per zone, shared by its load balancers.

Where it sits: `ensure` and `update_backends` read the groups of the zones that have nodes or
that the backend service still names, and converge their members with addInstances and
removeInstances deltas; a zone's group is created only when the zone first appears, and
deleted when the zone is left with no node and no backend service uses it. The group
is shared because GCP lets a VM belong to only one load-balanced instance group; so every load
balancer of the cluster serves the same nodes, and the first one to see a change makes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from google.cloud import compute_v1

from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Step
from providers.gcp.context import Context, last, path
from providers.gcp.desired import Desired
from providers.gcp.ownership import Mark
from providers.gcp.steps import create

KIND = "instance-group"
CHUNK = 1000  # instances per addInstances / removeInstances call


@dataclass(frozen=True, slots=True)
class Group:
    """The cluster's group in one zone, as found (absent: not yet created)."""

    exists: bool
    members: frozenset[str]  # instance names


def zones_of(backend: compute_v1.BackendService | None, *, group: str) -> set[str]:
    """The zones whose group of that name the backend service names."""
    if backend is None:
        return set()
    parts = (path(b.group).split("/") for b in backend.backends)
    return {p[3] for p in parts if len(p) == 6 and p[2] == "zones" and p[5] == group}


def members(ctx: Context, *, zone: str, group: str) -> frozenset[str] | None:
    """The instance names in a zone's group (None when the group does not exist)."""
    found = ctx.api.instances(ctx.instance_groups(zone), group)
    return None if found is None else frozenset(last(link) for link in found)


def _claimed(ctx: Context, zone: str, d: Desired) -> Group:
    """A zone the backend service does not name yet: is there a group, and is it ours?"""
    found = ctx.api.get(ctx.instance_groups(zone), d.names.group)
    if found is None:
        return Group(exists=False, members=frozenset())
    if not (d.names.upstream_group and not found.description):  # upstream's carry none
        Mark(cluster=d.mark.cluster).check(found, KIND)
    if not found.size:
        return Group(exists=True, members=frozenset())
    return Group(exists=True, members=members(ctx, zone=zone, group=d.names.group) or frozenset())


def read(
    ctx: Context, d: Desired, *, backend: compute_v1.BackendService | None
) -> dict[str, Group]:
    """The groups of every zone that has nodes or that the backend service names."""
    named = zones_of(backend, group=d.names.group)
    out = {}
    for zone in sorted(named | set(d.members)):
        if zone in named:
            found = members(ctx, zone=zone, group=d.names.group)
            out[zone] = Group(exists=found is not None, members=found or frozenset())
        else:
            out[zone] = _claimed(ctx, zone, d)
    return out


def _membership(ctx: Context, zone: str, group: str, verb: str, names: list[str]) -> Step:
    links = [ctx.where.zonal(zone, "instances", name) for name in names]
    field = "add" if verb == "addInstances" else "remove"
    fields = {
        "instance_group": group,
        f"instance_groups_{field}_instances_request_resource": {
            "instances": [{"instance": link} for link in links]
        },
    }
    sign = "+" if field == "add" else "-"
    detail = f"zone {zone}: {sign}{len(names)} ({', '.join(names[:5])}{'...' * (len(names) > 5)})"
    change = PlannedChange("update", KIND, group, f"instanceGroups.{verb}", detail)
    return Step(change, lambda: ctx.api.mutate(ctx.instance_groups(zone), verb, fields))


def _chunks(names: Iterable[str]) -> list[list[str]]:
    ordered = sorted(names)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def steps(ctx: Context, d: Desired, *, found: dict[str, Group]) -> list[Step]:
    """Create new zones' groups, then add and remove members, zone by zone."""
    out = []
    for zone, group in found.items():
        wanted = d.members.get(zone, frozenset())
        if wanted and not group.exists:
            resource = compute_v1.InstanceGroup(
                name=d.names.group, description=Mark(cluster=d.mark.cluster).description
            )
            out.append(
                create(
                    ctx.api, ctx.instance_groups(zone), resource, label=KIND, detail=f"zone {zone}"
                )
            )
        for verb, names in (
            ("addInstances", wanted - group.members),
            ("removeInstances", group.members - wanted),
        ):
            out.extend(_membership(ctx, zone, d.names.group, verb, c) for c in _chunks(names))
    return out


def retirement(ctx: Context, *, zone: str, group: str) -> Step:
    """Delete a zone's group unless another load balancer still uses it (then: done)."""
    kind = ctx.instance_groups(zone)
    change = PlannedChange(
        "delete", KIND, group, kind.operation("delete"), f"zone {zone}, if unused"
    )

    def run() -> None:
        ctx.api.delete_unless_used(kind, group)

    return Step(change, run)


def retired(ctx: Context, d: Desired, *, found: dict[str, Group]) -> list[Step]:
    """After the backend service has let them go: the groups of zones left with no node."""
    gone = (zone for zone, group in found.items() if group.exists and zone not in d.members)
    return [retirement(ctx, zone=zone, group=d.names.group) for zone in gone]
