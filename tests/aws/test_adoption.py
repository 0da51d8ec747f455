"""Adopting the NLBs the real upstream aws-cloud-controller-manager made, in place.

The manager (`--controllers=service`, on moto and the real API server) makes NLBs for two
class-less Services; it is stopped and lbcontroller (serving class-less Services through its
default provider) takes them over: the same NLB (ARN, hostname), marked as ours, its targets
the nodes' instances, upstream's target groups and rules on the nodes' group replaced by ours.
A decoy NLB under the would-be upstream name of a third Service, without upstream's cluster
tag, is never touched. Deleting the Services leaves nothing either controller made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devenv.state import EnvState
from lbcontroller.gc import find_orphans
from lbcontroller.kube import KubeClient
from lbcontroller.model import FINALIZER, Service
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings
from providers.aws.ownership import upstream_name
from tests.conftest import aws_backend_url
from tests.support.harness import make_controller, running, wait_for
from tests.support.objects import Nodes, create_service, delete_service, get_service
from tests.support.upstream_aws import (
    AwsCluster,
    add_nodes,
    hostname,
    lbcontroller_provider,
    plan_of,
    public_route,
    seed_cluster,
    served,
    served_by_upstream,
)

pytestmark = pytest.mark.integration
REGION = "us-east-1"
NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
SERVICE_NAME = "kubernetes.io/service-name"
UPSTREAM_RULES = "kubernetes.io/rule/nlb/"
MANAGED_BY = "lbcontroller.io/managed-by"
KUBE_PROXY_HEALTH = 10256


def _nlbs(cluster: AwsCluster) -> dict[str, dict[str, Any]]:
    """Every NLB in moto by name: its description and its tags."""
    elbv2 = cluster.elbv2()
    out = {}
    for lb in elbv2.describe_load_balancers()["LoadBalancers"]:
        tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]
        out[lb["LoadBalancerName"]] = {
            **lb,
            "Tags": {t["Key"]: t["Value"] for t in tags["Tags"]},
        }
    return out


def _targets(cluster: AwsCluster, arn: str) -> set[str]:
    """The instances behind the groups an NLB's listeners forward to."""
    elbv2 = cluster.elbv2()
    out: set[str] = set()
    for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]:
        group = listener["DefaultActions"][0]["TargetGroupArn"]
        health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        out |= {t["Target"]["Id"] for t in health}
    return out


def _ingress_rules(cluster: AwsCluster) -> list[dict[str, Any]]:
    rules = cluster.ec2().describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [cluster.node_group]}]
    )["SecurityGroupRules"]
    return [r for r in rules if not r["IsEgress"]]


def _decoy(cluster: AwsCluster, service: Service) -> str:
    """An NLB under the Service's would-be upstream name, without upstream's cluster tag."""
    elbv2 = cluster.elbv2()
    made = elbv2.create_load_balancer(
        Name=upstream_name(service.uid),
        Type="network",
        Subnets=[cluster.subnet],
        Tags=[{"Key": SERVICE_NAME, "Value": service.key}],
    )
    return str(made["LoadBalancers"][0]["LoadBalancerArn"])


def test_upstream_nlbs_are_adopted_in_place_and_cleaned_up(
    upstream_aws: str,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    cluster = seed_cluster(aws_backend_url(devenv, "moto"), REGION, f"c-{namespace}")
    public_route(cluster)
    add_nodes(cluster, nodes)
    services = served_by_upstream(
        upstream_aws,
        cluster,
        kube=kube,
        kubeconfig=devenv.env["KUBECONFIG"],
        namespace=namespace,
        services={"one": NLB, "two": NLB},
        logs=tmp_path,
    )
    before = {name: svc.ingress[0].hostname for name, svc in services.items()}
    made = _nlbs(cluster)
    arns = {n: made[upstream_name(s.uid)]["LoadBalancerArn"] for n, s in services.items()}
    upstream_groups = {
        tg["TargetGroupArn"] for tg in cluster.elbv2().describe_target_groups()["TargetGroups"]
    }
    assert len(made) == 2 and upstream_groups
    assert any(r.get("Description", "").startswith(UPSTREAM_RULES) for r in _ingress_rules(cluster))

    provider = lbcontroller_provider(cluster, "aws")
    # gc lists upstream's NLBs as this cluster's, an orphan only once its Service is gone
    owned = provider.list_owned()
    assert {o.cloud_id for o in owned} == set(arns.values())
    router = Router(
        routes={"aws": Route(provider, SpecSettings(cluster.cluster_id))}, classes={}, default="aws"
    )
    orphans = find_orphans(owned={"aws": owned}, services=[services["one"]], router=router)
    assert [o.owned.cloud_id for o in orphans] == [arns["two"]]
    # the plan shows the adoption before it is done
    plan = plan_of(kube, provider, services["one"], cluster.cluster_id)
    assert plan[0].action == "adopt" and plan[0].name == arns["one"], plan
    assert (
        _nlbs(cluster)[upstream_name(services["one"].uid)]["Tags"]
        == made[upstream_name(services["one"].uid)]["Tags"]
    )

    three = create_service(kube, namespace, "three", lb_class=None, type="ClusterIP")
    decoy = _decoy(cluster, three)
    decoy_before = _nlbs(cluster)[upstream_name(three.uid)]
    kube.patch_service(
        namespace, "three", {"spec": {"type": "LoadBalancer"}, "metadata": {"annotations": NLB}}
    )

    controller = make_controller(
        kube, {"aws": (provider, "unused")}, cluster=cluster.cluster_id, default="aws"
    )
    with running(controller):
        for name in ("one", "two"):
            wait_for(
                lambda n=name: (
                    MANAGED_BY  # type: ignore[misc]
                    in _nlbs(cluster)[upstream_name(services[n].uid)]["Tags"]
                    and FINALIZER in served(kube, namespace, n).finalizers
                ),
                timeout=60,
                what=f"{name} adopted",
            )
        wait_for(lambda: hostname(kube, namespace, "three"), timeout=60, what="three served")
        after = _nlbs(cluster)
        instances = set(cluster.instances.values())
        for name, svc in services.items():
            nlb = after[upstream_name(svc.uid)]
            assert nlb["LoadBalancerArn"] == arns[name]
            assert hostname(kube, namespace, name) == before[name] == nlb["DNSName"]
            assert nlb["Tags"]["lbcontroller.io/service-uid"] == svc.uid
            assert [n for n, lb in after.items() if lb["Tags"].get(SERVICE_NAME) == svc.key] == [
                upstream_name(svc.uid)
            ]
            assert _targets(cluster, arns[name]) == instances
        groups = {
            tg["TargetGroupArn"] for tg in cluster.elbv2().describe_target_groups()["TargetGroups"]
        }
        assert not groups & upstream_groups
        assert not [
            r
            for r in _ingress_rules(cluster)
            if r.get("Description", "").startswith(UPSTREAM_RULES) and not r.get("Tags")
        ]
        assert after[upstream_name(three.uid)] == decoy_before

        for name in ("one", "two", "three"):
            delete_service(kube, namespace, name)
        for name in ("one", "two", "three"):
            wait_for(
                lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
                timeout=60,
                what=f"{name} deleted",
            )
    left = _nlbs(cluster)
    assert (
        list(left) == [upstream_name(three.uid)]
        and left[upstream_name(three.uid)]["LoadBalancerArn"] == decoy
    )
    assert cluster.elbv2().describe_target_groups()["TargetGroups"] == []
    # only the cluster's shared kube-proxy health rule stays (by design, see security_groups)
    assert {(r["FromPort"], r.get("Description", "")[:13]) for r in _ingress_rules(cluster)} <= {
        (KUBE_PROXY_HEALTH, "lbcontroller:")
    }
