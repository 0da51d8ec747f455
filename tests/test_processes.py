"""Controller processes: leader election hand-over, and SIGKILL in the middle of a reconcile."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from devenv.state import EnvState
from lbcontroller.kube import KubeClient, NotFound
from lbcontroller.naming import lb_name
from tests.support.harness import CLUSTER, wait_for
from tests.support.objects import create_service, get_service

ROOT = Path(__file__).resolve().parent.parent
LEASE_DURATION = 3.0


class Procs:
    """Controller processes started by one test."""

    def __init__(self, devenv: EnvState, tmp: Path, namespace: str) -> None:
        self.devenv, self.tmp, self.namespace = devenv, tmp, namespace
        self.state = tmp / "cloud.json"
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, identity: str, *extra: str) -> subprocess.Popen[bytes]:
        with (self.tmp / f"{identity}.log").open("ab") as log:
            proc = self._popen(identity, log, extra)
        self.running[identity] = proc
        return proc

    def _popen(
        self, identity: str, log: IO[bytes], extra: tuple[str, ...]
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.run_controller",
                "--kubeconfig",
                self.devenv.env["KUBECONFIG"],
                "--state",
                str(self.state),
                "--identity",
                identity,
                "--lb-class",
                f"test/{self.namespace}",
                "--lease",
                f"lease-{self.namespace}",
                "--lease-namespace",
                self.namespace,
                *extra,
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def kill(self, identity: str) -> None:
        proc = self.running.pop(identity)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.running.values():
            proc.terminate()
        for proc in self.running.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def cloud(self) -> dict[str, object]:
        if not self.state.exists():
            return {"lbs": {}, "writes": []}
        data: dict[str, object] = json.loads(self.state.read_text())
        return data


@pytest.fixture
def procs(devenv: EnvState, tmp_path: Path, namespace: str) -> Iterator[Procs]:
    made = Procs(devenv, tmp_path, namespace)
    yield made
    made.stop_all()


def holder(kube: KubeClient, namespace: str) -> str | None:
    try:
        lease = kube.get_lease(namespace, f"lease-{namespace}")
    except NotFound:
        return None
    value: str | None = lease["spec"].get("holderIdentity")
    return value


def _stamp(kube: KubeClient, namespace: str, key: str) -> datetime.datetime:
    """A time the leader election wrote into the Lease (a MicroTime)."""
    spec = kube.get_lease(namespace, f"lease-{namespace}")["spec"]
    return datetime.datetime.fromisoformat(spec[key].replace("Z", "+00:00"))


def writers(procs: Procs) -> set[str]:
    writes = procs.cloud()["writes"]
    assert isinstance(writes, list)
    return {w["by"] for w in writes}


def test_only_the_leader_writes_and_a_killed_leader_is_replaced_once_its_lease_expired(
    kube: KubeClient, namespace: str, procs: Procs
) -> None:
    procs.start("first")
    wait_for(lambda: holder(kube, namespace) == "first", what="first to lead")
    procs.start("second")
    create_service(kube, namespace, "one", lb_class=f"test/{namespace}")
    wait_for(lambda: (s := get_service(kube, namespace, "one")) and s.ingress, what="ingress")
    time.sleep(1.0)  # give the standby every chance to misbehave
    assert writers(procs) == {"first"}

    procs.kill("first")
    last_renewal = _stamp(kube, namespace, "renewTime")
    wait_for(
        lambda: holder(kube, namespace) == "second",
        timeout=3 * LEASE_DURATION + 10,  # liveness; safety is checked below
        what="second to take over",
    )
    # The Lease's own record: the standby acquired it only once the leader's last renewal
    # had expired: never two leaders at once.
    acquired = _stamp(kube, namespace, "acquireTime")
    assert acquired - last_renewal >= datetime.timedelta(seconds=LEASE_DURATION)
    create_service(kube, namespace, "two", lb_class=f"test/{namespace}")
    wait_for(lambda: (s := get_service(kube, namespace, "two")) and s.ingress, what="ingress")
    assert writers(procs) == {"first", "second"}


def test_sigkill_mid_reconcile_then_restart_converges_without_a_second_create(
    kube: KubeClient, namespace: str, procs: Procs
) -> None:
    procs.start("victim", "--slow-create", "3")
    wait_for(lambda: holder(kube, namespace) == "victim", what="victim to lead")
    create_service(kube, namespace, "web", lb_class=f"test/{namespace}")
    wait_for(lambda: procs.cloud()["writes"], what="the load balancer to be created")
    procs.kill("victim")
    svc = get_service(kube, namespace, "web")
    assert svc is not None and not svc.ingress, "the kill came too late to be mid-reconcile"

    procs.start("restarted")
    wait_for(
        lambda: (s := get_service(kube, namespace, "web")) and s.ingress,
        timeout=30,
        what="convergence after restart",
    )
    name = lb_name(CLUSTER, namespace, "web")
    writes = procs.cloud()["writes"]
    assert isinstance(writes, list)
    assert [w["verb"] for w in writes if w["lb"] == name].count("create") == 1
    assert list(procs.cloud()["lbs"]) == [name]  # type: ignore[call-overload]


def test_a_stopped_leader_keeps_its_lease_until_its_last_write_landed(
    kube: KubeClient, namespace: str, procs: Procs
) -> None:
    """SIGTERM while a cloud call is in flight: no other replica leads before it lands."""
    # The call outlasts the Lease but ends well inside the drain bound (the harness's
    # shutdown_timeout, 5 s, counted from the SIGTERM, which may come a little before the call
    # starts: the finalizer is written first). A call longer than that bound is abandoned
    # at exit by design, and the Lease then expires instead of being released.
    procs.start("leaving", "--slow-request", str(LEASE_DURATION + 1))
    wait_for(lambda: holder(kube, namespace) == "leaving", what="leaving to lead")
    procs.start("next")
    create_service(kube, namespace, "web", lb_class=f"test/{namespace}")
    wait_for(
        lambda: (s := get_service(kube, namespace, "web")) and s.finalizers,
        what="the reconcile to reach the cloud call",
    )
    leaving = procs.running["leaving"]
    leaving.terminate()
    while holder(kube, namespace) == "leaving":
        time.sleep(0.05)
    # The Lease is let go: the in-flight write must have landed before that moment (the exit
    # itself may come later, so the process being alive is not the test).
    writes = procs.cloud()["writes"]
    assert isinstance(writes, list)
    landed = [(w["verb"], w["by"]) for w in writes]
    assert ("create", "leaving") in landed, "the Lease was let go while a write was in flight"
    assert leaving.wait(timeout=30) == 0
    wait_for(lambda: holder(kube, namespace) == "next", what="the hand-over")
    wait_for(lambda: (s := get_service(kube, namespace, "web")) and s.ingress, what="ingress")
    writes = procs.cloud()["writes"]
    assert isinstance(writes, list)
    assert [(w["verb"], w["by"]) for w in writes] == [("create", "leaving")]
