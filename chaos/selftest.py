"""The checker checks itself: plant one violation of each invariant, see each one flagged.

Where it sits: the runner (`chaos.run`) calls `plant_and_check` after the final check, with
the controllers stopped, so that a green run cannot come from a checker that sees nothing:
a target group and a GCE health check marked as ours for a Service that never existed
(no_leaks), a second NLB tagged for a live Service (no_duplicates), a live NLB's targets
deregistered (converged), a Service held by a finalizer (no_stuck_finalizers) and a tag added
to the decoy target group (decoys_untouched).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chaos import rest
from chaos.settings import CLUSTER, NAMESPACE_PREFIX
from chaos.wants import SERVICE_TAG, Findings, want_of
from chaos.workload import Workload
from chaos.world import World
from devenv.demo_clouds import PROJECT, REGION

GHOST = f"{NAMESPACE_PREFIX}0/ghost"
HELD = "held"
HOLD = "chaos.lbcontroller.io/hold"


def _ours(key: str) -> list[dict[str, str]]:
    return [
        {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "owned"},
        {"Key": SERVICE_TAG, "Value": key},
        {"Key": "lbcontroller.io/managed-by", "Value": "lbcontroller"},
    ]


def _live_nlb(world: World, workload: Workload) -> tuple[str, str] | None:
    """(Service key, NLB ARN) of some live NLB Service."""
    elbv2 = world.client("elbv2")
    keys = {
        w.key
        for w in map(want_of, workload.services(NAMESPACE_PREFIX))
        if w.cloud == "aws" and w.kind == "nlb" and not w.refused
    }
    lbs = elbv2.describe_load_balancers()["LoadBalancers"]
    for start in range(0, len(lbs), 20):
        arns = [lb["LoadBalancerArn"] for lb in lbs[start : start + 20]]
        for item in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
            key = next((t["Value"] for t in item["Tags"] if t["Key"] == SERVICE_TAG), "")
            if key in keys:
                return key, item["ResourceArn"]
    return None


def plant(world: World, workload: Workload) -> dict[str, str]:
    """Plant the violations; the subject each invariant should name."""
    elbv2 = world.client("elbv2")
    elbv2.create_target_group(
        Name="k8s-ghost-tg", Protocol="TCP", Port=31999, VpcId=world.vpc_id, Tags=_ours(GHOST)
    )
    mark = json.dumps({"lbcontroller.io/cluster": CLUSTER, "lbcontroller.io/service": GHOST})
    check = {"name": "k8s-ghost-hc", "description": mark, "type": "TCP"}
    rest.insert(
        world.gce,
        f"/compute/v1/projects/{PROJECT}/regions/{REGION}/healthChecks",
        check | {"tcpHealthCheck": {"port": 1}},
    )
    elbv2.add_tags(ResourceArns=[world.decoys.tg_arn], Tags=[{"Key": "touched", "Value": "yes"}])
    namespace = f"{NAMESPACE_PREFIX}0"
    body = {
        "metadata": {"name": HELD, "finalizers": [HOLD]},
        "spec": {"ports": [{"port": 80}]},
    }
    workload.create_raw(namespace, body)
    workload.delete(f"{namespace}/{HELD}")
    expected = {
        "no_leaks": GHOST,
        "decoys_untouched": "tags",
        "no_stuck_finalizers": f"{namespace}/{HELD}",
    }
    live = _live_nlb(world, workload)
    if live is not None:
        key, arn = live
        subnets = [{"SubnetId": s} for s in world.aws.subnets]
        elbv2.create_load_balancer(
            Name="k8s-twin", Type="network", SubnetMappings=subnets, Tags=_ours(key)
        )
        listeners = elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        group = listeners[0]["DefaultActions"][0]["TargetGroupArn"]
        targets = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        elbv2.deregister_targets(TargetGroupArn=group, Targets=[t["Target"] for t in targets])
        expected |= {"no_duplicates": key, "converged": key}
    return expected


def plant_and_check(
    world: World, workload: Workload, check: Callable[[], Findings]
) -> dict[str, Any]:
    """Plant, check, and say which planted violation went unnoticed."""
    expected = plant(world, workload)
    found = check()
    missed = [
        f"{invariant} ({subject})"
        for invariant, subject in expected.items()
        if not any(subject in item for item in found.by[invariant])
    ]
    ghost_gce = any("k8s-ghost-hc" in item for item in found.by["no_leaks"])
    if not ghost_gce:
        missed.append("no_leaks (the GCE health check k8s-ghost-hc)")
    return {"ok": not missed, "planted": sorted(expected), "missed": missed}
