"""The security-group rules a load balancer needs, computed purely from its plan.

Where it sits: `ingress.converge` makes a group's rules match these. What is chosen:
- NLB (instance targets keep the client's address): each NodePort is opened on the nodes'
  group to the Service's source ranges; the health-check port to the VPC's CIDRs, where the
  NLB's own probes come from.
- classic ELB (it proxies): the ELB's own group opens the listener ports to the source ranges;
  the nodes' group opens the NodePorts and the health-check port to the ELB's group only.
The kube-proxy health port (10256) is shared by every Service of the cluster: its rule is
marked as the cluster's, created when missing and never revoked by one Service's deletion.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbcontroller.spec import KUBE_PROXY_HEALTH_PORT, LoadBalancerRef
from providers.aws import keys
from providers.aws.plan import Plan


@dataclass(frozen=True, slots=True, order=True)
class Rule:
    """One ingress rule: a protocol and port open to a CIDR or a security group."""

    protocol: str  # "tcp" or "udp"
    port: int
    source: str  # a CIDR or a security group id


def marker(ref: LoadBalancerRef) -> str:
    """The description that marks a rule as this load balancer's."""
    return f"lbcontroller:{ref.name} {ref.service_key}"


def shared_marker(cluster: str) -> str:
    """The description that marks the cluster's shared kube-proxy health rule."""
    return f"lbcontroller:{cluster} kube-proxy health"


def _protocols(protocol: str) -> tuple[str, ...]:
    return ("tcp", "udp") if protocol == "TCP_UDP" else (protocol.lower(),)


def _health_ports(plan: Plan) -> set[int]:
    if plan.health.port == keys.TRAFFIC_PORT:
        return {group.node_port for group in plan.groups}
    return {int(plan.health.port)}


def nlb_rules(plan: Plan, vpc_cidrs: tuple[str, ...]) -> tuple[frozenset[Rule], frozenset[Rule]]:
    """(this Service's rules, the cluster's shared rules) on the nodes' group."""
    own = {
        Rule(protocol, group.node_port, cidr)
        for group in plan.groups
        for protocol in _protocols(group.protocol)
        for cidr in plan.source_ranges
    }
    health = {Rule("tcp", port, cidr) for port in _health_ports(plan) for cidr in vpc_cidrs}
    shared = {rule for rule in health if rule.port == KUBE_PROXY_HEALTH_PORT}
    return frozenset(own | (health - shared)), frozenset(shared)


def classic_node_rules(plan: Plan, elb_group: str) -> frozenset[Rule]:
    """The nodes' group opens NodePorts and the health-check port to the ELB's group."""
    ports = {item.node_port for item in plan.listeners} | {int(plan.health.port)}
    return frozenset(Rule("tcp", port, elb_group) for port in ports)


def classic_front_rules(plan: Plan) -> frozenset[Rule]:
    """The ELB's own group opens the listener ports to the source ranges."""
    return frozenset(
        Rule("tcp", item.port, cidr) for item in plan.listeners for cidr in plan.source_ranges
    )
