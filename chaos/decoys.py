"""Decoys: cloud resources without our ownership marks, made before the run, never to be touched.

Where it sits: the world (`chaos.world`) plants them before the controllers start and keeps
their snapshot; the checker (`chaos.invariants`) compares a fresh snapshot with it. On AWS: an
untagged NLB whose name is the one a chaos Service's load balancer would get (the Service must
be refused, the NLB left alone), with a listener on an untagged target group. On GCE: an
unmarked health check with the name the other refused Service's load balancer would get, and
an unmarked forwarding rule on an unmarked backend service and health check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaos import rest
from chaos.schedule import REFUSED
from chaos.settings import CLUSTER, NAMESPACE_PREFIX
from lbcontroller.naming import lb_name

DECOY_TG = "k8s-decoy-tg"
DECOY_HC, DECOY_BS, DECOY_FR = "k8s-decoy-hc", "k8s-decoy-bs", "k8s-decoy-fr"
HAND_MADE = "made by hand; not lbcontroller's"


def taken_name(service: str) -> str:
    """The load balancer name a refused Service would get (and a decoy already has)."""
    return lb_name(CLUSTER, f"{NAMESPACE_PREFIX}0", service)


@dataclass(frozen=True)
class Decoys:
    """Where the decoys are."""

    nlb_arn: str
    tg_arn: str
    gce_base: str  # .../compute/v1/projects/P/regions/R


def plant_aws(ec2: Any, elbv2: Any, *, subnets: list[str], vpc_id: str) -> tuple[str, str]:
    """An untagged NLB (a taken name) listening through an untagged target group."""
    lb = elbv2.create_load_balancer(
        Name=taken_name(REFUSED[0]),
        Type="network",
        Scheme="internet-facing",
        SubnetMappings=[{"SubnetId": s} for s in subnets],
        Tags=[{"Key": "owner", "Value": "someone-else"}],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(
        Name=DECOY_TG, Protocol="TCP", Port=30999, VpcId=vpc_id, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    return lb, tg


def plant_gce(url: str, *, project: str, region: str) -> str:
    """Unmarked health checks (one a taken name), backend service and forwarding rule."""
    base = f"/compute/v1/projects/{project}/regions/{region}"
    for name in (DECOY_HC, taken_name(REFUSED[1])):
        check = {
            "name": name,
            "description": HAND_MADE,
            "type": "TCP",
            "tcpHealthCheck": {"port": 80},
        }
        rest.insert(url, f"{base}/healthChecks", check)
    link = f"projects/{project}/regions/{region}"
    service = {
        "name": DECOY_BS,
        "description": HAND_MADE,
        "protocol": "TCP",
        "loadBalancingScheme": "EXTERNAL",
        "healthChecks": [f"{link}/healthChecks/{DECOY_HC}"],
    }
    rest.insert(url, f"{base}/backendServices", service)
    rule = {
        "name": DECOY_FR,
        "description": HAND_MADE,
        "IPProtocol": "TCP",
        "ports": ["80"],
        "loadBalancingScheme": "EXTERNAL",
        "backendService": f"{link}/backendServices/{DECOY_BS}",
    }
    rest.insert(url, f"{base}/forwardingRules", rule)
    return base


def snapshot(decoys: Decoys, elbv2: Any, gce_url: str) -> dict[str, Any]:
    """Everything about the decoys that the controller must never change."""
    out: dict[str, Any] = {}
    try:
        out["nlb"] = elbv2.describe_load_balancers(LoadBalancerArns=[decoys.nlb_arn])
        out["nlb"] = out["nlb"]["LoadBalancers"]
        out["listeners"] = elbv2.describe_listeners(LoadBalancerArn=decoys.nlb_arn)["Listeners"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        out["nlb"] = "gone"
    try:
        out["tg"] = elbv2.describe_target_groups(TargetGroupArns=[decoys.tg_arn])["TargetGroups"]
        health = elbv2.describe_target_health(TargetGroupArn=decoys.tg_arn)
        out["targets"] = health["TargetHealthDescriptions"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        out["tg"] = "gone"
    arns = [decoys.nlb_arn, decoys.tg_arn]
    tags = elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]
    out["tags"] = sorted((t["ResourceArn"], sorted(map(str, t["Tags"]))) for t in tags)
    for kind, name in (
        ("healthChecks", DECOY_HC),
        ("healthChecks", taken_name(REFUSED[1])),
        ("backendServices", DECOY_BS),
        ("forwardingRules", DECOY_FR),
    ):
        try:
            out[f"{kind}/{name}"] = rest.call(gce_url, "GET", f"{decoys.gce_base}/{kind}/{name}")
        except rest.RestError as exc:
            out[f"{kind}/{name}"] = f"gone ({exc.status})"
    return out
