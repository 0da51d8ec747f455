"""Adopting the load balancers the real upstream openstack-cloud-controller-manager made, in place.

CPO (`--controllers=service`, against the real API server and the devenv's Keystone, Octavia and
Neutron, with its own cluster name) makes internal load balancers for two class-less Services, one
with CPO's TCP monitor (their VIP is their address; CPO's floating IP is checked against a stub
Neutron in tests/openstack/test_upstream.py); it is stopped and lbcontroller, serving class-less
Services with `compatibility: upstream`, takes them over: the same load balancer (id, name, VIP in
the status), our tags added, CPO's listeners, pools and monitor renamed and tagged as ours, members
the nodes, ClientIP affinity kept as SOURCE_IP persistence. A look-alike under CPO's name for a
third Service, without CPO's tag, is never touched. Deleting the Services leaves nothing either
made.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from devenv.procs import stop
from devenv.state import EnvState
from lbcontroller.gc import find_orphans
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.model import FINALIZER, Service, node_from_json
from lbcontroller.provider import Provider
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings, build_spec
from providers.openstack import options as k
from providers.openstack.upstream import lb_name
from tests.devenv.openstack_env.support import OPENSTACK_MARKS, wait_gone, wait_status
from tests.support.harness import make_controller, running, wait_for
from tests.support.objects import (
    Nodes,
    create_service,
    delete_service,
    get_service,
    ingress_of,
)
from tests.support.upstream_openstack import service_controller

from .conftest import make_provider

pytestmark = OPENSTACK_MARKS
INTERNAL = {k.INTERNAL: "true"}
TCP_UDP = [
    {"name": "http", "port": 80, "protocol": "TCP"},
    {"name": "dns", "port": 53, "protocol": "UDP"},
]
NAMES = ("one", "two")


def _service(kube: KubeClient, namespace: str, name: str) -> Service:
    svc = get_service(kube, namespace, name)
    assert svc is not None
    return svc


def _by_name(conn: Any, name: str) -> list[Any]:
    return list(conn.load_balancer.load_balancers(name=name))


def _plan(kube: KubeClient, provider: Provider, service: Service, cluster: str) -> list[Any]:
    items, _ = kube.list("/api/v1/nodes")
    nodes = [node_from_json(item) for item in items]
    spec = build_spec(service, nodes, SpecSettings(cluster=cluster), provider.parse_options)
    return list(provider.plan(spec))


def _cpo_made(
    upstream_openstack: str, os_env: dict[str, str], kube: KubeClient, namespace: str, **run: Any
) -> dict[str, str]:
    """CPO serves one (TCP) and two (TCP and UDP, ClientIP affinity); their VIPs, by name."""
    manager = service_controller(upstream_openstack, os_env, **run)
    try:
        probed = {**INTERNAL, k.ENABLE_MONITOR: "true"}
        create_service(kube, namespace, "one", lb_class=None, annotations=probed)
        create_service(
            kube,
            namespace,
            "two",
            lb_class=None,
            annotations=INTERNAL,
            ports=TCP_UDP,
            sessionAffinity="ClientIP",
        )
        return {
            name: wait_for(
                lambda n=name: ingress_of(kube, namespace, n),  # type: ignore[misc]
                timeout=120,
                what=f"CPO's address for {name}",
            )
            for name in NAMES
        }
    finally:
        stop(manager)


def _cleanup(conn: Any, prefix: str) -> None:
    """Whatever CPO made under `prefix` and is left (a failed test)."""
    lbs = conn.load_balancer
    for lb_id in [lb.id for lb in lbs.load_balancers() if (lb.name or "").startswith(prefix)]:
        wait_status(functools.partial(lbs.get_load_balancer, lb_id))
        lbs.delete_load_balancer(lb_id, cascade=True)
        wait_gone(functools.partial(lbs.find_load_balancer, lb_id))


def test_cpo_load_balancers_are_adopted_in_place_and_cleaned_up(
    upstream_openstack: str,
    devenv: EnvState,
    kube: KubeClient,
    os_env: dict[str, str],
    conn: Any,
    cluster: str,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    cpo = f"cpo-{cluster}"
    names = {name: lb_name(cpo, namespace, name) for name in (*NAMES, "three")}
    for i in range(2):
        nodes.add(str(i), provider_id=f"openstack:///node-{i}", ip=f"10.0.0.{21 + i}")
    try:
        run = {"cluster": cpo, "kubeconfig": devenv.env["KUBECONFIG"], "logs": tmp_path}
        _adopt_and_delete(upstream_openstack, run, kube, os_env, conn, cluster, names, namespace)
    finally:
        _cleanup(conn, f"kube_service_{cpo}_")  # what a failed run left


def _adopt_and_delete(
    upstream_openstack: str,
    run: dict[str, Any],
    kube: KubeClient,
    os_env: dict[str, str],
    conn: Any,
    cluster: str,
    names: dict[str, str],
    namespace: str,
) -> None:
    cpo = run["cluster"]
    before = _cpo_made(upstream_openstack, os_env, kube, namespace, **run)
    services = {name: _service(kube, namespace, name) for name in NAMES}
    made = {name: _by_name(conn, names[name]) for name in NAMES}
    for name, svc in services.items():
        (lb,) = made[name]
        assert names[name] in lb.tags and lb.vip_address == before[name]
        assert svc.annotations[k.LOAD_BALANCER_ID] == lb.id  # CPO's mark on the Service
    ids = {name: made[name][0].id for name in NAMES}
    provider = make_provider(
        os_env,
        cluster=cluster,
        metrics=Metrics(),
        compatibility="upstream",
        upstream_cluster_name=cpo,
    )
    # gc lists CPO's load balancers as this cluster's, an orphan only once its Service is gone
    owned = provider.list_owned()
    assert {o.cloud_id for o in owned} >= set(ids.values())
    router = Router(routes={"os": Route(provider, SpecSettings(cluster))}, classes={}, default="os")
    mine = [o for o in owned if o.cloud_id in ids.values()]
    orphans = find_orphans(owned={"os": mine}, services=[services["one"]], router=router)
    assert [o.owned.cloud_id for o in orphans] == [ids["two"]]
    # the plan shows the adoption before it is done
    plan = _plan(kube, provider, services["one"], cluster)
    assert (plan[0].action, plan[0].name) == ("adopt", names["one"]), plan
    assert ids["one"] in plan[0].detail and before["one"] in plan[0].detail

    create_service(kube, namespace, "three", lb_class=None, type="ClusterIP")
    decoy = conn.load_balancer.create_load_balancer(
        name=names["three"], vip_subnet_id=os_env["OS_VIP_SUBNET_ID"]
    )
    decoy = wait_status(lambda: conn.load_balancer.get_load_balancer(decoy.id))
    kube.patch_service(
        namespace,
        "three",
        {
            "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP"},
            "metadata": {"annotations": INTERNAL},
        },
    )

    controller = make_controller(kube, {"os": (provider, "unused")}, cluster=cluster, default="os")
    with running(controller):
        for name in NAMES:
            wait_for(
                lambda n=name: (
                    _converged(conn, ids[n], services[n])  # type: ignore[misc]
                    and FINALIZER in _service(kube, namespace, n).finalizers
                ),
                timeout=60,
                what=f"{name} adopted",
            )
        wait_for(lambda: ingress_of(kube, namespace, "three"), timeout=60, what="three served")
        _check_adopted(conn, kube, namespace, services, ids, before, names)
        _check_decoy(conn, decoy, namespace)

        for name in (*NAMES, "three"):
            delete_service(kube, namespace, name)
        for name in (*NAMES, "three"):
            wait_for(
                lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
                timeout=90,
                what=f"{name} deleted",
            )
    lbs = conn.load_balancer
    assert list(lbs.load_balancers(tags=f"lbcontroller.io/cluster={cluster}")) == []
    left = [
        lb.id for lb in lbs.load_balancers() if (lb.name or "").startswith(f"kube_service_{cpo}_")
    ]
    assert left == [decoy.id]
    assert lbs.get_load_balancer(decoy.id).tags == decoy.tags


def _converged(conn: Any, lb_id: str, svc: Service) -> bool:
    """Whether the load balancer and each of its listeners carry our tag for `svc`."""
    mark = f"lbcontroller.io/service={svc.key}"
    lbs = conn.load_balancer
    lb = lbs.get_load_balancer(lb_id)
    listeners = [lbs.get_listener(item["id"]) for item in lb.listeners]
    return mark in lb.tags and all(mark in item.tags for item in listeners)


def _check_adopted(
    conn: Any,
    kube: KubeClient,
    namespace: str,
    services: dict[str, Service],
    ids: dict[str, str],
    before: dict[str, str],
    names: dict[str, str],
) -> None:
    lbs = conn.load_balancer
    node_ips = {"10.0.0.21", "10.0.0.22"}
    for name, svc in services.items():
        lb = lbs.get_load_balancer(ids[name])
        assert (lb.name, lb.vip_address) == (names[name], before[name])
        assert ingress_of(kube, namespace, name) == before[name]
        assert [x.id for x in _by_name(conn, names[name])] == [ids[name]]
        assert [x.id for x in lbs.load_balancers(tags=f"lbcontroller.io/service={svc.key}")] == [
            ids[name]
        ]
        for listener in lb.listeners:
            item = lbs.get_listener(listener["id"])
            assert (
                not item.name.startswith("listener_")
                and f"lbcontroller.io/service={svc.key}" in item.tags
            )
            pool = lbs.get_pool(item.default_pool_id)
            assert not pool.name.startswith("pool_")
            _check_monitor(conn, pool, svc)
            assert {m.address for m in lbs.members(pool.id)} == node_ips
        pools = list(lbs.pools(loadbalancer_id=ids[name]))
        assert len(pools) == len(lb.listeners) == len(svc.ports)
    two = list(lbs.pools(loadbalancer_id=ids["two"]))
    assert {(p.session_persistence or {}).get("type") for p in two} == {"SOURCE_IP"}


def _check_monitor(conn: Any, pool: Any, svc: Service) -> None:
    """one asked for a monitor (CPO made a TCP one: taken over as ours); two did not, and
    `compatibility: upstream` makes none (CPO's default)."""
    if k.ENABLE_MONITOR not in svc.annotations:
        assert pool.health_monitor_id is None
        return
    monitor = conn.load_balancer.get_health_monitor(pool.health_monitor_id)
    assert (monitor.type, monitor.name) == ("TCP", pool.name)
    assert f"lbcontroller.io/service={svc.key}" in monitor.tags


def _check_decoy(conn: Any, decoy: Any, namespace: str) -> None:
    lbs = conn.load_balancer
    assert lbs.get_load_balancer(decoy.id).tags == decoy.tags
    (three,) = lbs.load_balancers(tags=f"lbcontroller.io/service={namespace}/three")
    assert three.id != decoy.id
    (pool,) = lbs.pools(loadbalancer_id=three.id)
    assert (pool.session_persistence or {}).get("type") == "SOURCE_IP"
