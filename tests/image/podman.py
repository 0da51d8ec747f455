"""The built image, run with podman the way the chart's pod runs it.

Where it sits: the image tests build the image through `scripts/build-image.sh` (what
`make image` runs; cached), render the chart with helm, and hand the rendered container (the
Deployment's, or the sidecar snippet's) to `run_args`, which turns its securityContext, args and
volume mounts into `podman run` flags: the chart's uid/gid, a read-only root file system, no
capabilities, no privilege escalation, the config file where the ConfigMap puts it, a tmpfs
where the emptyDir goes, and the ServiceAccount token where the kubelet projects it (so the
controller finds its in-cluster credentials exactly as in a pod). Host networking reaches the
local servers, which all listen on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devenv.procs import run_script

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build-image.sh"
PODMAN_SCRIPT = ROOT / "scripts" / "install-podman.sh"
TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
JSON = dict[str, Any]


def build_image() -> str:
    """The image's name, built first if needed (cached by the script); EnvError if it fails."""
    return run_script(BUILD_SCRIPT)


def podman_env() -> dict[str, str]:
    """The environment podman needs here: the containers.conf the install script writes."""
    return {**os.environ, "CONTAINERS_CONF": run_script(PODMAN_SCRIPT)}


@dataclass(frozen=True)
class Mounts:
    """What the pod's volumes hold, as files on the host."""

    config: Path  # the ConfigMap's config.yaml
    token_dir: Path  # token, ca.crt and namespace of the ServiceAccount


def _security(container: JSON) -> list[str]:
    context = container["securityContext"]
    flags = ["--user", f"{context['runAsUser']}:{context['runAsGroup']}"]
    if context.get("readOnlyRootFilesystem"):
        flags += ["--read-only", "--read-only-tmpfs=false"]  # only the chart's /tmp is writable
    flags += [f"--cap-drop={cap}" for cap in context["capabilities"]["drop"]]
    if context.get("allowPrivilegeEscalation") is False:
        flags += ["--security-opt", "no-new-privileges"]
    return flags


def _volumes(container: JSON, volumes: list[JSON], mounts: Mounts) -> list[str]:
    kinds = {volume["name"]: volume for volume in volumes}
    flags = ["--volume", f"{mounts.token_dir}:{TOKEN_DIR}:ro"]
    for mount in container["volumeMounts"]:
        volume = kinds[mount["name"]]
        if "configMap" in volume:
            assert mount["subPath"] == "config.yaml" and mount.get("readOnly") is True, mount
            flags += ["--volume", f"{mounts.config}:{mount['mountPath']}:ro"]
        elif "emptyDir" in volume:
            size = volume["emptyDir"]["sizeLimit"].removesuffix("Mi")
            flags += ["--tmpfs", f"{mount['mountPath']}:rw,size={size}m,mode=1777"]
        else:
            raise AssertionError(f"no host stand-in for volume {volume}")
    return flags


def run_args(image: str, name: str, pod: JSON, mounts: Mounts, env: dict[str, str]) -> list[str]:
    """`podman run` of the pod spec's lbcontroller container, detached, on the host network."""
    container = next(c for c in pod["containers"] if c["name"] == "lbcontroller")
    flags = ["--name", name, "--detach", "--network", "host"]
    flags += _security(container) + _volumes(container, pod["volumes"], mounts)
    for key, value in env.items():
        flags += ["--env", f"{key}={value}"]
    return ["podman", "run", *flags, image, *container["args"]]


@dataclass(frozen=True)
class Container:
    """One running container, by name."""

    name: str
    env: dict[str, str]

    def podman(self, *args: str, timeout: float = 120) -> str:
        """`podman ARGS`; raises with podman's message on failure."""
        return podman(["podman", *args], self.env, timeout)

    def state(self, field: str) -> str:
        """One field of `podman inspect`'s State, e.g. Pid or ExitCode."""
        return self.podman("inspect", "--format", f"{{{{.State.{field}}}}}", self.name).strip()

    def logs(self) -> str:
        """Everything the container printed (podman gives its stderr back on stderr)."""
        done = subprocess.run(
            ["podman", "logs", self.name],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
            env=self.env,
            check=True,
        )
        return done.stdout

    def stop(self, grace: int) -> float:
        """`podman stop` with the pod's grace period (SIGTERM, then SIGKILL); seconds taken."""
        started = time.monotonic()
        self.podman("stop", "--time", str(grace), self.name, timeout=grace + 60)
        return time.monotonic() - started

    def remove(self) -> None:
        """Remove the container (stopping it first if it still runs)."""
        subprocess.run(
            ["podman", "rm", "--force", "--time", "0", self.name],
            capture_output=True,
            timeout=120,
            env=self.env,
            check=False,
        )


def podman(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run a podman `command`; its output, or AssertionError with podman's message."""
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    assert done.returncode == 0, f"{' '.join(command[:2])} failed: {done.stderr}"
    return done.stdout


def start(command: list[str], env: dict[str, str]) -> Container:
    """Run `command` (from `run_args`); the container it started."""
    podman(command, env)
    return Container(name=command[command.index("--name") + 1], env=env)
