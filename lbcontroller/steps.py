"""Steps: one cloud write each, described for `plan` and runnable for `ensure`.

Where it sits: between a provider's resource modules and its verbs. A resource module compares
what it wants with what it read and returns the writes as `Step`s; a `Journal` either runs them
in order (ensure, update_backends, ensure_deleted) or only records them (plan, plan_delete).
One code path decides both, so a plan names exactly the calls a run would make. A step whose
write depends on an earlier step's answer (an ARN, an id) reads it from a `Made` record when
it runs; a plan never runs it, so no answer is ever invented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lbcontroller.provider import PlannedChange


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
        self.made = Made()  # what the steps run so far answered (empty in a plan)

    def do(self, steps: Iterable[Step]) -> None:
        """Record each step and, when applying, make it before the next."""
        for step in steps:
            self.changes.append(step.change)
            if self.apply:
                step.run()


@dataclass(slots=True)
class Made:
    """The answers of the writes a journal has run so far (e.g. a new load balancer's id)."""

    values: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, value: str) -> None:
        """Record the answer `key` of a write that has just run."""
        self.values[key] = value

    def get(self, key: str) -> str:
        """The answer `key`; a step asking before the write that gives it is a bug."""
        try:
            return self.values[key]
        except KeyError:
            raise RuntimeError(f"step order: {key!r} read before the write that makes it") from None


def differences(pairs: Iterable[tuple[str, object, object]]) -> str:
    """`field: old -> new` for every pair that differs, for a plan's detail."""
    return "; ".join(f"{name}: {old} -> {new}" for name, old, new in pairs if old != new)
