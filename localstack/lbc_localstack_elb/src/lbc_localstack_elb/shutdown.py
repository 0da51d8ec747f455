"""Shutdown hook that makes SIGTERM reliably end the LocalStack process, within 10 s.

Two ways LocalStack 2026.3.0 (GATEWAY_SERVER=hypercorn) can hang after "Stopping all services",
with its port already closed, both seen here:

- Its shutdown thread stops the asyncio loop with ``loop.stop()``, which does not wake a loop
  that is waiting for I/O; when the loop went back to waiting before that call (a race, about one
  stop in three here), it waits forever.
- A request whose body was still being read when the loop stopped leaves its gateway worker
  thread waiting for the loop, and interpreter exit joins that thread forever.

This hook runs last among the shutdown hooks and starts a daemon thread that wakes the loop (a
no-op callback every 0.1 s) until it has stopped, which cures the first; if the process is still
there :data:`EXIT_DEADLINE_S` after shutdown began, it says so on stderr and ends the process
with status 0 (what a clean SIGTERM exit returns), which cures the second. A process that exits
normally ends the daemon thread with it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from typing import Final

from localstack.runtime import current, hooks

__all__ = ["EXIT_DEADLINE_S", "wake_event_loop_on_shutdown"]

NUDGE_INTERVAL_S: Final = 0.1
EXIT_DEADLINE_S: Final = 10.0


def _runtime_event_loop() -> asyncio.AbstractEventLoop | None:
    """The loop the runtime server runs on, or None for servers without one (twisted)."""
    server = current.get_current_runtime().components.runtime_server
    loop = getattr(server, "loop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def _noop() -> None:
    """A callback whose only effect is to wake the loop."""


def _see_shutdown_through(loop: asyncio.AbstractEventLoop | None) -> None:
    deadline = time.monotonic() + EXIT_DEADLINE_S
    while time.monotonic() < deadline:
        if loop is not None and loop.is_running():
            try:
                loop.call_soon_threadsafe(_noop)
            except RuntimeError:  # closed meanwhile
                loop = None
        time.sleep(NUDGE_INTERVAL_S)
    sys.stderr.write(
        f"lbc_localstack_elb: still running {EXIT_DEADLINE_S:.0f} s after shutdown began "
        "(a request left hanging?); exiting now\n"
    )
    sys.stderr.flush()
    os._exit(0)


def _wake_event_loop_on_shutdown() -> None:
    threading.Thread(
        target=_see_shutdown_through,
        args=(_runtime_event_loop(),),
        name="lbc-shutdown-watchdog",
        daemon=True,
    ).start()


# Lowest priority: runs after every other shutdown hook, right before the server is stopped.
wake_event_loop_on_shutdown = hooks.on_infra_shutdown(
    priority=-1000, name="lbc_wake_event_loop_on_shutdown"
)(_wake_event_loop_on_shutdown)
