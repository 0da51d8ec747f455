"""The two controller replicas: real `lbcontroller run` processes, supervised like a Deployment.

Where it sits: the runner (`chaos.run`) starts both, kills or terminates one when the schedule
says so, and stops both at the end. A supervisor thread does what a kubelet would: a replica
that exited (killed by us, crashed, or quit on losing the Lease) is started again after a
second; one whose /healthz fails three times in a row (a dead thread) is SIGKILLed and started
again. A lease watcher thread polls the Lease and records every change of holder. Every exit
we did not cause is recorded with its exit code and the last line its log explains it with.
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.settings import LEASE_NAME, LEASE_NAMESPACE, SLOTS
from devenv.aws import AWS_ENV
from lbcontroller.kube import KubeClient

ROOT = Path(__file__).resolve().parent.parent
RESTART_DELAY = 1.0
LIVENESS_PERIOD, LIVENESS_FAILURES = 2.0, 3


@dataclass
class Exit:
    """A replica's exit that we did not cause."""

    slot: str
    identity: str
    code: int | None
    reason: str
    at: float


@dataclass
class Replica:
    """One slot (a or b): its current process, its generation, and why it last stopped."""

    slot: str
    config: Path
    metrics_port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    generation: int = 0
    ours: str = ""  # why we stopped it (kill, term, liveness); "" when it exits on its own
    started_at: float = 0.0
    offset: int = 0  # where this generation's output starts in the log
    down_since: float | None = None
    failures: int = 0
    last_probe: float = 0.0

    @property
    def identity(self) -> str:
        """The leader-election identity of the current generation."""
        return f"chaos-{self.slot}-{self.generation}"


@dataclass
class Tally:
    """What happened to the replicas."""

    starts: int = 0
    kills: int = 0
    terms: int = 0
    liveness_kills: int = 0
    exits: list[Exit] = field(default_factory=list)
    holders: list[tuple[float, str | None]] = field(default_factory=list)

    def leader_changes(self) -> int:
        """Changes from one holder to another (a gap with no holder does not count twice)."""
        named = [h for _, h in self.holders if h]
        return sum(1 for a, b in itertools.pairwise(named) if a != b)


class Replicas:
    """Both replicas, their supervisor and the lease watcher."""

    def __init__(
        self,
        *,
        kube: KubeClient,
        kubeconfig: str,
        configs: dict[str, Path],
        ports: dict[str, int],
        logs: Path,
        on_start: Callable[[Replica], None] | None = None,
    ) -> None:
        self._kube = kube
        self._kubeconfig = kubeconfig
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._on_start = on_start
        self.tally = Tally()
        self.slots = {
            slot: Replica(slot, configs[slot], ports[slot], logs / f"controller-{slot}.log")
            for slot in SLOTS
        }
        self._threads: list[threading.Thread] = []

    # Processes.

    def _start(self, replica: Replica) -> None:
        replica.generation += 1
        replica.ours, replica.failures, replica.down_since = "", 0, None
        replica.log.parent.mkdir(parents=True, exist_ok=True)
        with replica.log.open("ab") as out:
            out.write(f"# chaos: starting {replica.identity}\n".encode())
            replica.offset = out.tell()
            replica.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lbcontroller.cli",
                    "run",
                    "--config",
                    str(replica.config),
                    "--kubeconfig",
                    self._kubeconfig,
                    "--identity",
                    replica.identity,
                ],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **AWS_ENV, "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1"},
                start_new_session=True,
            )
        replica.started_at = time.monotonic()
        self.tally.starts += 1
        if self._on_start is not None:
            self._on_start(replica)

    def _signal(self, replica: Replica, sig: signal.Signals, why: str) -> bool:
        proc = replica.proc
        if proc is None or proc.poll() is not None:
            return False
        replica.ours = why
        os.killpg(proc.pid, sig)  # its own session: the pid is the group
        return True

    def start_all(self) -> None:
        """Start both replicas and the supervisor and lease-watcher threads."""
        with self._lock:
            for replica in self.slots.values():
                self._start(replica)
        for name, target in (("supervisor", self._supervise), ("lease", self._watch_lease)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def kill(self, slot: str) -> bool:
        """SIGKILL the replica in `slot` (the supervisor starts it again)."""
        with self._lock:
            done = self._signal(self.slots[slot], signal.SIGKILL, "kill")
            self.tally.kills += done
            return done

    def terminate(self, slot: str) -> bool:
        """SIGTERM the replica in `slot`: it hands the Lease over and exits."""
        with self._lock:
            done = self._signal(self.slots[slot], signal.SIGTERM, "term")
            self.tally.terms += done
            return done

    def stop_all(self, timeout: float = 30.0) -> None:
        """Stop the threads, then SIGTERM both replicas (SIGKILL after `timeout`)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        for replica in self.slots.values():
            self._signal(replica, signal.SIGTERM, "stop")
        deadline = time.monotonic() + timeout
        for replica in self.slots.values():
            if replica.proc is None:
                continue
            try:
                replica.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(replica, signal.SIGKILL, "stop")
                replica.proc.wait(10)

    def pids(self) -> dict[str, int]:
        """The current process of each slot (for the state record)."""
        return {s: r.proc.pid for s, r in self.slots.items() if r.proc is not None}

    # The supervisor.

    def _supervise(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                for replica in self.slots.values():
                    self._check(replica)

    def _check(self, replica: Replica) -> None:
        proc = replica.proc
        now = time.monotonic()
        if proc is not None and proc.poll() is None:
            self._probe(replica, now)
            return
        if replica.down_since is None:
            replica.down_since = now
            if proc is not None and not replica.ours:
                code = proc.returncode
                why = _reason(replica.log, replica.offset)
                self.tally.exits.append(
                    Exit(replica.slot, replica.identity, code, why, time.time())
                )
        elif now - replica.down_since >= RESTART_DELAY:
            self._start(replica)

    def _probe(self, replica: Replica, now: float) -> None:
        if now - replica.last_probe < LIVENESS_PERIOD or now - replica.started_at < 10:
            return
        replica.last_probe = now
        status = _get_status(replica.metrics_port, "/healthz")
        replica.failures = replica.failures + 1 if status == 503 else 0
        if replica.failures >= LIVENESS_FAILURES and self._signal(
            replica, signal.SIGKILL, "liveness"
        ):
            self.tally.liveness_kills += 1
            why = "liveness: /healthz answered 503 three times (a controller thread died); " + (
                _reason(replica.log, replica.offset)
            )
            self.tally.exits.append(Exit(replica.slot, replica.identity, None, why, time.time()))

    # The Lease.

    def holder(self) -> str | None:
        """The Lease's holder now (None when nobody holds it or it cannot be read)."""
        try:
            lease = self._kube.get_lease(LEASE_NAMESPACE, LEASE_NAME)
        except Exception:  # the API server may be down: nobody known to hold it
            return None
        value: Any = lease.get("spec", {}).get("holderIdentity")
        return str(value) if value else None

    def _watch_lease(self) -> None:
        last: str | None = "unset"
        while not self._stop.wait(0.25):
            now = self.holder()
            if now != last and (now is not None or last == "unset"):
                self.tally.holders.append((time.time(), now))
                last = now

    def leader_slot(self) -> str | None:
        """The slot whose current process holds the Lease (None: a stale or no holder)."""
        holder = self.holder()
        with self._lock:
            for slot, replica in self.slots.items():
                running = replica.proc is not None and replica.proc.poll() is None
                if running and replica.identity == holder:
                    return slot
        return None


def _get_status(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _reason(log: Path, offset: int) -> str:
    """The line that best explains an exit: the exception of a traceback, else the last line."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
            lines = handle.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    if any(line.startswith("Traceback") for line in lines):
        tail = [line for line in lines if line and not line.startswith((" ", "\t"))]
        return "crash: " + (tail[-1] if tail else "traceback")[:300]
    return (lines[-1] if lines else "no output")[:300]
