"""Fixtures: the fake that env-up started, its clients, and its admin API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devenv.state import EnvState
from tests.conftest import endpoint

from .gce import Admin, Gce


@pytest.fixture(scope="session")
def gce_fake_url(devenv: EnvState) -> str:
    """The fake that env-up started (GCE_ENDPOINT_URL); fails loudly when it is not up."""
    return endpoint(devenv, "GCE_ENDPOINT_URL")


@pytest.fixture(scope="session")
def gce_session(gce_fake_url: str) -> Iterator[Gce]:
    """The clients, built once."""
    gce = Gce(gce_fake_url)
    yield gce
    gce.close()


@pytest.fixture
def admin(gce_fake_url: str) -> Admin:
    """The admin API, with the fake reset before the test."""
    fake = Admin(gce_fake_url)
    fake.reset()
    return fake


@pytest.fixture
def gce(gce_session: Gce, admin: Admin) -> Gce:
    """The clients, on a freshly reset fake."""
    return gce_session
