"""Running the Go-built helm on the chart in helm/lbcontroller, for the tests beside this file.

Where it sits: `conftest.py` builds (or finds in the cache) helm through
`scripts/build-helm.sh`, the same script `make prereqs` runs, and hands out a `Helm`; tests
call `template` for the manifests as dicts, `lint` and `run` for exit codes and messages.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "lbcontroller"
BUILD_SCRIPT = ROOT / "scripts" / "build-helm.sh"
VALUES_FILES = sorted((CHART / "ci").glob("*-values.yaml"))
JSON = dict[str, Any]


class HelmMissing(Exception):
    """helm could not be built or found."""


def build_helm() -> Path:
    """The cached helm binary, built first if needed; HelmMissing with the script's message."""
    done = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3600, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        raise HelmMissing(done.stderr.strip() or f"{BUILD_SCRIPT} printed no helm path")
    return Path(lines[-1])


@dataclass(frozen=True)
class Helm:
    """One helm binary, pointed at this repository's chart."""

    binary: Path
    home: Path = Path(tempfile.gettempdir()) / "lbcontroller-helm-home"

    def run(self, *args: str, kubeconfig: str | None = None) -> subprocess.CompletedProcess[str]:
        """`helm ARGS`, output captured, never raising on a non-zero exit.

        helm's cache, config and data go to a scratch folder, not the user's home; without
        `kubeconfig` no cluster is configured.
        """
        env = {
            **os.environ,
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
            "KUBECONFIG": kubeconfig or str(self.home / "no-kubeconfig"),
        }
        return subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )

    def lint(
        self, values: Sequence[Path] = (), sets: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        """`helm lint --strict` of the chart."""
        return self.run("lint", "--strict", str(CHART), *_flags(values, sets))

    def template_run(
        self,
        release: str = "lbc",
        namespace: str = "lbc-system",
        values: Sequence[Path] = (),
        sets: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        """`helm template` of the chart, as a finished process."""
        args = ["template", release, str(CHART), "--namespace", namespace]
        return self.run(*args, *_flags(values, sets))

    def template(
        self,
        release: str = "lbc",
        namespace: str = "lbc-system",
        values: Sequence[Path] = (),
        sets: Sequence[str] = (),
    ) -> list[JSON]:
        """The rendered objects; AssertionError with helm's message if rendering fails."""
        done = self.template_run(release, namespace, values, sets)
        assert done.returncode == 0, f"helm template failed:\n{done.stderr}"
        return [doc for doc in yaml.safe_load_all(done.stdout) if doc]

    def notes(
        self,
        kubeconfig: str,
        release: str = "lbc",
        namespace: str = "lbc-system",
        values: Sequence[Path] = (),
        sets: Sequence[str] = (),
    ) -> str:
        """NOTES.txt as `helm install --dry-run=client` prints it (helm asks the cluster's
        version, so a kubeconfig is needed; nothing is installed)."""
        args = ["install", release, str(CHART), "--namespace", namespace, "--dry-run=client"]
        done = self.run(*args, *_flags(values, sets), kubeconfig=kubeconfig)
        assert done.returncode == 0, f"helm install --dry-run=client failed:\n{done.stderr}"
        _, found, notes = done.stdout.partition("\nNOTES:\n")
        assert found, f"helm printed no NOTES:\n{done.stdout[-2000:]}"
        return notes


def _flags(values: Sequence[Path], sets: Sequence[str]) -> list[str]:
    flags: list[str] = []
    for path in values:
        flags += ["--values", str(path)]
    for item in sets:
        flags += ["--set", item]
    return flags


def by_kind(objects: Sequence[JSON], kind: str) -> list[JSON]:
    """The rendered objects of one kind."""
    return [o for o in objects if o["kind"] == kind]


def one(objects: Sequence[JSON], kind: str) -> JSON:
    """The only rendered object of `kind`."""
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, rendered {len(found)}"
    return found[0]


def rendered_config(objects: Sequence[JSON]) -> Any:
    """The controller's config file as the chart's ConfigMap carries it, parsed."""
    return yaml.safe_load(one(objects, "ConfigMap")["data"]["config.yaml"])


def _snippet(notes: str, start: str, end: str) -> list[JSON]:
    _, _, rest = notes.partition(f"\n      {start}:\n")
    block, found, _ = rest.partition(end)
    assert found, f"NOTES has no {start} snippet:\n{notes}"
    parsed: list[JSON] = yaml.safe_load(block)
    return parsed


def sidecar_pod(notes: str) -> JSON:
    """The containers and volumes sidecar mode's NOTES tell users to add to the CCM's pod."""
    return {
        "containers": _snippet(notes, "containers", "\nand these volumes"),
        "volumes": _snippet(notes, "volumes", "\nSee the chart's README"),
    }
