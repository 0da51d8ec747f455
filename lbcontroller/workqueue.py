"""A keyed work queue with per-key exponential backoff, as client-go's workqueue behaves.

Where it sits: informer callbacks, node sync and the periodic resync `add` Service keys; the
controller's workers `get` them. A key is held once however often it is added, and never by
two workers at once: a key added while it is being processed is queued again when `done`.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections import deque


class WorkQueue:
    """Dedup, exclusivity, delays and per-key backoff."""

    def __init__(self, *, base_delay: float = 5.0, max_delay: float = 300.0) -> None:
        self._cond = threading.Condition()
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()
        self._processing: set[str] = set()
        self._delayed: list[tuple[float, str]] = []
        self._failures: dict[str, int] = {}
        self._base = base_delay
        self._max = max_delay
        self._shutdown = False

    def __len__(self) -> int:
        with self._cond:
            return len(self._queue)

    def idle(self) -> bool:
        """Nothing queued and nothing being processed (delayed keys may wait)."""
        with self._cond:
            return not self._queue and not self._processing

    def add(self, key: str) -> None:
        """Queue `key` now (no-op if already queued)."""
        with self._cond:
            if self._shutdown or key in self._dirty:
                return
            self._dirty.add(key)
            if key not in self._processing:
                self._queue.append(key)
                self._cond.notify()

    def add_after(self, key: str, delay: float) -> None:
        """Queue `key` after `delay` seconds."""
        if delay <= 0:
            self.add(key)
            return
        with self._cond:
            heapq.heappush(self._delayed, (time.monotonic() + delay, key))
            self._cond.notify()

    def backoff(self, key: str) -> float:
        """Queue `key` again after its next backoff delay (with jitter); return the delay."""
        with self._cond:
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
        jitter = random.uniform(0.8, 1.2)  # noqa: S311
        delay: float = min(self._max, self._base * 2.0 ** min(failures, 62) * jitter)
        self.add_after(key, delay)
        return delay

    def forget(self, key: str) -> None:
        """Reset `key`'s backoff after a success."""
        with self._cond:
            self._failures.pop(key, None)

    def _promote_due(self) -> float | None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, key = heapq.heappop(self._delayed)
            if key not in self._dirty:
                self._dirty.add(key)
                if key not in self._processing:
                    self._queue.append(key)
        return self._delayed[0][0] - now if self._delayed else None

    def get(self, timeout: float | None = None) -> str | None:
        """The next key to process (now exclusively ours), or None on timeout/shutdown."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                next_due = self._promote_due()
                if self._shutdown:
                    return None
                if self._queue:
                    key = self._queue.popleft()
                    self._dirty.discard(key)
                    self._processing.add(key)
                    return key
                wait = next_due
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    wait = left if wait is None else min(wait, left)
                self._cond.wait(wait)

    def done(self, key: str) -> None:
        """Release `key`; if it was added meanwhile, queue it again."""
        with self._cond:
            self._processing.discard(key)
            if key in self._dirty:
                self._queue.append(key)
                self._cond.notify()

    def shut_down(self) -> None:
        """Wake every waiting worker; `get` returns None from now on."""
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()
