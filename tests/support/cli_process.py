"""The real `lbcontroller run` process over the seeded stand-ins, for tests that watch it whole.

Used by the secret scan and the least-privilege run: `prepare` seeds AWS (moto) and GCP (the
fake) the way examples/multicloud.yaml expects, adds their Nodes, and writes a kubeconfig
holding a fresh ServiceAccount token; `argv` is the command line that runs the controller
with it; `exercise` creates, changes and deletes Services through it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from devenv.demo import controller_argv
from devenv.demo_clouds import AwsSeed, GceSeed, seed_aws, seed_gce
from devenv.procs import free_port
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from providers.aws.options import HC_INTERVAL
from tests.conftest import aws_backend_url, gce_url
from tests.support.harness import wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, delete_service, get_service, patch_service
from tests.support.tokens import service_account_token

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multicloud.yaml"
AWS_CLASS = "lbcontroller.io/aws"
GCP_CLASS = "lbcontroller.io/gcp"


@dataclass(frozen=True)
class Prepared:
    """What the process needs: its environment's additions, kubeconfig, metrics address."""

    env: dict[str, str]
    kubeconfig: Path
    token: str
    metrics: str


def _token_kubeconfig(kube: KubeClient, devenv: EnvState, namespace: str, folder: Path) -> str:
    """A kubeconfig in `folder` holding a fresh ServiceAccount token (bound to cluster-admin)."""
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"metadata": {"name": "runner"}},
    )
    kube.request(
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        body={
            "metadata": {"name": f"runner-{namespace}"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "runner", "namespace": namespace}],
        },
    )
    token = service_account_token(kube, namespace, "runner", seconds=3600)
    ca = shutil.copy(Path(devenv.env["LBC_DEVENV_DIR"]) / "pki" / "ca.crt", folder / "ca.crt")
    cluster = {"server": devenv.env["KUBE_APISERVER"], "certificate-authority": str(ca)}
    (folder / "kubeconfig").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "run",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [{"name": "run", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    return token


def seed(devenv: EnvState, nodes: Nodes) -> tuple[AwsSeed, GceSeed]:
    """Empty and seed both clouds as examples/multicloud.yaml expects; add their Nodes."""
    aws, gce = seed_aws(aws_backend_url(devenv, "moto")), seed_gce(gce_url(devenv))
    for cloud, machines in (("aws", aws.nodes), ("gcp", gce.nodes)):
        for name, provider_id, ip in machines:
            nodes.add(name, provider_id=provider_id, ip=ip, labels={"lbcontroller.io/cloud": cloud})
    return aws, gce


def prepare(
    kube: KubeClient, devenv: EnvState, namespace: str, nodes: Nodes, folder: Path
) -> Prepared:
    """Seed both clouds, add their Nodes, write the kubeconfig into `folder`."""
    aws, gce = seed(devenv, nodes)
    token = _token_kubeconfig(kube, devenv, namespace, folder)
    metrics = f"127.0.0.1:{free_port()}"
    env = {
        **aws.env(),
        "AWS_ENDPOINT_URL": aws.endpoint,
        "GCE_ENDPOINT_URL": gce.endpoint,
        "DEMO_METRICS_ADDRESS": metrics,
    }
    return Prepared(env=env, kubeconfig=folder / "kubeconfig", token=token, metrics=metrics)


def argv(python: str, *, config: Path, kubeconfig: Path, identity: str) -> list[str]:
    """`lbcontroller run` with debug logging, the example config and the token kubeconfig."""
    extra = ("--log-level", "DEBUG", "--identity", identity)
    return controller_argv(python, config, str(kubeconfig), *extra)


def exercise(
    kube: KubeClient, namespace: str, while_served: Callable[[], None] = lambda: None
) -> None:
    """One Service a cloud and one invalid: created, served, changed, deleted and gone.

    `while_served` runs once both served Services have their addresses (e.g. to look at what
    the clouds now hold).
    """
    create_service(kube, namespace, "shop", lb_class=AWS_CLASS)
    create_service(kube, namespace, "game", lb_class=GCP_CLASS)
    create_service(kube, namespace, "bad", lb_class=AWS_CLASS, annotations={HC_INTERVAL: "soon"})
    wait_for_ingress(kube, namespace, "shop", "game")
    while_served()
    patch_service(kube, namespace, "shop", {"spec": {"loadBalancerSourceRanges": ["10.9.0.0/16"]}})
    for name in ("shop", "game", "bad"):
        delete_service(kube, namespace, name)
    for name in ("shop", "game", "bad"):
        wait_for(
            lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
            timeout=30,
            what=f"{name} to go",
        )
