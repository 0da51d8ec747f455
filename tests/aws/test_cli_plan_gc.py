"""`lbcontroller plan` and `lbcontroller gc` against the real API server and an AWS stand-in.

plan lists exactly the writes the next run then makes, and writes nothing itself; gc finds a
load balancer whose Service was force-deleted while no controller ran, deletes it with
--delete, and never lists a look-alike we do not own.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from devenv.state import EnvState
from lbcontroller.cli import main
from lbcontroller.config import load_config
from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.model import node_from_json, service_from_json
from lbcontroller.naming import lb_name
from lbcontroller.planner import plan_all
from lbcontroller.registry import build_router
from tests.support.calls import BotoCalls
from tests.support.harness import CLUSTER, running, settings, wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service

from .conftest import World

pytestmark = pytest.mark.integration


def _config(tmp_path: Path, world: World, lb_class: str) -> Path:
    path = tmp_path / "config.yaml"
    body = {
        "clusterName": CLUSTER,
        "controller": {"leaderElection": {"enabled": False}},
        "providers": [
            {
                "name": "aws",
                "type": "aws",
                "classes": [lb_class],
                "region": "us-east-1",
                "endpoint": world.endpoint,
                "subnets": list(world.subnets),
                "nodeSecurityGroup": world.node_group,
            }
        ],
    }
    path.write_text(yaml.safe_dump(body))
    return path


@pytest.fixture
def lb_class(namespace: str, world: World, nodes: Nodes) -> str:
    for node in world.nodes:
        nodes.add(node.name, provider_id=node.provider_id)
    return f"test.lbcontroller.io/aws-{namespace}"


def _operations(calls: BotoCalls) -> Counter[str]:
    return Counter(name.split(".")[1] for name in calls.writes().elements())


def test_plan_lists_exactly_what_the_next_run_does(
    kube: KubeClient,
    namespace: str,
    world: World,
    calls: BotoCalls,
    lb_class: str,
    tmp_path: Path,
    devenv: EnvState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("shop", "api"):
        create_service(kube, namespace, name, lb_class=lb_class)
    config = load_config(_config(tmp_path, world, lb_class))
    router = build_router(config, metrics=Metrics())
    services, _ = kube.list(f"/api/v1/namespaces/{namespace}/services")
    node_items, _ = kube.list("/api/v1/nodes")
    plans = plan_all(
        services=map(service_from_json, services),
        nodes=map(node_from_json, node_items),
        router=router,
        owned={},
    )
    assert calls.writes() == {}, "plan wrote to the cloud"
    planned = Counter(c.operation for p in plans for c in p.changes)
    assert planned["CreateLoadBalancer"] == 2

    controller = Controller(
        client=kube, router=router, settings=settings(), metrics=Metrics(), identity="plan-test"
    )
    with running(controller):
        wait_for_ingress(kube, namespace, "shop", "api")
        wait_for(controller.queue_idle, what="the queue to drain")
    assert _operations(calls) == planned

    assert (
        main(
            [
                "plan",
                "--config",
                str(_config(tmp_path, world, lb_class)),
                "--kubeconfig",
                devenv.env["KUBECONFIG"],
                "--output",
                "json",
            ]
        )
        == 0
    )
    after = {p["service"]: p for p in json.loads(capsys.readouterr().out)}
    assert after[f"{namespace}/shop"]["state"] == "in-sync"
    assert after[f"{namespace}/api"]["changes"] == []


def test_gc_finds_and_deletes_a_load_balancer_left_by_a_force_deleted_service(
    kube: KubeClient,
    namespace: str,
    world: World,
    lb_class: str,
    tmp_path: Path,
    devenv: EnvState,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _config(tmp_path, world, lb_class)
    router = build_router(load_config(path), metrics=Metrics())
    controller = Controller(
        client=kube, router=router, settings=settings(), metrics=Metrics(), identity="gc-test"
    )
    with running(controller):
        for name in ("kept", "gone"):
            create_service(kube, namespace, name, lb_class=lb_class)
        wait_for_ingress(kube, namespace, "kept", "gone")
    # the controller is down: the Service is deleted and its finalizer forced off
    kube.patch_service(namespace, "gone", {"metadata": {"finalizers": None}})
    kube.request("DELETE", f"/api/v1/namespaces/{namespace}/services/gone")
    decoy = world.elbv2.create_load_balancer(
        Name=lb_name(CLUSTER, namespace, "gone2"),
        Type="network",
        Subnets=list(world.subnets),
        Tags=[{"Key": "kubernetes.io/service-name", "Value": f"{namespace}/gone2"}],
    )["LoadBalancers"][0]["LoadBalancerName"]
    args = ["gc", "--config", str(path), "--kubeconfig", devenv.env["KUBECONFIG"]]

    assert main(args) == 0
    listed = capsys.readouterr().out
    assert lb_name(CLUSTER, namespace, "gone") in listed
    assert lb_name(CLUSTER, namespace, "kept") not in listed
    assert decoy not in listed
    assert "1 orphaned load balancers" in listed

    assert main([*args, "--delete"]) == 0
    names = {
        lb["LoadBalancerName"] for lb in world.elbv2.describe_load_balancers()["LoadBalancers"]
    }
    assert names == {lb_name(CLUSTER, namespace, "kept"), decoy}
