"""Writes that reached a cloud from a replica that did not hold the Lease at the time.

Where it sits: the runner (`chaos.run`) calls `analyse` at the end with the proxies (each
proxy serves one replica slot, so its call log says which replica wrote) and the lease
watcher's record of holders. A write counts when it was forwarded (the cloud saw it) and its
replica held the Lease at no moment within `SLACK` seconds of it (the watcher polls every
0.25 s, and a write is logged when its answer comes back).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from devenv.faults.client import FaultAdmin

SLACK = 1.5
REACHED = ("ok", "drop_after")


class HasLog(Protocol):
    """A proxy of one replica slot (chaos.world.Proxy)."""

    @property
    def slot(self) -> str:
        """The replica slot it serves."""
        ...

    @property
    def admin(self) -> FaultAdmin:
        """Its admin endpoint."""
        ...


def _slot(identity: str | None) -> str | None:
    parts = (identity or "").split("-")
    return parts[1] if len(parts) == 3 else None


def _intervals(
    holders: Sequence[tuple[float, str | None]],
) -> list[tuple[float, float, str | None]]:
    out = []
    for i, (start, holder) in enumerate(holders):
        end = holders[i + 1][0] if i + 1 < len(holders) else time.time() + 3600
        out.append((start, end, _slot(holder)))
    return out


def _held(intervals: list[tuple[float, float, str | None]], slot: str, at: float) -> bool:
    low, high = at - SLACK, at + SLACK
    return any(s == slot and start <= high and end >= low for start, end, s in intervals)


def analyse(
    proxies: Sequence[HasLog], holders: Sequence[tuple[float, str | None]]
) -> dict[str, Any]:
    """Count the writes by a replica that was not the leader; a few examples."""
    intervals = _intervals(holders)
    total, bad = 0, 0
    examples: list[str] = []
    for proxy in proxies:
        entries = proxy.admin.log()["entries"]
        for at, operation, write, outcome, _ in entries:
            if not write or outcome not in REACHED:
                continue
            total += 1
            if intervals and not _held(intervals, proxy.slot, at):
                bad += 1
                if len(examples) < 10:
                    stamp = time.strftime("%H:%M:%S", time.gmtime(at))
                    examples.append(f"{stamp} replica {proxy.slot}: {operation}")
    return {"writes": bad, "writes_total": total, "examples": examples}
