"""Adopting the classic ELB the real upstream aws-cloud-controller-manager made, beside an NLB.

The manager (`--controllers=service`, on moto and the real API server) makes a classic ELB
(its default type) and an NLB for two class-less Services, and is stopped. Under the
provider's `compatibility: lbcontroller` defaults the plan for the unannotated Service would
replace the classic ELB by an NLB, and its create entry says so; under `compatibility:
upstream` the plan starts by adopting it. lbcontroller (upstream defaults) then takes both
over: the same hostnames; the classic ELB keeps its name, its instances are the nodes',
its health check stays upstream's default (and the NLB's new target group gets upstream's:
TCP on the traffic port, 30/10/3/3); our own security group takes the place of
upstream's `k8s-elb-<lb>` group, which is gone with the rule that opened the nodes' group to
it. Deleting the Services leaves no load balancer, target group, security group or rule that
either controller made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from providers.aws.ownership import upstream_name
from tests.conftest import aws_backend_url
from tests.support.harness import make_controller, running, wait_for
from tests.support.objects import Nodes, delete_service, get_service
from tests.support.upstream_aws import (
    AwsCluster,
    add_nodes,
    hostname,
    lbcontroller_provider,
    plan_of,
    public_route,
    seed_cluster,
    served_by_upstream,
)

pytestmark = pytest.mark.integration
NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
SERVICE_NAME = "kubernetes.io/service-name"
FINGERPRINT = "lbcontroller.io/fingerprint"


def _classics(cluster: AwsCluster) -> dict[str, dict[str, Any]]:
    """Every classic ELB in moto by name: its description and its tags."""
    elb = cluster.elb()
    out = {}
    for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]:
        name = lb["LoadBalancerName"]
        tags = elb.describe_tags(LoadBalancerNames=[name])["TagDescriptions"][0]["Tags"]
        out[name] = {**lb, "Tags": {t["Key"]: t["Value"] for t in tags}}
    return out


def _groups(cluster: AwsCluster) -> dict[str, dict[str, Any]]:
    """Every security group of the cluster's VPC by name."""
    found = cluster.ec2().describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [cluster.vpc]}]
    )["SecurityGroups"]
    return {g["GroupName"]: g for g in found}


def _ingress(cluster: AwsCluster, group_id: str) -> list[dict[str, Any]]:
    rules = cluster.ec2().describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group_id]}]
    )["SecurityGroupRules"]
    return [r for r in rules if not r["IsEgress"]]


def _referring(cluster: AwsCluster, group_id: str) -> list[dict[str, Any]]:
    """The nodes' group's rules that let `group_id` in."""
    return [
        r
        for r in _ingress(cluster, cluster.node_group)
        if r.get("ReferencedGroupInfo", {}).get("GroupId") == group_id
    ]


def test_upstream_classic_elb_is_adopted_beside_an_nlb(
    upstream_aws: str,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    cluster = seed_cluster(aws_backend_url(devenv, "moto"), "us-east-1", f"c-{namespace}")
    public_route(cluster)
    add_nodes(cluster, nodes)
    services = served_by_upstream(
        upstream_aws,
        cluster,
        kube=kube,
        kubeconfig=devenv.env["KUBECONFIG"],
        namespace=namespace,
        services={"old": {}, "net": NLB},
        logs=tmp_path,
    )
    before = {name: svc.ingress[0].hostname for name, svc in services.items()}
    old = services["old"]
    elb_name = upstream_name(old.uid)
    made = _classics(cluster)[elb_name]
    (upstream_group,) = made["SecurityGroups"]
    assert _groups(cluster)[f"k8s-elb-{elb_name}"]["GroupId"] == upstream_group
    assert _referring(cluster, upstream_group)
    (nlb,) = cluster.elbv2().describe_load_balancers()["LoadBalancers"]

    # lbcontroller's own defaults would make an NLB instead, and the plan says what it replaces
    own = lbcontroller_provider(cluster, "aws")
    creates = [
        c
        for c in plan_of(kube, own, old, cluster.cluster_id)
        if (c.action, c.kind) == ("create", "load-balancer")
    ]
    assert [c.detail for c in creates] == [f"replaces classic ELB {elb_name}: type changes"]
    # upstream's defaults keep the classic ELB: adopted in place, listed for gc meanwhile
    provider = lbcontroller_provider(cluster, "aws", compatibility="upstream")
    plan = plan_of(kube, provider, old, cluster.cluster_id)
    assert (plan[0].action, plan[0].name) == ("adopt", elb_name), plan
    listed = {o.cloud_id for o in provider.list_owned()}
    assert listed == {f"elb/{elb_name}", nlb["LoadBalancerArn"]}
    assert _classics(cluster)[elb_name]["Tags"] == made["Tags"]

    controller = make_controller(
        kube, {"aws": (provider, "unused")}, cluster=cluster.cluster_id, default="aws"
    )
    with running(controller):
        wait_for(
            lambda: FINGERPRINT in _classics(cluster)[elb_name]["Tags"],
            timeout=60,
            what="the classic ELB adopted and converged",
        )
        wait_for(lambda: hostname(kube, namespace, "net"), timeout=60, what="net served")
        after = _classics(cluster)
        assert list(after) == [elb_name]
        elb = after[elb_name]
        assert (
            elb["DNSName"] == made["DNSName"] == before["old"] == hostname(kube, namespace, "old")
        )
        assert elb["Tags"][SERVICE_NAME] == old.key and elb["Tags"]["lbcontroller.io/service-uid"]
        assert {i["InstanceId"] for i in elb["Instances"]} == set(cluster.instances.values())
        assert elb["HealthCheck"] == made["HealthCheck"]  # upstream's default: TCP:<NodePort>
        assert elb["ListenerDescriptions"] == made["ListenerDescriptions"]
        groups = _groups(cluster)
        assert f"k8s-elb-{elb_name}" not in groups
        (ours,) = elb["SecurityGroups"]
        assert ours != upstream_group and ours in {g["GroupId"] for g in groups.values()}
        assert not _referring(cluster, upstream_group) and _referring(cluster, ours)
        (nlb_after,) = cluster.elbv2().describe_load_balancers()["LoadBalancers"]
        assert nlb_after["LoadBalancerArn"] == nlb["LoadBalancerArn"]
        assert hostname(kube, namespace, "net") == before["net"]
        (group,) = cluster.elbv2().describe_target_groups()["TargetGroups"]
        health = [
            *("HealthCheckProtocol", "HealthCheckPort", "HealthCheckIntervalSeconds"),
            *("HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount"),
        ]
        assert [group[key] for key in health] == ["TCP", "traffic-port", 30, 10, 3, 3]

        for name in ("old", "net"):
            delete_service(kube, namespace, name)
        for name in ("old", "net"):
            wait_for(
                lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
                timeout=60,
                what=f"{name} deleted",
            )
    assert _classics(cluster) == {}
    assert cluster.elbv2().describe_load_balancers()["LoadBalancers"] == []
    assert cluster.elbv2().describe_target_groups()["TargetGroups"] == []
    assert set(_groups(cluster)) == {"default", f"{cluster.cluster_id}-nodes"}
    assert _ingress(cluster, cluster.node_group) == []
