"""Where this process last put a Service's targets, so a node change can skip every read.

Where it sits: the provider records a `Made` after each successful ensure or read-path target
update, and `update_backends` looks it up: with the reconciler's record of the backends it
last applied, registering and deregistering the difference needs no read at all (what a
node change at scale costs is then one write per target group). Any failure forgets the
entry, so the retry takes the read path; drift made behind our back is the verify resync's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Made:
    """A load balancer as the last converge left it: its kind and its target groups' ARNs."""

    kind: str  # "nlb" or "classic"
    groups: tuple[str, ...] = ()


class Memo:
    """`Made` by load balancer name; thread-safe (workers share one provider)."""

    def __init__(self) -> None:
        self._made: dict[str, Made] = {}
        self._lock = threading.Lock()

    def remember(self, name: str, made: Made | None) -> None:
        """Record what `name` is now (None: nothing is known, forget it)."""
        with self._lock:
            if made is None:
                self._made.pop(name, None)
            else:
                self._made[name] = made

    def recall(self, name: str) -> Made | None:
        """What `name` was left as, if this process knows."""
        with self._lock:
            return self._made.get(name)
