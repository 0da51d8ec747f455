"""Fixtures for the OpenStack provider's tests, against the real Keystone, Octavia and Neutron
that env-up starts (LBC_ENV=...,openstack); a session without them fails these tests loudly.

Every integration test gets its own cluster name, so its tags (and `list_owned`) see only its
own load balancers; whatever a test leaves behind (load balancers tagged with its cluster,
floating IPs marked with it) is deleted afterwards through the tests' own connection.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from lbcontroller.config import OpenStackProvider, RateLimit
from lbcontroller.metrics import Metrics
from providers.openstack import build
from providers.openstack.context import Patience
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.conftest import conn, os_env
from tests.support.calls import MetricCalls

# The environment tests' fixtures: what env-up exported, and a connection as the tests' user.
__all__ = ["conn", "os_env"]
FAST = RateLimit(qps=1000, burst=1000)
# The no-op Octavia settles a change in 0.2-1.5 s; polling from 0.2 s (not production's 1 s,
# see test_options.test_patience) keeps the suite short. The code that polls is the same.
QUICK = Patience(first=0.2, factor=1.2, longest=2.0)


def make_provider(
    os_env: dict[str, str], *, cluster: str, metrics: Metrics, **settings: Any
) -> OpenStackLoadBalancers:
    """A provider on the local OpenStack, built as the CLI builds it (polling sooner)."""
    config = OpenStackProvider.model_validate(
        {
            "type": "openstack",
            "name": "os-test",
            "cloud": os_env["OS_CLOUD"],
            "vip_subnet_id": os_env["OS_VIP_SUBNET_ID"],
            "floating_network_id": os_env["OS_FLOATING_NETWORK_ID"],
            "rate_limits": {"read": FAST, "write": FAST},
            **settings,
        }
    )
    built = build(config, cluster=cluster, metrics=metrics)
    assert isinstance(built, OpenStackLoadBalancers)
    return dataclasses.replace(built, ctx=dataclasses.replace(built.ctx, patience=QUICK))


@pytest.fixture
def cluster(conn: Any) -> Iterator[str]:
    """A cluster name of this test's own; what is left tagged or marked with it is deleted."""
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    mark = f"lbcontroller.io/cluster={name}"
    for ip in conn.network.ips():
        if (ip.description or "").startswith(mark):
            conn.network.delete_ip(ip.id)
    lbs = conn.load_balancer
    left = list(lbs.load_balancers(tags=mark))
    for lb in left:
        _wait_settled(conn, lb.id)
        lbs.delete_load_balancer(lb.id, cascade=True)
    for lb in left:
        _wait_settled(conn, lb.id)


def _wait_settled(conn: Any, lb_id: str) -> None:
    for _ in range(600):
        lb = conn.load_balancer.find_load_balancer(lb_id)
        if lb is None or not lb.provisioning_status.startswith("PENDING"):
            return
        time.sleep(0.1)
    pytest.fail(f"load balancer {lb_id} still pending after 60 s")


@pytest.fixture
def metrics() -> Metrics:
    """The metrics the provider records its calls in."""
    return Metrics()


@pytest.fixture
def tally(metrics: Metrics) -> MetricCalls:
    """Counts the provider's calls."""
    return MetricCalls(metrics)


@pytest.fixture
def provider(os_env: dict[str, str], cluster: str, metrics: Metrics) -> OpenStackLoadBalancers:
    """The provider under test (floating IPs released on deletion, deleteOnError on)."""
    return make_provider(os_env, cluster=cluster, metrics=metrics)
