"""Drift and trouble: a resync (verify=True) repairs what was changed behind our back; a load
balancer in ERROR is deleted and recreated (deleteOnError) or left alone; one stuck in
PENDING_* makes the verb ask to be retried later."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from devenv.state import EnvState
from lbcontroller.errors import RetryAfter
from lbcontroller.metrics import Metrics
from providers.openstack.context import Patience
from providers.openstack.loadbalancer import LoadBalancerFailed
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, wait_status
from tests.support.builders import service
from tests.support.calls import MetricCalls

from . import views
from .conftest import make_provider
from .octavia_db import set_status
from .support import TCP_UDP, made, spec_for

pytestmark = OPENSTACK_MARKS


def test_verify_repairs_what_changed_behind_our_back(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec = spec_for(provider, service(ports=TCP_UDP))
    status = provider.ensure(spec)
    lb = views.the_lb(conn, spec.ref)
    lbs = conn.load_balancer

    def settle() -> None:
        wait_status(lambda: lbs.get_load_balancer(lb.id))

    before = views.listeners(conn, lb.id)
    pools = views.pools(conn, lb.id)
    lbs.delete_listener(before[("TCP", 80)].id)
    settle()
    lbs.update_listener(before[("UDP", 53)].id, allowed_cidrs=["192.0.2.0/24"])
    settle()
    udp_pool = pools[f"{spec.ref.name}-udp-53"]
    assert lbs.put(f"/lbaas/pools/{udp_pool.id}/members", json={"members": []}).status_code == 202
    settle()

    tally.start()
    assert provider.ensure(spec, verify=True) == status
    assert tally.writes() == {
        "listeners.create": 1,
        "listeners.update": 1,
        "members.batch_update": 1,
    }
    after = views.listeners(conn, lb.id)
    assert after[("TCP", 80)].default_pool_id == pools[f"{spec.ref.name}-tcp-80"].id
    assert after[("UDP", 53)].allowed_cidrs is None
    assert len(views.members(conn, udp_pool.id)) == 2
    assert views.the_lb(conn, spec.ref).id == lb.id


def test_error_is_deleted_then_recreated(
    provider: OpenStackLoadBalancers, conn: Any, devenv: EnvState, tally: MetricCalls
) -> None:
    spec = spec_for(provider, service(ports=((80, "TCP", 30080),)))
    address = provider.ensure(spec).ingress[0].ip
    broken = views.the_lb(conn, spec.ref)
    set_status(devenv, broken.id, "ERROR")
    assert [c.operation for c in provider.plan(spec)] == ["loadbalancers.delete"]
    tally.start()
    with pytest.raises(LoadBalancerFailed, match="was in ERROR: deleted it with its children"):
        provider.ensure(spec)
    assert tally.writes() == {"loadbalancers.delete": 1}
    tally.start()
    assert provider.ensure(spec).ingress[0].ip == address  # our floating IP stays ours
    assert tally.writes() == {"loadbalancers.create": 1, "floatingips.update": 1}  # re-associated
    fresh = views.the_lb(conn, spec.ref)
    assert fresh.id != broken.id and fresh.provisioning_status == "ACTIVE"


def test_error_is_left_alone_without_delete_on_error(
    os_env: dict[str, str], cluster: str, metrics: Metrics, conn: Any, devenv: EnvState
) -> None:
    provider = make_provider(os_env, cluster=cluster, metrics=metrics, delete_on_error=False)
    spec, broken = made(provider, conn, service(ports=((80, "TCP", 30080),)))
    set_status(devenv, broken.id, "ERROR")
    tally = MetricCalls(metrics)
    tally.start()
    with pytest.raises(LoadBalancerFailed, match="deleteOnError is off"):
        provider.ensure(spec)
    assert tally.writes() == {} and provider.plan(spec) == ()
    assert views.the_lb(conn, spec.ref).provisioning_status == "ERROR"
    provider.ensure_deleted(spec.ref)  # deleting it on the Service's deletion still works
    assert views.load_balancers(conn, spec.ref) == []


def test_stuck_pending_asks_for_a_retry(
    provider: OpenStackLoadBalancers, conn: Any, devenv: EnvState, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=((80, "TCP", 30080),)))
    impatient = dataclasses.replace(provider.ctx, patience=Patience(first=0.2, budget=1))
    hurried = dataclasses.replace(provider, ctx=impatient)
    set_status(devenv, lb.id, "PENDING_UPDATE")
    try:
        tally.start()
        with pytest.raises(RetryAfter, match="is still PENDING_UPDATE after 1 s") as caught:
            hurried.ensure(spec)
        assert caught.value.delay == 5.0 and tally.writes() == {}
        assert tally.reads()["loadbalancers.get"] >= 3
    finally:
        set_status(devenv, lb.id, "ACTIVE")
    tally.start()
    hurried.ensure(spec)
    assert tally.writes() == {}
