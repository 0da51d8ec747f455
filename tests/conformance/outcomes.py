"""What each conformance case concluded on each cloud, filed where the renderer reads it.

Where it sits: a case takes the `verdict` fixture and says `refused(...)` or
`not_applicable(...)` when that is its conclusion (after asserting what shows it); otherwise a
case that passes "passes". The hook in `conftest.py` files the outcome of every run (a failure
as "fails") in `.devenv/conformance.json`, keyed by upstream name and cloud; `render.py` makes
docs/conformance.md from that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from devenv.state import state_dir

CLOUDS = ("aws-nlb", "aws-classic", "gcp", "openstack")  # the columns, in this order
PASSES = "passes"
NOT_APPLICABLE = "not applicable"
REFUSED = "refused by design"
FAILS = "fails"


def results_file() -> Path:
    """Where the runs' outcomes are kept (the work tree's `.devenv/`)."""
    return state_dir() / "conformance.json"


@dataclass
class Verdict:
    """One case's conclusion on one cloud: passes unless the case says otherwise."""

    outcome: str = PASSES
    reason: str = ""

    def refused(self, reason: str) -> None:
        """The cloud cannot do it and lbcontroller says so (a Warning naming the field)."""
        self.outcome, self.reason = REFUSED, reason

    def not_applicable(self, reason: str) -> None:
        """Nothing of the load balancer's is at stake on this cloud."""
        self.outcome, self.reason = NOT_APPLICABLE, reason

    def note(self, reason: str) -> None:
        """A remark a user should read next to "passes"."""
        self.reason = reason


def load(path: Path | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """name -> cloud -> {"outcome", "reason"}, as filed so far."""
    path = path or results_file()
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, dict[str, str]]] = json.loads(path.read_text())
    return loaded


def file_outcome(name: str, cloud: str, verdict: Verdict, *, failed: bool) -> None:
    """Record one run (the latest run of a case on a cloud wins)."""
    path = results_file()
    found = load(path)
    outcome = FAILS if failed else verdict.outcome
    found.setdefault(name, {})[cloud] = {"outcome": outcome, "reason": verdict.reason}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
