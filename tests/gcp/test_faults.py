"""Failed operations and throttling: the verbs raise or retry, and a later run converges
without leaks or duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions

from lbcontroller.model import Node
from lbcontroller.provider import LoadBalancerStatus
from lbcontroller.spec import LoadBalancerSpec
from providers.gcp.api import OperationFailed
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import ZONES, Admin, Gce
from tests.support.builders import service, spec_of
from tests.support.calls import GceCalls

from . import views

pytestmark = pytest.mark.integration

TCP_UDP = ((80, "TCP", 30080), (53, "UDP", 30053))


def _converged(gce: Gce, spec: LoadBalancerSpec[Any], ip: str | None) -> None:
    """Exactly one load balancer's worth of resources, all in place, nothing left over."""
    lb = spec.ref.name
    found = views.everything(gce)
    assert set(found["rules"]) == {f"{lb}-tcp", f"{lb}-udp"}
    assert {r.I_p_address for r in views.rules(gce).values()} == {ip}
    assert set(found["addresses"]) == {lb}
    assert set(found["firewalls"]) == {lb, f"{lb}-hc"}
    assert [b["name"] for b in found["backends"]] == [lb]
    assert [c["name"] for c in found["checks"]] == [lb]
    assert views.members(gce, ZONES[0]) == {"node-a0", "node-a1"}
    assert views.members(gce, ZONES[1]) == {"node-b0"}


def _until_converged(
    provider: GcpLoadBalancers, spec: LoadBalancerSpec[Any]
) -> tuple[LoadBalancerStatus, int]:
    """Ensure as the controller would: again after a failure, at most 5 times."""
    for attempt in range(1, 6):
        try:
            return provider.ensure(spec), attempt
        except (OperationFailed, exceptions.GoogleAPICallError):
            continue
    raise AssertionError("no convergence after 5 ensures")


@pytest.mark.parametrize(
    ("method", "collection"),
    [
        ("insert", "backendServices"),
        ("insert", "forwardingRules"),
        ("addInstances", "instanceGroups"),
        ("insert", "firewalls"),
    ],
)
def test_a_failed_operation_raises_and_the_next_ensure_converges(
    provider: GcpLoadBalancers,
    admin: Admin,
    gce: Gce,
    gce_nodes: tuple[Node, ...],
    method: str,
    collection: str,
) -> None:
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    admin.fail(method=method, collection=collection, code=400, reason="INVALID_FIELD_VALUE")
    with pytest.raises(OperationFailed, match=f"{collection}.{method} failed \\(400\\)"):
        provider.ensure(spec)
    status = provider.ensure(spec)
    _converged(gce, spec, status.ingress[0].ip)
    assert provider.plan(spec) == []


def test_a_transient_operation_failure_is_retried_within_the_call(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    admin.fail(method="insert", collection="forwardingRules", code=503)
    admin.fail(method="insert", collection="addresses", code=500, sync=True)
    tally.start()
    status = provider.ensure(spec)
    _converged(gce, spec, status.ingress[0].ip)
    writes = tally.writes()
    assert (writes["forwardingRules.insert"], writes["addresses.insert"]) == (3, 2)


def test_a_failed_delete_raises_and_the_next_one_finishes(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...]
) -> None:
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    provider.ensure(spec)
    admin.fail(method="delete", collection="healthChecks", code=400)
    with pytest.raises(OperationFailed):
        provider.ensure_deleted(spec.ref)
    assert views.health(gce, spec.ref.name) is not None
    provider.ensure_deleted(spec.ref)
    assert views.everything(gce)["checks"] == []
    assert provider.plan_delete(spec.ref) == []


def test_throttling_is_ridden_out_without_duplicates(
    provider: GcpLoadBalancers, admin: Admin, gce: Gce, gce_nodes: tuple[Node, ...], tally: GceCalls
) -> None:
    spec = spec_of(provider, service(ports=TCP_UDP), gce_nodes)
    admin.throttle(rate=0.3, seed=11)
    tally.start()
    status, _ = _until_converged(provider, spec)
    refused = [c for c in admin.calls() if c["status"] in (403, 429)]
    assert len(refused) >= 5  # the throttle did bite
    assert provider.ensure(spec) == status
    admin.throttle(rate=0)
    _converged(gce, spec, status.ingress[0].ip)
    tally.start()
    provider.ensure(spec)
    assert tally.writes() == {}
    admin.throttle(rate=0.3, seed=12)
    provider.ensure_deleted(spec.ref)
    admin.throttle(rate=0)
    assert views.rules(gce) == {} and views.addresses(gce) == {}
