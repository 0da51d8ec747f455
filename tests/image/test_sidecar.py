"""Sidecar mode for real: the image beside the upstream aws-cloud-controller-manager.

The chart is rendered with ci/sidecar-values.yaml (only this environment's endpoint, subnet,
node group, metrics port and namespace set on top) and its RBAC created for the CCM's
ServiceAccount. The upstream manager (scripts/build-upstream-aws.sh) runs with the flag the
chart's NOTES tell users to give it (its service controller off), against moto and the real
API server; the image runs as the NOTES' sidecar container with that ServiceAccount's token.
Nodes registered as an external-cloud kubelet registers them (no providerID, no addresses,
the `uninitialized` taint) are filled in by the upstream node controller; the class-less
Service (config.defaultProvider) gets its NLB from lbcontroller with those Nodes' instances as
targets. The two never own the same field of a Node or the Service (managedFields), and
deleting the Service leaves no load balancer or target group in moto.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from devenv.procs import Proc, free_port, http_ok, start, stop, wait_ready
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.conftest import aws_backend_url
from tests.helm.chart import CHART, Helm, sidecar_pod
from tests.image.chartpod import in_cluster_env, install, pod_files
from tests.image.podman import Container, run_args
from tests.image.podman import start as start_container
from tests.support.harness import wait_for, wait_for_ingress
from tests.support.objects import Nodes, delete_service, get_service
from tests.support.upstream_aws import (
    TEST_MANAGER,
    AwsCluster,
    cloud_conf,
    initialized,
    load_balancers,
    manager_argv,
    manager_env,
    register_node,
    seed_cluster,
)

pytestmark = pytest.mark.integration
SIDECAR = CHART / "ci" / "sidecar-values.yaml"
JSON = dict[str, Any]
LBC, CCM = "lbcontroller", "aws-cloud-controller-manager"  # field managers (user agents)
NODE_CONTROLLER = 'Started "cloud-node-controller"'  # the upstream log line it waits for


def _sets(cluster: AwsCluster, port: int, namespace: str) -> list[str]:
    """What this environment adds to ci/sidecar-values.yaml."""
    return [
        f"config.providers[0].endpoint={cluster.endpoint}",
        f"config.providers[0].subnets={{{cluster.subnet}}}",
        f"config.providers[0].nodeSecurityGroup={cluster.node_group}",
        f"config.controller.metricsAddress=0.0.0.0:{port}",
        f"sidecar.serviceAccount.namespace={namespace}",
    ]


def _leaves(fields: JSON, prefix: str = "") -> set[str]:
    """The field paths a managedFields entry's fieldsV1 names."""
    found: set[str] = set()
    for key, sub in fields.items():
        if key != ".":
            found |= _leaves(sub, f"{prefix}/{key}") if sub else {f"{prefix}/{key}"}
    return found


def _owned(obj: JSON) -> dict[str, set[str]]:
    """Field paths by manager, the managers named by their user agent's first word."""
    owned: dict[str, set[str]] = {}
    for entry in obj["metadata"].get("managedFields", []):
        manager = entry["manager"].split("/")[0]
        owned.setdefault(manager, set()).update(_leaves(entry.get("fieldsV1", {})))
    return owned


def _class_less_service(kube: KubeClient, namespace: str) -> None:
    body = {
        "metadata": {"name": "web"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]},
    }
    path = f"/api/v1/namespaces/{namespace}/services"
    kube.request("POST", path, query={"fieldManager": TEST_MANAGER}, body=body)


def _start_manager(
    binary: str, cluster: AwsCluster, devenv: EnvState, controllers: str, folder: Path
) -> Proc:
    argv = manager_argv(binary, cloud_conf(cluster, folder), devenv.env["KUBECONFIG"], controllers)
    return start("aws-ccm", argv, logs=folder, env=manager_env(cluster))


def _manager_started(manager: Proc) -> None:
    wait_ready(manager, lambda: NODE_CONTROLLER in Path(manager.log).read_text(), timeout=60)


def _targets_registered(cluster: AwsCluster) -> bool:
    held = load_balancers(cluster)
    wanted = sorted(cluster.instances.values())
    return len(held["nlbs"]) == 1 and all(ids == wanted for ids in held["targets"].values())


def test_lbcontroller_serves_services_beside_the_upstream_aws_manager(
    image: str,
    podman: dict[str, str],
    upstream_aws: str,
    helm: Helm,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    chart = yaml.safe_load(SIDECAR.read_text())
    region, cluster_id = chart["config"]["providers"][0]["region"], chart["config"]["clusterName"]
    cluster = seed_cluster(aws_backend_url(devenv, "moto"), region, cluster_id)
    port, release = free_port(), f"sc-{namespace}"
    sets = _sets(cluster, port, namespace)
    objects = helm.template(release=release, namespace=namespace, values=[SIDECAR], sets=sets)
    notes = helm.notes(
        devenv.env["KUBECONFIG"], release=release, namespace=namespace, values=[SIDECAR], sets=sets
    )
    controllers = re.search(r"--controllers=[\w*,-]+", notes)
    assert controllers, notes
    account = chart["sidecar"]["serviceAccount"]["name"]
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"metadata": {"name": account}},
    )
    env = {
        **in_cluster_env(devenv),
        "POD_NAME": f"ccm-{namespace}",
        "AWS_ACCESS_KEY_ID": "sidecar",
        "AWS_SECRET_ACCESS_KEY": "sidecar",
    }
    with install(kube, objects):
        files = pod_files(kube, devenv, objects, (namespace, account), tmp_path)
        manager = _start_manager(upstream_aws, cluster, devenv, controllers[0], tmp_path)
        container: Container | None = None
        try:
            _manager_started(manager)
            container = start_container(
                run_args(image, f"ccm-{namespace}", sidecar_pod(notes), files, env), podman
            )
            wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/readyz"), timeout=90, what="ready")
            for name in cluster.instances:
                register_node(kube, name)
                nodes.names.append(name)
            _class_less_service(kube, namespace)
            for name in cluster.instances:
                wait_for(partial(initialized, kube, name), timeout=60, what=f"{name} set up")
            wait_for_ingress(kube, namespace, "web", timeout=60)
            wait_for(lambda: _targets_registered(cluster), timeout=60, what="targets registered")
            owned = [_owned(kube.request("GET", f"/api/v1/nodes/{n}")) for n in cluster.instances]
            service = _owned(kube.request("GET", f"/api/v1/namespaces/{namespace}/services/web"))
            delete_service(kube, namespace, "web")
            wait_for(lambda: get_service(kube, namespace, "web") is None, timeout=60, what="gone")
            left = load_balancers(cluster)
        finally:
            if container is not None:
                printed = container.logs()
                container.remove()
            stop(manager)
    upstream_log = Path(manager.log).read_text()
    for node in owned:
        assert "/f:spec/f:providerID" in node.get(CCM, set()), node
        assert any(path.startswith("/f:status/f:addresses") for path in node.get(CCM, set()))
        assert LBC not in node, node
    assert any(path.startswith("/f:status/f:loadBalancer") for path in service[LBC]), service
    assert CCM not in service, service
    for obj in [*owned, service]:
        assert not obj.get(LBC, set()) & obj.get(CCM, set()), obj
    assert left == {"nlbs": [], "targets": {}}, left
    assert "panic" not in upstream_log, upstream_log[-3000:]
    assert "Traceback" not in printed, printed[-3000:]
