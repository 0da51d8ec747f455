"""Bounded waits and names for the OpenStack environment tests.

Where it sits: used by `tests/devenv/openstack_env/conftest.py` and the test modules; every wait has
a deadline and fails the test (never hangs, never skips).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

SETTLE_TIMEOUT = 60.0

# openstacksdk 4.22 warns about its own internals on ordinary calls (InfluxDB on every
# connect, `_compute_attributes` on every resource); pyproject turns warnings into errors.
# Each test module here sets `pytestmark = OPENSTACK_MARKS` (integration, plus these filters).
OPENSTACK_MARKS = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def unique(prefix: str) -> str:
    """A name no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_status(
    fetch: Callable[[], Any], want: str = "ACTIVE", *, timeout: float = SETTLE_TIMEOUT
) -> Any:
    """Poll `fetch()` until its provisioning_status is `want`; fail on ERROR or time-out."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        status = last.provisioning_status
        if status == want:
            return last
        if status == "ERROR":
            pytest.fail(f"{type(last).__name__} {last.id} went to ERROR")
        time.sleep(0.1)
    pytest.fail(f"not {want} after {timeout:.0f} s: {last!r}")


def wait_gone(fetch: Callable[[], Any], *, timeout: float = SETTLE_TIMEOUT) -> None:
    """Poll `fetch()` (returning None once the resource is gone) until it is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fetch() is None:
            return
        time.sleep(0.1)
    pytest.fail(f"still there after {timeout:.0f} s")
