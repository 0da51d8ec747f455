"""The controller runs as the chart runs it: not root, no capabilities, one writable folder.

The real `lbcontroller run` process is started in the sandbox of tests/support/sandbox.py
(uid/gid 65532 as in the chart, every mount read-only but one temporary folder, no
capabilities, no_new_privs) and serves Services on AWS (moto) and GCP (the fake): created,
changed, one refused, deleted. Checked from outside on the live process: its ids, its
capability sets, that every mount it sees is read-only but its folder, and that it printed
no permission or read-only failure. A second test proves the sandbox itself refuses writes
everywhere else, so the first cannot pass on a sandbox that lets everything through.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devenv.procs import http_ok
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.support.cli_process import argv, exercise, prepare
from tests.support.harness import wait_for
from tests.support.objects import Nodes
from tests.support.sandbox import UID, Layout, command, guarded, mounts

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
NO_CAPABILITIES = "0000000000000000"


@pytest.fixture
def folder() -> Iterator[Path]:
    """The one writable folder: owned by the sandbox's user, reachable from /tmp."""
    made = Path(tempfile.mkdtemp(prefix="lbc-sandbox-", dir="/tmp"))
    os.chown(made, UID, UID)
    yield made
    shutil.rmtree(made)


def _give(path: Path) -> None:
    os.chown(path, UID, UID)
    path.chmod(0o600)


def _env(layout: Layout, extra: dict[str, str]) -> dict[str, str]:
    """A minimal environment: no variable of the test's own leaks into the sandbox."""
    return {
        "PATH": os.environ["PATH"],
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        **layout.env(),
        **extra,
    }


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _writable_mounts(pid: int) -> list[str]:
    """The mount points the process sees as read-write, besides /proc and /sys.

    A point mounted over twice is listed twice; the later entry is the one the path reaches.
    """
    visible = dict(mounts(pid))
    return [point for point, options in visible.items() if "rw" in options and not guarded(point)]


def test_the_controller_serves_services_unprivileged_with_one_writable_folder(
    kube: KubeClient, namespace: str, nodes: Nodes, devenv: EnvState, folder: Path
) -> None:
    layout = Layout(folder)
    prepared = prepare(kube, devenv, namespace, nodes, folder)
    for path in (prepared.kubeconfig, folder / "ca.crt"):
        _give(path)
    run = argv(
        layout.python(),
        config=layout.source / "examples" / "multicloud.yaml",
        kubeconfig=prepared.kubeconfig,
        identity=f"unprivileged-{namespace}",
    )
    log = folder.parent / f"{folder.name}.log"
    with log.open("wb") as out:
        controller = subprocess.Popen(
            command(layout, ROOT, run),
            env=_env(layout, prepared.env),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    try:
        wait_for(lambda: http_ok(f"http://{prepared.metrics}/readyz"), timeout=60, what="readiness")
        status = _status(controller.pid)
        mounts = _writable_mounts(controller.pid)
        exercise(kube, namespace)
    finally:
        controller.terminate()
        code = controller.wait(30)
    printed = log.read_text()
    log.unlink()
    assert status["Uid"].split() == [str(UID)] * 4 and status["Gid"].split() == [str(UID)] * 4
    assert status["Groups"] == ""
    for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert status[capabilities] == NO_CAPABILITIES, (capabilities, status[capabilities])
    assert status["NoNewPrivs"] == "1"
    assert mounts == [str(folder)]
    assert '"msg": "starting"' in printed
    for failure in ("Read-only file system", "Permission denied", "Traceback"):
        assert failure not in printed, printed[-3000:]
    assert code == 0, printed[-3000:]


def test_the_sandbox_refuses_writes_everywhere_but_its_folder(folder: Path) -> None:
    layout = Layout(folder)
    probe = (
        "import sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        open(path, 'w').close()\n"
        "        print(path, 'written', sep='\\t')\n"
        "    except OSError as exc:\n"
        "        print(path, exc.strerror, sep='\\t')\n"
    )
    targets = [ROOT / "probe", Path("/tmp") / f"{folder.name}-probe", Path("/var/tmp/probe")]
    targets += [Path("/dev/shm/probe"), folder / "probe"]
    done = subprocess.run(
        command(layout, ROOT, [layout.python(), "-c", probe, *map(str, targets)]),
        env=_env(layout, {}),
        capture_output=True,
        text=True,
        check=True,
    )
    said = dict(line.split("\t") for line in done.stdout.splitlines())
    assert said.pop(str(folder / "probe")) == "written"
    assert set(said) == set(map(str, targets[:-1]))
    assert set(said.values()) <= {"Read-only file system", "Permission denied"}, said
    assert not any(path.exists() for path in targets[:-1])
