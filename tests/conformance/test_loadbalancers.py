"""The upstream "LoadBalancers" e2e tests, ported: each step that needs a data plane is
replaced by the cloud state that would carry it (listeners, node ports, health checks,
source ranges, affinity, members), read from the cloud's stand-in.

Upstream names and commit: `upstream.py`. Every case runs on every cloud; where the cloud
cannot do what the test asks, the case asserts the Warning that says so ("refused by design").
"""

from __future__ import annotations

from typing import Any

from lbcontroller.kube import JSON, KubeError
from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT
from tests.devenv.openstack_env.support import OPENSTACK_MARKS

from .case import TCP, UDP, Case, node_port
from .clouds import EVERYONE, Seen
from .outcomes import Verdict
from .upstream import ported

pytestmark = OPENSTACK_MARKS
AFFINITY_REFUSED = (
    "AWS load balancers give no client affinity to plain TCP or UDP (upstream skips this test "
    "on AWS for the same reason); the Service gets a Warning naming spec.sessionAffinity"
)
CLASSIC_UDP = (
    "a classic ELB carries no UDP; the Service gets a Warning naming spec.ports and no load "
    "balancer (use an NLB)"
)


def _port(seen: Seen, svc: JSON) -> bool:
    """The cloud carries exactly the Service's first port (to its NodePort where it uses one)."""
    spec = svc["spec"]["ports"][0]
    wanted = spec.get("nodePort") if spec.get("nodePort") and seen_node_ports(seen) else None
    return seen.ports == {(spec["protocol"], spec["port"], wanted)}


def seen_node_ports(seen: Seen) -> bool:
    """Whether the cloud sends to NodePorts (all but GCP, which sends to the Service port)."""
    return any(node is not None for _, _, node in seen.ports)


def _new_node_port(case: Case, name: str, svc: JSON) -> JSON:
    """Move the first port to another free NodePort, as upstream's ChangeServiceNodePort."""
    old = node_port(svc)
    for candidate in range(old + 1, old + 50):
        ports = [dict(svc["spec"]["ports"][0], nodePort=candidate)]
        try:
            return case.patch(name, {"ports": ports})
        except KubeError:
            continue  # taken (422): try the next one
    raise AssertionError(f"no free NodePort after {old}")


def _type_and_ports(case: Case, verdict: Verdict, ports: list[JSON]) -> None:
    name = "mutability-test"
    case.create(name, type="ClusterIP", ports=ports)
    svc = case.patch(name, {"type": "NodePort"})
    first = node_port(svc)
    assert first
    case.to_load_balancer(name)
    if ports[0]["protocol"] == "UDP" and case.cloud.name == "aws-classic":
        case.warned(name, "spec.ports")
        assert case.cloud.remains(case.ref(name)) == []
        verdict.refused(CLASSIC_UDP)
        return
    address = case.address(name)
    svc = case.get(name) or {}
    assert node_port(svc) == first  # the NodePort survives the change to LoadBalancer
    every = set(case.stage.nodes)
    case.seen(name, lambda s: _port(s, svc) and s.address == address and s.members == every)

    svc = _new_node_port(case, name, svc)
    assert node_port(svc) != first
    case.seen(name, lambda s: _port(s, svc), "the new NodePort in the cloud")
    assert case.address(name) == address

    moved = node_port(svc)
    ports = [dict(svc["spec"]["ports"][0], port=svc["spec"]["ports"][0]["port"] + 1)]
    svc = case.patch(name, {"ports": ports})
    assert node_port(svc) == moved
    case.seen(name, lambda s: _port(s, svc) and s.address == address, "the new port")
    assert case.address(name) == address

    readback = case.to_cluster_ip(name)
    assert node_port(readback) == 0
    case.gone(name)
    case.finalized(name, present=False)
    assert case.status_ingress(name) == []


@ported("should be able to change the type and ports of a TCP service")
def test_change_type_and_ports_of_a_tcp_service(case: Case, verdict: Verdict) -> None:
    _type_and_ports(case, verdict, TCP)


@ported("should be able to change the type and ports of a UDP service")
def test_change_type_and_ports_of_a_udp_service(case: Case, verdict: Verdict) -> None:
    _type_and_ports(case, verdict, UDP)


@ported("should only allow access from service loadbalancer source ranges")
def test_source_ranges(case: Case) -> None:
    name = "lb-sourcerange"
    accept, drop = "192.0.2.10/32", "198.51.100.20/32"
    case.create(name, loadBalancerSourceRanges=[accept])
    address = case.address(name)
    case.seen(name, lambda s: s.ranges == {accept}, "only the accept pod's range")
    case.patch(name, {"loadBalancerSourceRanges": [drop]})
    case.seen(name, lambda s: s.ranges == {drop}, "only the drop pod's range")
    case.patch(name, {"loadBalancerSourceRanges": None})
    case.seen(name, lambda s: s.ranges == EVERYONE, "everyone again")
    assert case.address(name) == address
    case.delete(name)


def _affinity(case: Case, verdict: Verdict, policy: str, *, switch: bool) -> None:
    name = "affinity-lb"
    case.create(name, sessionAffinity="ClientIP", externalTrafficPolicy=policy)
    if not case.cloud.has_affinity:
        case.warned(name, "spec.sessionAffinity")
        assert case.cloud.remains(case.ref(name)) == []
        verdict.refused(AFFINITY_REFUSED)
        return
    address = case.address(name)
    svc = case.get(name) or {}
    case.seen(name, lambda s: s.affinity == "ClientIP" and _health(s, svc))
    if switch:
        case.patch(name, {"sessionAffinity": "None"})
        case.seen(name, lambda s: s.affinity == "None", "no affinity")
        case.patch(name, {"sessionAffinity": "ClientIP"})
        case.seen(name, lambda s: s.affinity == "ClientIP", "affinity back")
        assert case.address(name) == address
    case.delete(name)


def _health(seen: Seen, svc: JSON) -> bool:
    """The health check is kube-proxy's answer for this Service's traffic policy."""
    check = svc["spec"].get("healthCheckNodePort") or KUBE_PROXY_HEALTH_PORT
    return seen.health[1:] == (check, "/healthz")


@ported("should have session affinity work for LoadBalancer service with ESIPP on")
def test_session_affinity_esipp_on(case: Case, verdict: Verdict) -> None:
    _affinity(case, verdict, "Local", switch=False)


@ported("should be able to switch session affinity for LoadBalancer service with ESIPP on")
def test_switch_session_affinity_esipp_on(case: Case, verdict: Verdict) -> None:
    _affinity(case, verdict, "Local", switch=True)


@ported("should have session affinity work for LoadBalancer service with ESIPP off")
def test_session_affinity_esipp_off(case: Case, verdict: Verdict) -> None:
    _affinity(case, verdict, "Cluster", switch=False)


@ported("should be able to switch session affinity for LoadBalancer service with ESIPP off")
def test_switch_session_affinity_esipp_off(case: Case, verdict: Verdict) -> None:
    _affinity(case, verdict, "Cluster", switch=True)


@ported("should handle load balancer cleanup finalizer for service")
def test_cleanup_finalizer(case: Case) -> None:
    name = "lb-finalizer"
    case.create(name)
    case.address(name)
    case.finalized(name, present=True)
    case.to_cluster_ip(name)
    case.finalized(name, present=False)
    case.gone(name)
    case.to_load_balancer(name)
    case.finalized(name, present=True)
    case.address(name)
    case.delete(name)


@ported("should be able to create LoadBalancer Service without NodePort and change it")
def test_without_node_port(case: Case, verdict: Verdict) -> None:
    name = "reallocate-nodeport-test"
    case.create(name, type="ClusterIP")
    svc = case.to_load_balancer(name, allocateLoadBalancerNodePorts=False)
    assert node_port(svc) == 0
    if case.cloud.needs_node_ports:
        case.warned(name, "spec.ports")
        assert case.cloud.remains(case.ref(name)) == []
        verdict.refused(
            "this cloud's load balancer sends to the nodes' NodePorts (instance targets or "
            "members), so a Service without one gets a Warning naming spec.ports and no load "
            "balancer; after the switch to true it is served"
        )
    else:
        address = case.address(name)
        case.seen(name, lambda s: s.address == address)
    svc = case.patch(name, {"allocateLoadBalancerNodePorts": True})
    assert node_port(svc)
    address = case.address(name)
    case.seen(name, lambda s: _port(s, svc) and s.address == address)
    case.delete(name)


def _udp_pod_cycles(case: Case, verdict: Verdict, nodes: int) -> None:
    """Upstream moves the UDP backend pod between nodes (or on one node) while sending. What
    the load balancer must hold for that: a UDP listener sending to every eligible node, each
    probed by kube-proxy's health check, so a pod's move needs no change of the cloud."""
    name = "udp-pod-cycles"
    ports = [{"name": "udp", "port": 80, "protocol": "UDP", "targetPort": 80}]
    case.create(name, ports=ports)
    if case.cloud.name == "aws-classic":
        case.warned(name, "spec.ports")
        verdict.refused(CLASSIC_UDP)
        return
    case.address(name)
    svc = case.get(name) or {}
    seen = case.seen(name, lambda s: _port(s, svc) and _health(s, svc))
    assert len(seen.members) >= nodes and seen.members <= set(case.stage.nodes)
    case.delete(name)


@ported(
    "should be able to preserve UDP traffic when server pod cycles for a LoadBalancer service "
    "on different nodes"
)
def test_udp_pod_cycles_on_different_nodes(case: Case, verdict: Verdict) -> None:
    _udp_pod_cycles(case, verdict, 2)


@ported(
    "should be able to preserve UDP traffic when server pod cycles for a LoadBalancer service "
    "on the same nodes"
)
def test_udp_pod_cycles_on_the_same_nodes(case: Case, verdict: Verdict) -> None:
    _udp_pod_cycles(case, verdict, 1)


def _rolling_update(case: Case, policy: str) -> None:
    """Upstream rolls a DaemonSet while hitting the load balancer. What the cloud must hold:
    every node behind it, probed by kube-proxy's answer for the traffic policy (a node whose
    pod is going answers unhealthy before it stops serving); pod churn changes nothing there."""
    name = "test-lb-rolling-update"
    case.create(name, externalTrafficPolicy=policy)
    case.address(name)
    svc = case.get(name) or {}
    seen = case.seen(name, lambda s: _health(s, svc) and s.members == set(case.stage.nodes))
    case.patch(name, annotations={"rolled": "1"})  # a change of nothing the cloud holds
    case.settle()
    assert case.cloud.seen(case.ref(name)) == seen
    case.delete(name)


@ported(
    "should not have connectivity disruption during rolling update with "
    "externalTrafficPolicy=Cluster"
)
def test_rolling_update_cluster(case: Case) -> None:
    _rolling_update(case, "Cluster")


@ported(
    "should not have connectivity disruption during rolling update with externalTrafficPolicy=Local"
)
def test_rolling_update_local(case: Case) -> None:
    _rolling_update(case, "Local")


@ported("should be able to create an internal type load balancer")
def test_internal_load_balancer(case: Case) -> None:
    name = "lb-internal"
    case.create(name, annotations=dict(case.cloud.internal))
    address = case.address(name)
    case.seen(name, lambda s: s.internal and s.address == address, "an internal load balancer")
    case.patch(name, annotations=dict.fromkeys(case.cloud.internal))
    external = case.seen(name, lambda s: not s.internal, "an external load balancer")
    case.address(name, want=external.address)  # the status follows (a new address, but on
    # moto, whose DNS names come from the load balancer's name only)
    case.delete(name)


@ported("should reconcile LB health check interval")
def test_reconcile_health_check_interval(case: Case) -> None:
    """Upstream changes the health check's interval behind the controller's back and restarts
    the controller; a resync (what a restart does first) puts it back."""
    name = "lb-hc-int"
    case.create(name)
    case.address(name)
    interval = case.seen(name).interval
    assert interval
    case.cloud.drift_interval(case.ref(name), interval + 1)
    case.seen(name, lambda s: s.interval == interval + 1, "the drifted interval")
    case.stage.controller.resync()
    case.seen(name, lambda s: s.interval == interval, "the interval reconciled")
    case.delete(name)


@ported("a requested static IP (spec.loadBalancerIP)")
def test_requested_static_ip(case: Case, verdict: Verdict) -> None:
    name = "static-ip"
    requested = case.cloud.reserve_ip()
    if requested is None:
        case.create(name, loadBalancerIP="192.0.2.99")
        case.warned(name, "spec.loadBalancerIP")
        verdict.refused(
            "AWS load balancers take no requested address; the Service gets a Warning naming "
            "spec.loadBalancerIP (an NLB takes Elastic IPs: aws-load-balancer-eip-allocations)"
        )
        return
    case.create(name, type="ClusterIP")
    case.to_load_balancer(name, loadBalancerIP=requested)
    assert case.address(name) == requested
    case.seen(name, lambda s: s.address == requested, "the requested IP on the load balancer")
    case.delete(name)


@ported("mixed protocol: TCP and UDP on one Service")
def test_mixed_protocol(case: Case, verdict: Verdict) -> None:
    name = "mixed"
    ports: list[dict[str, Any]] = [
        {"name": "tcp", "port": 53, "protocol": "TCP"},
        {"name": "udp", "port": 53, "protocol": "UDP"},
    ]
    case.create(name, ports=ports)
    if case.cloud.name == "aws-classic":
        case.warned(name, "spec.ports")
        verdict.refused(CLASSIC_UDP)
        return
    address = case.address(name)
    seen = case.seen(name, lambda s: s.address == address)
    # one listener (or forwarding rule) each, or an NLB's single TCP_UDP listener
    assert {port for _, port, _ in seen.ports} == {53}
    assert {protocol for protocol, _, _ in seen.ports} in ({"TCP", "UDP"}, {"TCP_UDP"})
    case.delete(name)
