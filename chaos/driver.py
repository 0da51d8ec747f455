"""Carrying out the schedule: each step at its time, against the API server and the replicas.

Where it sits: the runner (`chaos.run`) hands the steps (`chaos.schedule`) to `Driver.run`.
Service steps go to the workload (`chaos.workload`); a kill SIGKILLs the leader (or the
standby), waiting for a replica that is still starting; an API-server restart stops it and
starts it again with the same argv (`devenv.kube.restart_apiserver`); a leader change
SIGTERMs the leader and waits for another holder. A step that fails is counted, not fatal.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from chaos.replicas import Replicas
from chaos.schedule import Step
from chaos.settings import LEASE_DURATION, SLOTS
from chaos.workload import Workload
from chaos.world import World
from devenv.kube import restart_apiserver

log = logging.getLogger("chaos")


@dataclass
class ChaosCounts:
    """Chaos steps carried out, and steps that failed."""

    api_restarts: int = 0
    leader_terms: int = 0
    step_errors: int = 0


class Driver:
    """Carries out the schedule's steps at their times."""

    def __init__(self, world: World, replicas: Replicas, workload: Workload) -> None:
        self.world = world
        self.replicas = replicas
        self.workload = workload
        self.counts = ChaosCounts()
        self.errors: list[str] = []

    def run(self, steps: list[Step]) -> float:
        """Every step, each not before its time; the seconds it took."""
        started = time.monotonic()
        for step in steps:
            delay = started + step.at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                self._do(step)
            except Exception as exc:
                self.counts.step_errors += 1
                self.errors.append(f"{step.action} {step.key}: {exc}"[:300])
                log.warning("step failed: %s %s: %s", step.action, step.key, exc)
        return time.monotonic() - started

    def _do(self, step: Step) -> None:
        if step.action == "create" and step.shape is not None:
            self.workload.create(step.key, step.shape)
        elif step.action == "change" and step.shape is not None and step.before is not None:
            self.workload.change(step.key, step.before, step.shape)
        elif step.action == "delete":
            self.workload.delete(step.key)
        elif step.action == "kill":
            self._kill(step.what)
        elif step.action == "restart-api":
            self._restart_api()
        elif step.action == "leader-change":
            self._hand_over()

    def leader(self, wait: float = 15.0) -> str | None:
        """The slot of the current leader, waiting up to `wait` seconds for one."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            slot = self.replicas.leader_slot()
            if slot is not None:
                return slot
            time.sleep(0.25)
        return None

    def _kill(self, what: str) -> None:
        """SIGKILL the leader (or the standby); a replica still starting is waited for."""
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline:
            leader = self.leader(wait=5.0) or SLOTS[0]
            slot = leader if what == "leader" else next(s for s in SLOTS if s != leader)
            if self.replicas.kill(slot):
                log.info("SIGKILL replica %s (%s)", slot, what)
                return
            time.sleep(0.5)
        raise RuntimeError("no replica running to SIGKILL within 60 s")

    def _restart_api(self) -> None:
        state = self.world.state
        index, proc = next((i, p) for i, p in enumerate(state.procs) if p.name == "kube-apiserver")
        log.info("restarting the kube-apiserver")
        state.procs[index] = restart_apiserver(self.world.folder, proc)
        self.world.save()
        self.counts.api_restarts += 1

    def _hand_over(self) -> None:
        leader = self.leader(wait=60.0)
        if leader is None:
            raise RuntimeError("no leader to hand over from")
        before = self.replicas.holder()
        log.info("SIGTERM the leader, replica %s", leader)
        self.replicas.terminate(leader)
        self.counts.leader_terms += 1
        deadline = time.monotonic() + 30 + LEASE_DURATION
        while time.monotonic() < deadline and self.replicas.holder() in (before, None):
            time.sleep(0.25)
