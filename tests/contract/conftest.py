"""Fixtures of the contract suite: one `Kind` per provider kind, the provider under a fresh
cluster name, and the Services its cases use.

Every case runs on aws-nlb and aws-classic (moto), gcp (the Compute fake) and openstack (the
real Octavia); a session without one of these stand-ins fails those cases loudly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from devenv.state import EnvState
from lbcontroller.provider import Provider
from tests.conftest import aws_backend_url
from tests.devenv.gcefake.conftest import admin, gce, gce_fake_url, gce_session
from tests.devenv.gcefake.gce import Admin, Gce
from tests.devenv.openstack_env.conftest import conn, os_env

from .aws import AwsKind
from .gcp import GcpKind
from .kind import Kind
from .openstack import OpenStackKind

# The stand-ins' own fixtures: the Compute fake's URL, clients and admin API (reset per test);
# what env-up exported for OpenStack, and a connection as the tests' user.
__all__ = ["admin", "conn", "gce", "gce_fake_url", "gce_session", "os_env"]
KINDS = ("aws-nlb", "aws-classic", "gcp", "openstack")


def _make(request: pytest.FixtureRequest, devenv: EnvState, name: str) -> Kind:
    if name.startswith("aws-"):
        return AwsKind(aws_backend_url(devenv, "moto"), classic=name == "aws-classic")
    if name == "gcp":
        fake: Admin = request.getfixturevalue("admin")
        clients: Gce = request.getfixturevalue("gce")
        return GcpKind(request.getfixturevalue("gce_fake_url"), fake, clients)
    return OpenStackKind(request.getfixturevalue("os_env"), request.getfixturevalue("conn"))


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, devenv: EnvState) -> Iterator[Kind]:
    """One provider kind on its stand-in, cleaned up afterwards."""
    made = _make(request, devenv, str(request.param))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def cluster() -> str:
    """A cluster name of this test's own."""
    return f"c{uuid.uuid4().hex[:8]}"


@pytest.fixture
def provider(kind: Kind, cluster: str) -> Provider:
    """The provider under test, built as the CLI builds it."""
    return kind.provider(cluster)
