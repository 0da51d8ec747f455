"""A one-line progress bar for long CLI operations (e.g. `gc --delete`), on stderr.

Where it sits: used by the CLI only; it draws in place on a terminal and prints one line per
step elsewhere (CI logs, pipes), so output stays readable both ways.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """`[#####.....] 5/10 label`."""

    def __init__(self, total: int, *, out: TextIO = sys.stderr, width: int = 30) -> None:
        self._total = max(total, 1)
        self._done = 0
        self._out = out
        self._width = width
        self._tty = out.isatty()

    def step(self, label: str) -> None:
        """Count one item done."""
        self._done += 1
        filled = self._width * self._done // self._total
        bar = "#" * filled + "." * (self._width - filled)
        line = f"[{bar}] {self._done}/{self._total} {label}"
        self._out.write(f"\r{line}\033[K" if self._tty else f"{line}\n")
        if self._tty and self._done == self._total:
            self._out.write("\n")
        self._out.flush()
