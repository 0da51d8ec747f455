"""A least-privilege sandbox for one process: not root, no capabilities, one writable folder.

Used by the least-privilege test, which runs the real `lbcontroller run` in it. `command()`
gives the argv: `unshare --mount` (a private mount namespace, so the host's mounts stay as
they are) runs this module's `main` as root, which

- bind-mounts the writable folder onto itself, then makes every other mount read-only
  (all but /proc and /sys, which the kernel guards by other means);
- mounts, read-only inside that folder, the interpreter's installation, the source tree and
  the site-packages, so that no parent folder's permissions (a repository under /root, a
  700 temporary folder) decide whether the unprivileged user can read them;
- execs `setpriv` to drop to the chart's uid/gid with no groups, no capabilities and
  no_new_privs, which execs the command. Each step execs, so the process the caller holds
  is the sandboxed one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

UID = 65532  # the chart's runAsUser / runAsGroup
KERNEL_GUARDED = ("/proc", "/sys")


@dataclass(frozen=True)
class Layout:
    """Where the sandbox shows the interpreter, sources and packages, inside `writable`."""

    writable: Path

    @property
    def python_home(self) -> Path:
        """The interpreter's installation (its `sys.base_prefix`), read-only."""
        return self.writable / "python"

    @property
    def source(self) -> Path:
        """The repository, read-only."""
        return self.writable / "src"

    @property
    def packages(self) -> Path:
        """The virtual environment's site-packages, read-only."""
        return self.writable / "site-packages"

    def python(self) -> str:
        """The interpreter, as seen inside the sandbox."""
        real = Path(sys.executable).resolve()
        return str(self.python_home / real.relative_to(Path(sys.base_prefix).resolve()))

    def env(self) -> dict[str, str]:
        """What the interpreter needs to find its library, the sources and the packages."""
        return {
            "PYTHONPATH": f"{self.source}:{self.packages}",
            "LD_LIBRARY_PATH": str(self.python_home / "lib"),  # a RUNPATH may name /root
            "HOME": str(self.writable),
            "TMPDIR": str(self.writable),
        }


def command(layout: Layout, source: Path, argv: list[str]) -> list[str]:
    """The argv that runs `argv` in the sandbox (the caller must be root)."""
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        sys.executable,
        str(Path(__file__).resolve()),
        "--writable",
        str(layout.writable),
        "--source",
        str(source),
        "--",
        *argv,
    ]


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


def _read_only_bind(source: Path, target: Path) -> None:
    target.mkdir(exist_ok=True)
    _mount("--bind", str(source), str(target))
    _mount("-o", "remount,bind,ro", str(target))


def mounts(pid: int | str = "self") -> list[tuple[str, list[str]]]:
    """(mount point, per-mount options) of each mount the process sees, in table order."""
    table = Path(f"/proc/{pid}/mountinfo").read_text(encoding="utf-8")
    # field 5 is the mount point, with octal escapes (\040 for a space); field 6 its options
    rows = (line.split() for line in table.splitlines())
    return [(row[4].encode().decode("unicode_escape"), row[5].split(",")) for row in rows]


def guarded(point: str) -> bool:
    """Whether a mount point lies under /proc or /sys, which stay as they are."""
    return any(point == top or point.startswith(top + "/") for top in KERNEL_GUARDED)


def _lock_down(layout: Layout, source: Path) -> None:
    _mount("--bind", str(layout.writable), str(layout.writable))
    _read_only_bind(Path(sys.base_prefix).resolve(), layout.python_home)
    _read_only_bind(source, layout.source)
    _read_only_bind(Path(sysconfig.get_path("purelib")), layout.packages)
    keep = {str(layout.writable)}
    for point, _ in mounts():
        if point not in keep and not guarded(point) and not point.startswith(f"{layout.writable}/"):
            _mount("-o", "remount,bind,ro", point)


def main() -> None:
    """Inside the new mount namespace, as root: lock the mounts down, drop to UID, exec."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--writable", type=Path, required=True)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    _lock_down(Layout(args.writable), args.source)
    drop = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--no-new-privs"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    os.execvp("setpriv", [*drop, *argv])  # noqa: S606 (the argv is ours, no shell)


if __name__ == "__main__":
    main()
