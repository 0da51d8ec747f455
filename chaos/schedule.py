"""The run's script, decided up front from the seed: what happens, to which Service, when.

Where it sits: the runner (`chaos.run`) asks `build(size, seed)` for the steps and carries
them out in order at their times. Pure and deterministic: the same size and seed give the same
steps (the timing of the real processes around them of course varies). Workload steps (create,
change, delete) are spread evenly over the run's duration, creates weighted towards the start;
chaos steps (kill a replica, restart the API server, move the leadership) are spread evenly
over its middle 85%, with jitter, in a shuffled order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from chaos import shapes
from chaos.settings import NAMESPACE_PREFIX, Size
from chaos.shapes import Shape

REFUSED = ("aws-taken", "gcp-taken")  # names taken by decoys, in the first namespace


@dataclass(frozen=True, slots=True)
class Step:
    """One thing to do at `at` seconds into the run."""

    at: float
    action: str  # create, change, delete, kill, restart-api, leader-change
    key: str = ""  # namespace/name of the Service
    shape: Shape | None = None  # create: the shape; change: the new shape
    before: Shape | None = None  # change: the old shape
    what: str = ""  # change: its name; kill: leader or standby


@dataclass
class _Model:
    """The Services as the schedule left them so far."""

    rng: random.Random
    live: dict[str, Shape] = field(default_factory=dict)
    born: dict[str, int] = field(default_factory=dict)  # key -> slot of creation


def _refused(size: Size) -> list[Step]:
    namespace = f"{NAMESPACE_PREFIX}0"
    return [
        Step(0.0, "create", f"{namespace}/{name}", Shape(cloud, variant, ports, refused=True))
        for name, cloud, variant, ports in (
            (REFUSED[0], "aws", "nlb", (shapes.Port(80, "TCP"),)),
            (REFUSED[1], "gcp", "external", (shapes.Port(80, "TCP"),)),
        )
    ]


def _kinds(size: Size, rng: random.Random) -> list[str]:
    """The order of workload kinds: creates first-heavy, changes and deletes after."""
    left = {"create": size.services, "change": size.changes, "delete": size.deletes}
    out: list[str] = []
    while any(left.values()):
        progress = len(out) / max(1, size.services + size.changes + size.deletes)
        weights = {
            "create": left["create"] * (3.0 if progress < 0.5 else 1.0),
            "change": left["change"] * (0.3 if progress < 0.15 else 1.0),
            "delete": left["delete"] * (0.2 if progress < 0.25 else 1.0),
        }
        kinds = [k for k in weights if left[k]]
        kind = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        left[kind] -= 1
        out.append(kind)
    return out


def _workload(size: Size, model: _Model) -> list[Step]:
    rng = model.rng
    kinds = _kinds(size, rng)
    steps: list[Step] = []
    created = 0
    for slot, drawn in enumerate(kinds):
        at = size.duration * (slot + rng.random() * 0.8) / len(kinds)
        older = sorted(k for k, born in model.born.items() if born < slot and k in model.live)
        kind = drawn
        if kind != "create" and not older:
            kind = "create" if created < size.services else "skip"
        if kind == "create":
            cloud = "aws" if created % 2 == 0 else "gcp"
            namespace = f"{NAMESPACE_PREFIX}{created % size.namespaces}"
            key = f"{namespace}/{cloud}-{created:03d}"
            shape = shapes.draw(cloud, rng)
            model.live[key], model.born[key] = shape, slot
            steps.append(Step(at, "create", key, shape))
            created += 1
        elif kind == "change":
            steps.extend(_change(at, older, model))
        elif kind == "delete":
            key = rng.choice(older)
            del model.live[key]
            steps.append(Step(at, "delete", key, what="delete"))
    return steps


def _change(at: float, older: list[str], model: _Model) -> list[Step]:
    for _ in range(10):
        key = model.rng.choice(older)
        drawn = shapes.change(model.live[key], model.rng)
        if drawn is not None:
            name, new = drawn
            old, model.live[key] = model.live[key], new
            return [Step(at, "change", key, new, before=old, what=name)]
    return []


def _chaos(size: Size, rng: random.Random) -> list[Step]:
    actions = (
        ["kill"] * size.kills
        + ["restart-api"] * size.api_restarts
        + ["leader-change"] * size.leader_changes
    )
    rng.shuffle(actions)
    steps = []
    span = size.duration * 0.85
    for i, action in enumerate(actions):
        at = size.duration * 0.08 + span * (i + 0.2 + rng.random() * 0.6) / max(1, len(actions))
        what = ""
        if action == "kill":
            what = "leader" if rng.random() < 0.75 else "standby"
        steps.append(Step(at, action, what=what))
    return steps


def build(size: Size, seed: int) -> list[Step]:
    """Every step of the run, sorted by time."""
    model = _Model(rng=random.Random(seed))  # noqa: S311 - a reproducible script, not crypto
    steps = _refused(size) + _workload(size, model) + _chaos(size, model.rng)
    return sorted(steps, key=lambda s: s.at)


def final_shapes(steps: list[Step]) -> dict[str, Shape]:
    """What the schedule leaves: each live Service's last shape (deleted ones absent)."""
    live: dict[str, Shape] = {}
    for step in steps:
        if step.action in ("create", "change") and step.shape is not None:
            live[step.key] = step.shape
        elif step.action == "delete":
            live.pop(step.key, None)
    return live
