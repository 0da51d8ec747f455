"""Ownership: found by tags, never by name alone; what lacks our tags is never touched."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.metrics import Metrics
from providers.openstack.api import OCTAVIA
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, wait_gone, wait_status
from tests.support.builders import service
from tests.support.calls import MetricCalls

from . import views
from .conftest import make_provider
from .support import TCP_UDP, made, spec_for

pytestmark = OPENSTACK_MARKS


def test_untagged_look_alike_is_refused_by_its_id(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str]
) -> None:
    # that it is left untouched, and nothing written, is the contract suite's look-alike case
    spec = spec_for(provider, service(ports=TCP_UDP))
    lbs = conn.load_balancer
    twin = lbs.create_load_balancer(name=spec.ref.name, vip_subnet_id=os_env["OS_VIP_SUBNET_ID"])
    try:
        twin = wait_status(lambda: lbs.get_load_balancer(twin.id))
        for refused in (provider.ensure, provider.plan):
            with pytest.raises(PermanentError, match=f"taken by {twin.id}, which lacks"):
                refused(spec)
    finally:
        lbs.delete_load_balancer(twin.id, cascade=True)
        wait_gone(lambda: lbs.find_load_balancer(twin.id))


def test_other_clusters_are_not_ours(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], metrics: Metrics
) -> None:
    spec = spec_for(provider, service(ports=((80, "TCP", 30080),)))
    provider.ensure(spec)
    other = make_provider(os_env, cluster=f"{provider.ctx.settings.cluster}-b", metrics=metrics)
    # that it lists nothing of ours: the contract suite
    assert [
        c.operation for c in other.plan(spec_for(other, service(ports=((80, "TCP", 30080),))))
    ] == [
        "loadbalancers.create",
        "floatingips.create",
    ]
    other.ensure_deleted(spec_for(other, service(ports=TCP_UDP)).ref)
    assert views.the_lb(conn, spec.ref).provisioning_status == "ACTIVE"
    assert len(views.marked_ips(conn, spec.ref)) == 1


def test_foreign_listener_on_our_port_is_refused(
    provider: OpenStackLoadBalancers, conn: Any, tally: MetricCalls
) -> None:
    spec, lb = made(provider, conn, service(ports=((80, "TCP", 30080),)))
    lbs = conn.load_balancer
    foreign = lbs.create_listener(loadbalancer_id=lb.id, protocol="TCP", protocol_port=8080)
    wait_status(lambda: lbs.get_load_balancer(lb.id))
    wanted = spec_for(provider, service(ports=((80, "TCP", 30080), (8080, "TCP", 30088))))
    tally.start()
    with pytest.raises(PermanentError, match=f"taken by listener {foreign.id}"):
        provider.ensure(wanted)
    assert tally.writes() == {}
    provider.ensure(spec)  # the foreign listener is left alone, not deleted as stale
    assert set(views.listeners(conn, lb.id)) == {("TCP", 80), ("TCP", 8080)}


def test_listings_follow_every_page(provider: OpenStackLoadBalancers, tally: MetricCalls) -> None:
    internal = {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"}
    specs = [
        spec_for(provider, service(name, ports=((80, "TCP", 30080),), annotations=internal))
        for name in ("api", "web")
    ]
    for spec in specs:
        provider.ensure(spec)
    assert [owned.ref for owned in provider.list_owned()] == [s.ref for s in specs]
    tally.start()
    mark = {"tags": f"lbcontroller.io/cluster={provider.ctx.settings.cluster}", "limit": 1}
    found = provider.ctx.api.list("loadbalancers.list", OCTAVIA, "/lbaas/loadbalancers", mark)
    assert sorted(item["name"] for item in found) == sorted(s.ref.name for s in specs)
    assert tally.reads() == {"loadbalancers.list": 3}  # one a page, the last one empty
