"""Shutdown hook that makes SIGTERM reliably end LocalStack's hypercorn runtime.

With GATEWAY_SERVER=hypercorn, LocalStack 2026.3.0 stops its asyncio loop from a separate
shutdown thread with ``loop.stop()``, which does not wake a loop that is waiting for I/O. When the
loop goes back to waiting before that call (a race, seen in about one stop in three here), the
process sits idle forever after "Stopping all services", with its port already closed. This hook
runs last among the shutdown hooks and starts a daemon thread that keeps waking the loop (a no-op
callback every 0.1 s) until it has stopped, so the runtime returns and the process exits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Final

from localstack.runtime import hooks

__all__ = ["wake_event_loop_on_shutdown"]

NUDGE_INTERVAL_S: Final = 0.1
NUDGE_FOR_AT_MOST_S: Final = 60.0


def _runtime_event_loop() -> asyncio.AbstractEventLoop | None:
    """The loop the runtime server runs on, or None for servers without one (twisted)."""
    from localstack.runtime import current

    server = current.get_current_runtime().components.runtime_server
    loop = getattr(server, "loop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def _noop() -> None:
    """A callback whose only effect is to wake the loop."""


def _nudge_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    deadline = time.monotonic() + NUDGE_FOR_AT_MOST_S
    while loop.is_running() and time.monotonic() < deadline:
        try:
            loop.call_soon_threadsafe(_noop)
        except RuntimeError:  # the loop was closed meanwhile
            return
        time.sleep(NUDGE_INTERVAL_S)


def _wake_event_loop_on_shutdown() -> None:
    loop = _runtime_event_loop()
    if loop is None:
        return
    threading.Thread(
        target=_nudge_until_stopped, args=(loop,), name="lbc-shutdown-nudge", daemon=True
    ).start()


# Lowest priority: runs after every other shutdown hook, right before the server is stopped.
wake_event_loop_on_shutdown = hooks.on_infra_shutdown(
    priority=-1000, name="lbc_wake_event_loop_on_shutdown"
)(_wake_event_loop_on_shutdown)
