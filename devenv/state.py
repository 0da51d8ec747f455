"""The environment's record: which processes env-up started, and what clients need to know.

Where it sits: written by `devenv.__main__ up`, read by `down`/`status` and by the pytest
fixtures (`tests/conftest.py`), so tests use exactly what env-up started. `.devenv/env.sh`
is the same information for a shell.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from devenv.procs import Proc, alive

ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """`.devenv/` in the work tree (or LBC_DEVENV_DIR)."""
    return Path(os.environ.get("LBC_DEVENV_DIR", ROOT / ".devenv"))


@dataclass
class EnvState:
    """What is running and how to reach it."""

    procs: list[Proc] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def all_alive(self) -> bool:
        """Whether every recorded process still runs."""
        return bool(self.procs) and all(alive(p) for p in self.procs)

    def save(self, folder: Path) -> None:
        """Write state.json and env.sh."""
        folder.mkdir(parents=True, exist_ok=True)
        body = {"procs": [p.to_json() for p in self.procs], "env": self.env}
        (folder / "state.json").write_text(json.dumps(body, indent=2))
        lines = [f"export {k}={shlex.quote(v)}" for k, v in sorted(self.env.items())]
        (folder / "env.sh").write_text("# written by make env-up\n" + "\n".join(lines) + "\n")


def load(folder: Path) -> EnvState | None:
    """The recorded state, or None when env-up has not run (or env-down cleared it)."""
    path = folder / "state.json"
    if not path.exists():
        return None
    body = json.loads(path.read_text())
    return EnvState(procs=[Proc(**p) for p in body["procs"]], env=dict(body["env"]))


def clear(folder: Path) -> None:
    """Forget the state (after env-down)."""
    for name in ("state.json", "env.sh"):
        (folder / name).unlink(missing_ok=True)
