"""The upstream "LoadBalancers ESIPP" e2e tests (externalTrafficPolicy: Local), ported: where
upstream reads the client's IP through the load balancer, the cases assert what carries it in
the cloud (the health check on the Service's healthCheckNodePort, every node behind it), and
that turning ESIPP off and on moves that check and keeps the address.
"""

from __future__ import annotations

from lbcontroller.model import FINALIZER
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT
from tests.devenv.openstack_env.support import OPENSTACK_MARKS

from .case import Case
from .outcomes import Verdict
from .upstream import ported

pytestmark = OPENSTACK_MARKS
PROXIES = {
    "aws-classic": "a classic ELB",
    "openstack": "Octavia's amphora",
}


def _local(case: Case, name: str) -> tuple[str, int]:
    """An ESIPP Service: its address, and its health check node port, once the cloud probes it."""
    svc = case.create(name, externalTrafficPolicy="Local")
    check = int(svc["spec"].get("healthCheckNodePort") or 0)
    assert check, "the API server allocates a health check node port"
    address = case.address(name)
    case.seen(
        name,
        lambda s: s.health[1:] == (check, "/healthz") and s.members == set(case.stage.nodes),
        "the health check on the healthCheckNodePort, every node behind it",
    )
    return address, check


@ported("should work for type=LoadBalancer")
def test_work_for_type_load_balancer(case: Case, verdict: Verdict) -> None:
    name = "external-local-lb"
    _local(case, name)
    case.to_cluster_ip(name)
    case.gone(name)  # nothing (no health check) leaks when the type goes
    if case.cloud.name in PROXIES:
        verdict.note(
            f"{PROXIES[case.cloud.name]} proxies TCP, so pods see the proxy's address unless "
            "PROXY protocol is on (the proxy-protocol annotation); which nodes get traffic is "
            "as upstream expects"
        )


@ported("should work for type=NodePort")
def test_work_for_type_node_port(case: Case, verdict: Verdict) -> None:
    name = "external-local-nodeport"
    case.create(name, type="NodePort", externalTrafficPolicy="Local")
    case.settle()
    svc = case.get(name) or {}
    assert FINALIZER not in (svc["metadata"].get("finalizers") or [])
    assert case.cloud.remains(case.ref(name)) == []
    verdict.not_applicable(
        "a NodePort Service has no load balancer: the client IP is kube-proxy's business; the "
        "case checks that lbcontroller leaves the Service alone"
    )


@ported("should only target nodes with endpoints")
def test_only_target_nodes_with_endpoints(case: Case) -> None:
    name = "external-local-nodes"
    svc = case.create(
        name,
        externalTrafficPolicy="Local",
        ports=[{"name": "tcp", "port": 8081, "protocol": "TCP", "targetPort": 80}],
    )
    check = svc["spec"]["healthCheckNodePort"]
    case.address(name)
    # every node is behind it; kube-proxy answers the probe on the healthCheckNodePort only
    # where an endpoint is, so only those nodes get traffic
    case.seen(
        name,
        lambda s: (
            s.health[1:] == (check, "/healthz")
            and s.members == set(case.stage.nodes)
            and {port for _, port, _ in s.ports} == {8081}
        ),
    )
    case.delete(name)


@ported("should work from pods")
def test_work_from_pods(case: Case, verdict: Verdict) -> None:
    name = "external-local-pods"
    address, _ = _local(case, name)
    (ingress,) = case.status_ingress(name)
    if "hostname" in ingress:
        verdict.not_applicable(
            "AWS reports a DNS name, not an IP: kube-proxy short-cuts traffic from pods only to "
            "an ingress IP, so from pods it goes through the load balancer like any client's"
        )
    else:  # kube-proxy routes pods' traffic to this IP to local endpoints, keeping their IP
        assert ingress["ip"] == address and ingress.get("ipMode", "VIP") == "VIP"
    case.delete(name)


@ported("should handle updates to ExternalTrafficPolicy field")
def test_updates_to_external_traffic_policy(case: Case) -> None:
    name = "external-local-update"
    address, check = _local(case, name)
    svc = case.patch(name, {"externalTrafficPolicy": "Cluster"})
    assert not svc["spec"].get("healthCheckNodePort")
    case.seen(
        name,
        lambda s: s.health[1:] == (KUBE_PROXY_HEALTH_PORT, "/healthz"),
        "kube-proxy's own health check with ESIPP off",
    )
    case.patch(name, {"externalTrafficPolicy": "Local", "healthCheckNodePort": check})
    case.seen(
        name,
        lambda s: s.health[1:] == (check, "/healthz") and s.address == address,
        "the same health check node port with ESIPP back on",
    )
    assert case.address(name) == address
    case.delete(name)
