"""How many 2-port Services one nodes' security group can serve before AWS refuses a rule.

Where it sits: stage A of the runner, after the single-Service runs, on the same controller
(nodes' security group configured). Each NLB Service opens its NodePorts on the nodes' group
(one rule per port and source range) and all share one kube-proxy health rule; AWS (and moto)
allow 60 inbound rules per VPC security group by default. This is why the scale scenarios run
without `nodeSecurityGroup`: informational, no target.
"""

from __future__ import annotations

import time

from bench.context import Bench
from bench.inproc import InProcessController
from bench.kubeobjs import SERVED_CLASS, bulk, create_service, service_body
from bench.results import Measure, Scenario
from bench.watch import IngressWatcher

# in the Warning of a Service refused for want of room (providers/aws/security_groups.py _no_room)
LIMIT_MARK = "rules-per-group quota"


def _refused(bench: Bench, namespace: str) -> set[str]:
    items, _ = bench.kube.list(f"/api/v1/namespaces/{namespace}/events")
    return {
        e["involvedObject"]["name"]
        for e in items
        if e.get("reason") == "SyncLoadBalancerFailed" and LIMIT_MARK in e.get("message", "")
    }


def run(bench: Bench, ctl: InProcessController) -> Scenario:
    """Post the Services at once; wait until each is served or refused (bounded)."""
    count = bench.size.sg_services
    namespace = bench.namespace("sgcap")
    names = [f"cap-{i:03d}" for i in range(count)]
    deadline = time.monotonic() + 180
    with IngressWatcher(bench.kube, namespace) as watcher:
        bulk(
            lambda n: create_service(bench.kube, namespace, service_body(n, lb_class=SERVED_CLASS)),
            names,
            bench.size.kube_threads,
        )
        refused: set[str] = set()
        while time.monotonic() < deadline:
            refused = _refused(bench, namespace)
            if watcher.count_ingress() + len(refused) >= count and ctl.controller.queue_idle():
                break
            time.sleep(1.0)
        served = watcher.count_ingress()
    rules = bench.ctl_world.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [bench.ctl_world.node_group]}]
    )["SecurityGroupRules"]
    inbound = sum(1 for r in rules if not r.get("IsEgress"))
    nlbs = len(bench.ctl_world.elbv2.describe_load_balancers()["LoadBalancers"])
    scenario = Scenario(
        name="sg_capacity",
        title="Services one nodes' security group can serve",
        params={"services": count, "ports": 2, "rules_limit": 60},
    )
    scenario.add(Measure("Services served", "Services", served, note=f"of {count} posted"))
    scenario.add(Measure("Services refused for the rule quota", "Services", len(refused)))
    scenario.add(Measure("inbound rules on the nodes' group", "rules", inbound))
    scenario.add(Measure("NLBs in the cloud", "NLBs", nlbs, note="served + half-built, if any"))
    built = (
        "the refused ones made nothing (converge.ensure_nlb opens a new NLB's rules before it "
        "creates the NLB)"
        if nlbs == served
        else f"{nlbs - served} refused ones left a half-built NLB"
    )
    scenario.analysis = [
        f"{served} Services got an address; {len(refused)} were refused by AWS's limit of 60 "
        "inbound rules per security group: each NLB Service adds one rule per NodePort and "
        "source range (providers/aws/security_groups.py nlb_rules), all to the one nodes' "
        "group. "
        f"{nlbs} NLBs exist for {served} served: {built}; each refused Service has a Warning "
        "naming spec.loadBalancerSourceRanges and retries with backoff. cloud-provider-aws has "
        "the same limit (kubernetes#68684); the scale scenarios below therefore run without "
        "nodeSecurityGroup.",
    ]
    return scenario
