"""`python -m devenv up|down|status`: the Makefile's env-up, env-down and env-status.

Where it sits: a thin command line over `devenv.env`. A missing prerequisite ends `up` with one
line naming it and exit code 1, never a stack trace.
"""

from __future__ import annotations

import sys
import time

from devenv.env import down, status, up
from devenv.procs import EnvError
from devenv.state import state_dir


def main(argv: list[str]) -> int:
    """Dispatch `up`, `down` or `status`."""
    command = argv[0] if argv else "status"
    try:
        if command == "up":
            started = time.monotonic()
            state = up()
            took = time.monotonic() - started
            print(
                f"env: up in {took:.1f} s ({', '.join(p.name for p in state.procs)}); "
                f"source {state_dir() / 'env.sh'}"
            )
            return 0
        if command == "down":
            print(f"env: down (stopped {down()} processes)")
            return 0
        if command == "status":
            return status()
    except EnvError as exc:
        print(f"env-up: {exc}", file=sys.stderr)
        return 1
    print("usage: python -m devenv up|down|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
