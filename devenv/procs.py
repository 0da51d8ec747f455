"""Starting, checking and stopping the environment's server processes.

Where it sits: each component module (`devenv.kube`, `devenv.aws`, `devenv.gce`) starts its
servers through `start`; `devenv.state` records the returned `Proc`s, and `make env-down` stops
exactly those: a pid is only signalled while its kernel start time still matches the record, so
a reused pid is never touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# Servers started by this process: held so they are reaped (not garbage-collected) here.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class EnvError(Exception):
    """A one-line reason the environment cannot come up (a missing prerequisite, a crash)."""


@dataclass(frozen=True)
class Proc:
    """A process we started: its pid and kernel start time, where it logs, and its argv (so it
    can be started again the same way: `devenv.kube.restart_apiserver`, same port)."""

    name: str
    pid: int
    started: int
    log: str
    argv: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "argv", tuple(self.argv))  # state.json holds a list

    def to_json(self) -> dict[str, object]:
        """For state.json."""
        return asdict(self)


def _start_ticks(pid: int) -> int | None:
    """The process's kernel start time; None when it is gone or a zombie (exited, unreaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[19])


def alive(proc: Proc) -> bool:
    """Whether the recorded process still runs (and is the same process)."""
    return _start_ticks(proc.pid) == proc.started


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    name: str, argv: Sequence[str], *, logs: Path, env: Mapping[str, str] | None = None
) -> Proc:
    """Start `argv` in its own session, logging to `logs/<name>.log`."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    _CHILDREN[child.pid] = child
    ticks = _start_ticks(child.pid)
    if ticks is None:
        raise EnvError(f"{name} exited at once; see {log}")
    return Proc(name=name, pid=child.pid, started=ticks, log=str(log), argv=tuple(argv))


def stop(proc: Proc, *, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `timeout`; reap it."""
    try:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            if not alive(proc):
                return
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while alive(proc) and time.monotonic() < deadline:
                _reap(proc.pid)
                time.sleep(0.05)
    finally:
        _reap(proc.pid)  # a zombie no longer counts as alive: collect it (no stale Popen)


def _reap(pid: int) -> None:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            del _CHILDREN[pid]
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def run_script(script: Path) -> str:
    """Run a set-up script; return its last stdout line, or raise its `env-up:` reason."""
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        reason = next((ln for ln in lines if ln.startswith("env-up:")), lines[-1] if lines else "")
        raise EnvError(reason.removeprefix("env-up: ") or f"{script.name} failed")
    return done.stdout.strip().splitlines()[-1]


def _tail(path: str, lines: int = 3) -> str:
    try:
        return " | ".join(Path(path).read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def wait_ready(proc: Proc, ready: Callable[[], bool], *, timeout: float) -> None:
    """Poll `ready` until it is true; raise EnvError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(proc):
            raise EnvError(f"{proc.name} exited during start-up: {_tail(proc.log)}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise EnvError(f"{proc.name} not ready after {timeout:.0f} s; see {proc.log}")


def http_ok(url: str, *, context: ssl.SSLContext | None = None) -> bool:
    """Whether GET `url` answers 2xx (errors count as not ready)."""
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as resp:
            return 200 <= int(resp.status) < 300
    except OSError:
        return False
