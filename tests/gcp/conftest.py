"""Fixtures for the GCP provider's tests, against the Compute fake env-up started, over HTTP.

Every test that asks for the fake gets it reset, with three instances as nodes (two in zone
a, one in zone b) and a provider built the way the CLI builds it (generous rate limits).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lbcontroller.config import GcpProvider, RateLimit
from lbcontroller.metrics import Metrics
from lbcontroller.model import Node
from providers.gcp import build
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.conftest import admin, gce, gce_fake_url, gce_session
from tests.devenv.gcefake.gce import PROJECT, REGION, ZONES, Admin
from tests.support.builders import CLUSTER
from tests.support.calls import GceCalls

from .support import node_on

# The fake's own fixtures: its URL (the one env-up started), clients to look at and plant
# resources with, and its admin API with the fake reset first.
__all__ = ["admin", "gce", "gce_fake_url", "gce_session"]
FAST = RateLimit(qps=10_000, burst=10_000)


@pytest.fixture
def gce_nodes(admin: Admin) -> tuple[Node, ...]:
    """Two nodes in zone a, one in zone b, each on an instance of the fake (`nodes` is the
    API server's Node objects, for the end-to-end tests)."""
    return tuple(
        node_on(admin, zone, name)
        for zone, name in ((ZONES[0], "node-a0"), (ZONES[0], "node-a1"), (ZONES[1], "node-b0"))
    )


def make_provider(
    url: str,
    *,
    subnetwork: str | None = None,
    upstream_cluster_id: str | None = None,
    cluster: str = CLUSTER,
) -> GcpLoadBalancers:
    """A provider on the fake, built as the CLI builds it."""
    config = GcpProvider(
        type="gcp",
        name="gcp-test",
        project=PROJECT,
        region=REGION,
        endpoint=url,
        rate_limits={"read": FAST, "write": FAST},
        subnetwork=subnetwork,
        upstream_cluster_id=upstream_cluster_id,
    )
    built = build(config, cluster=cluster, metrics=Metrics())
    assert isinstance(built, GcpLoadBalancers)
    return built


@pytest.fixture
def provider(gce_fake_url: str, admin: Admin) -> Iterator[GcpLoadBalancers]:
    """The provider under test."""
    built = make_provider(gce_fake_url)
    yield built
    built.ctx.api.clients.close()


@pytest.fixture
def tally(admin: Admin) -> GceCalls:
    """Counts the calls the fake logs."""
    return GceCalls(admin)
