"""lbcontroller beside a running upstream service controller: the shared-finalizer hazard.

The upstream service controller (here the real aws-cloud-controller-manager with
`--controllers=service`) removes `service.kubernetes.io/load-balancer-cleanup` from any Service
that is being deleted, whatever its loadBalancerClass. While lbcontroller is down (a rollout, a
crash), its Services may be deleted: with that finalizer name the manager would let them go,
and their load balancers would leak. lbcontroller's own finalizer keeps them until it is back.
A control Service carrying upstream's finalizer shows the manager did handle the deletions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.procs import stop
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from lbcontroller.model import FINALIZER, TAKEN_OVER_FINALIZERS
from tests.conftest import aws_backend_url
from tests.support.harness import make_controller, running, wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, delete_service, get_service
from tests.support.upstream_aws import (
    add_nodes,
    lbcontroller_provider,
    load_balancers,
    seed_cluster,
    service_controller,
)

pytestmark = pytest.mark.integration
REGION = "us-east-1"
UPSTREAM_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
NAMES = ("one", "two", "three")


def _control_service_let_go(kube: KubeClient, namespace: str) -> None:
    """A Service holding upstream's finalizer, deleted: the manager must remove it."""
    create_service(kube, namespace, "control", lb_class=None, type="ClusterIP")
    kube.patch_service(namespace, "control", {"metadata": {"finalizers": [UPSTREAM_FINALIZER]}})
    delete_service(kube, namespace, "control")
    wait_for(
        lambda: get_service(kube, namespace, "control") is None,
        timeout=60,
        what="the upstream manager to let the control Service go",
    )


def test_a_ccm_service_controller_beside_us_never_lets_our_services_go(
    upstream_aws: str,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    assert UPSTREAM_FINALIZER in TAKEN_OVER_FINALIZERS and FINALIZER != UPSTREAM_FINALIZER
    cluster = seed_cluster(aws_backend_url(devenv, "moto"), REGION, f"c-{namespace}")
    add_nodes(cluster, nodes)
    provider = lbcontroller_provider(cluster, "aws-beside")
    lb_class = f"lbcontroller.io/aws-{namespace}"
    manager = service_controller(upstream_aws, cluster, devenv.env["KUBECONFIG"], tmp_path)
    try:
        with running(make_controller(kube, {"aws": (provider, lb_class)})):
            for name in NAMES:
                create_service(kube, namespace, name, lb_class=lb_class)
            wait_for_ingress(kube, namespace, *NAMES, timeout=60)
        for name in NAMES:  # lbcontroller is down now
            delete_service(kube, namespace, name)
        _control_service_let_go(kube, namespace)
        for name in NAMES:
            held = get_service(kube, namespace, name)
            assert held is not None and held.deleting and held.finalizers == (FINALIZER,)
        assert len(load_balancers(cluster)["nlbs"]) == len(NAMES)

        with running(make_controller(kube, {"aws": (provider, lb_class)}, identity="back")):
            for name in NAMES:
                wait_for(
                    lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
                    timeout=60,
                    what=f"{name} to go once lbcontroller is back",
                )
    finally:
        stop(manager)
    assert load_balancers(cluster) == {"nlbs": [], "targets": {}}
    assert "panic" not in Path(manager.log).read_text()
