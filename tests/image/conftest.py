"""Fixtures of the image tests: the image `make image` builds (built on first use and cached
by its script; never skipped) and podman's environment here."""

from __future__ import annotations

import pytest

from devenv.procs import EnvError
from tests.image.podman import build_image, podman_env


@pytest.fixture(scope="session")
def image() -> str:
    """The image's name; fails if it cannot be built."""
    try:
        return build_image()
    except EnvError as exc:
        pytest.fail(f"the image could not be built: {exc}")


@pytest.fixture(scope="session")
def podman() -> dict[str, str]:
    """The environment every podman call here runs with (CONTAINERS_CONF)."""
    try:
        return podman_env()
    except EnvError as exc:
        pytest.fail(f"podman could not be set up: {exc}")
