"""`lbcontroller migrate` on a cluster the real upstream aws-cloud-controller-manager served.

The manager (`--controllers=service`, on moto and the real API server) makes NLBs for three
class-less Services, then is stopped. One NLB is then deleted by hand (the Service keeps an
address no load balancer of upstream's backs), one Service gains an annotation lbcontroller
refuses, a fourth Service is created with no address yet, and a fifth has a class no provider
of the config serves. `migrate` gives each its verdict, exits 3 because two would not keep
their address, and writes nothing: neither the Services nor the NLBs change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from devenv.procs import stop
from devenv.state import EnvState
from lbcontroller.cli import main
from lbcontroller.kube import KubeClient
from lbcontroller.migration import UNMARKED
from providers.aws.ownership import upstream_name
from tests.conftest import aws_backend_url
from tests.support.harness import wait_for
from tests.support.objects import Nodes, create_service, get_service
from tests.support.upstream_aws import (
    AwsCluster,
    add_nodes,
    hostname,
    load_balancers,
    public_route,
    seed_cluster,
    service_controller,
)

pytestmark = pytest.mark.integration
NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
REFUSED = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
SERVED_BY_UPSTREAM = ("kept", "lost", "refused")


def _config(tmp_path: Path, cluster: AwsCluster) -> Path:
    path = tmp_path / "config.yaml"
    aws = {
        "name": "aws",
        "type": "aws",
        "region": cluster.region,
        "endpoint": cluster.endpoint,
        "subnets": [cluster.subnet],
        "nodeSecurityGroup": cluster.node_group,
    }
    body = {"clusterName": cluster.cluster_id, "defaultProvider": "aws", "providers": [aws]}
    path.write_text(yaml.safe_dump(body))
    return path


def _served_by_upstream(
    upstream: str, cluster: AwsCluster, kube: KubeClient, kubeconfig: str, tmp: Path, ns: str
) -> dict[str, str]:
    manager = service_controller(upstream, cluster, kubeconfig, tmp)
    try:
        for name in SERVED_BY_UPSTREAM:
            create_service(kube, ns, name, lb_class=None, annotations=NLB)
        return {
            name: wait_for(
                lambda n=name: hostname(kube, ns, n),  # type: ignore[misc]
                timeout=90,
                what=f"upstream's hostname for {name}",
            )
            for name in SERVED_BY_UPSTREAM
        }
    finally:
        stop(manager)


def _snapshot(kube: KubeClient, cluster: AwsCluster, namespace: str) -> tuple[Any, Any]:
    items, _ = kube.list(f"/api/v1/namespaces/{namespace}/services")
    versions = {i["metadata"]["name"]: i["metadata"]["resourceVersion"] for i in items}
    elbv2 = cluster.elbv2()
    arns = [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    tags = elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"] if arns else []
    return versions, (load_balancers(cluster), tags)


def test_migrate_gives_each_service_its_verdict_and_writes_nothing(
    upstream_aws: str,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kubeconfig = devenv.env["KUBECONFIG"]
    cluster = seed_cluster(aws_backend_url(devenv, "moto"), "us-east-1", f"c-{namespace}")
    public_route(cluster)
    add_nodes(cluster, nodes)
    addresses = _served_by_upstream(upstream_aws, cluster, kube, kubeconfig, tmp_path, namespace)
    lost = get_service(kube, namespace, "lost")
    assert lost is not None
    elbv2 = cluster.elbv2()
    arn = elbv2.describe_load_balancers(Names=[upstream_name(lost.uid)])["LoadBalancers"][0]
    elbv2.delete_load_balancer(LoadBalancerArn=arn["LoadBalancerArn"])
    kube.patch_service(namespace, "refused", {"metadata": {"annotations": {REFUSED: "ip"}}})
    create_service(kube, namespace, "fresh", lb_class=None, annotations=NLB)
    create_service(kube, namespace, "elsewhere", lb_class="example.com/other")
    before = _snapshot(kube, cluster, namespace)

    config = _config(tmp_path, cluster)
    argv = ["migrate", "--config", str(config), "--kubeconfig", kubeconfig]
    assert main([*argv, "--output", "json"]) == 3
    mine = [v for v in json.loads(capsys.readouterr().out) if v["service"].startswith(namespace)]
    got = {v["service"].split("/")[1]: (v["verdict"], v["address"]) for v in mine}
    assert got == {
        "kept": ("adopt", addresses["kept"]),
        "lost": ("recreate", addresses["lost"]),
        "refused": ("refuse", addresses["refused"]),
        "fresh": ("new", ""),
        "elsewhere": ("skip", ""),
    }
    reasons = {v["service"].split("/")[1]: v["reason"] for v in mine}
    assert addresses["kept"] in reasons["kept"]
    assert reasons["lost"] == UNMARKED
    assert REFUSED in reasons["refused"]

    assert main(argv) == 3
    table = capsys.readouterr().out
    assert f"{namespace}/kept" in table and "adopt" in table
    assert _snapshot(kube, cluster, namespace) == before
