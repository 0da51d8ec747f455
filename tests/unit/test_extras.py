"""Each provider works with only its own extra installed: no dev-only imports at run time."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCK = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0].startswith(("mypy_boto3", "pytest", "moto")):
            raise ImportError(f"{name} is a dev dependency")
sys.meta_path.insert(0, Block())
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
print("ok")
"""


@pytest.mark.parametrize("package", ["lbcontroller", "providers.aws", "providers.gcp"])
def test_imports_without_dev_dependencies(package: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCK, package],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
