"""Fixtures of the helm tests: the Go-built helm binary (built on first use, never skipped).

Where it sits: beside tests/conftest.py, whose `devenv`, `kube`, `namespace` and `nodes`
fixtures the server-side tests here use as well.
"""

from __future__ import annotations

import pytest

from tests.helm.chart import Helm, HelmMissing, build_helm


@pytest.fixture(scope="session")
def helm() -> Helm:
    """helm from the cache (scripts/build-helm.sh builds it once); fails if it cannot."""
    try:
        return Helm(build_helm())
    except HelmMissing as exc:
        pytest.fail(f"helm is needed for the chart's tests and could not be built: {exc}")
