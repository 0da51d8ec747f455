"""Ownership: found by tags, never by name alone; what lacks our tags is never touched."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.metrics import Metrics
from providers.openstack.api import OCTAVIA
from providers.openstack.provider import OpenStackLoadBalancers
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, wait_gone, wait_status

from . import views
from .conftest import make_provider
from .support import Tally, made, service, spec_of

pytestmark = OPENSTACK_MARKS


def test_untagged_look_alike_is_never_touched(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], tally: Tally
) -> None:
    spec = spec_of(provider, service())
    lbs = conn.load_balancer
    twin = lbs.create_load_balancer(name=spec.ref.name, vip_subnet_id=os_env["OS_VIP_SUBNET_ID"])
    try:
        twin = wait_status(lambda: lbs.get_load_balancer(twin.id))
        tally.start()
        for refused in (provider.ensure, provider.plan):
            with pytest.raises(PermanentError, match=f"taken by {twin.id}, which lacks"):
                refused(spec)
        provider.ensure_deleted(spec.ref)  # nothing of ours: done
        provider.update_backends(spec)  # nothing of ours yet: nothing to do
        assert (provider.list_owned(), provider.plan_delete(spec.ref)) == ([], ())
        assert tally.writes() == {}
        after = lbs.get_load_balancer(twin.id)
        assert (after.provisioning_status, after.updated_at) == ("ACTIVE", twin.updated_at)
    finally:
        lbs.delete_load_balancer(twin.id, cascade=True)
        wait_gone(lambda: lbs.find_load_balancer(twin.id))


def test_other_clusters_are_not_ours(
    provider: OpenStackLoadBalancers, conn: Any, os_env: dict[str, str], metrics: Metrics
) -> None:
    spec = spec_of(provider, service(ports=((80, "TCP", 30080),)))
    provider.ensure(spec)
    other = make_provider(os_env, cluster=f"{provider.ctx.settings.cluster}-b", metrics=metrics)
    assert other.list_owned() == []
    assert [
        c.operation for c in other.plan(spec_of(other, service(ports=((80, "TCP", 30080),))))
    ] == [
        "loadbalancers.create",
        "floatingips.create",
    ]
    other.ensure_deleted(spec_of(other, service()).ref)
    assert views.the_lb(conn, spec.ref).provisioning_status == "ACTIVE"
    assert len(views.marked_ips(conn, spec.ref)) == 1


def test_foreign_listener_on_our_port_is_refused(
    provider: OpenStackLoadBalancers, conn: Any, tally: Tally
) -> None:
    spec, lb = made(provider, conn, service(ports=((80, "TCP", 30080),)))
    lbs = conn.load_balancer
    foreign = lbs.create_listener(loadbalancer_id=lb.id, protocol="TCP", protocol_port=8080)
    wait_status(lambda: lbs.get_load_balancer(lb.id))
    wanted = spec_of(provider, service(ports=((80, "TCP", 30080), (8080, "TCP", 30088))))
    tally.start()
    with pytest.raises(PermanentError, match=f"taken by listener {foreign.id}"):
        provider.ensure(wanted)
    assert tally.writes() == {}
    provider.ensure(spec)  # the foreign listener is left alone, not deleted as stale
    assert set(views.listeners(conn, lb.id)) == {("TCP", 80), ("TCP", 8080)}


def test_listings_follow_every_page(provider: OpenStackLoadBalancers, tally: Tally) -> None:
    internal = {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"}
    specs = [
        spec_of(provider, service(name, ports=((80, "TCP", 30080),), annotations=internal))
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
