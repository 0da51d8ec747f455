"""Credentials and tokens never reach logs, Events or metrics.

A full run of the real `lbcontroller run` process (debug logging on, AWS on moto and GCP on
our fake, the cluster reached with a ServiceAccount token) creates, changes and deletes
Services, one of them invalid; then every byte it printed, every Event and its /metrics page
are scanned for the secret values it was given.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

from devenv.demo_clouds import seed_aws, seed_gce
from devenv.procs import free_port, http_ok
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from providers.aws.keys import HC_INTERVAL
from tests.conftest import aws_backend_url, gce_url
from tests.support.harness import wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, delete_service, get_service, patch_service
from tests.support.tokens import service_account_token
from tests.test_multicloud import EXAMPLE

ROOT = Path(__file__).resolve().parent.parent


def _token_kubeconfig(kube: KubeClient, devenv: EnvState, namespace: str, path: Path) -> str:
    """A kubeconfig holding a fresh ServiceAccount token (bound to cluster-admin)."""
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"metadata": {"name": "scanned"}},
    )
    kube.request(
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        body={
            "metadata": {"name": f"scanned-{namespace}"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "scanned", "namespace": namespace}],
        },
    )
    token = service_account_token(kube, namespace, "scanned", seconds=3600)
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "scan",
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": devenv.env["KUBE_APISERVER"],
                            "certificate-authority": f"{devenv.env['LBC_DEVENV_DIR']}/pki/ca.crt",
                        },
                    }
                ],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [{"name": "scan", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    return str(token)


def test_no_secret_reaches_logs_events_or_metrics(
    kube: KubeClient, namespace: str, nodes: Nodes, devenv: EnvState, tmp_path: Path
) -> None:
    aws, gce = seed_aws(aws_backend_url(devenv, "moto")), seed_gce(gce_url(devenv))
    for cloud, machines in (("aws", aws.nodes), ("gcp", gce.nodes)):
        for name, provider_id, ip in machines:
            nodes.add(name, provider_id=provider_id, ip=ip, labels={"lbcontroller.io/cloud": cloud})
    token = _token_kubeconfig(kube, devenv, namespace, tmp_path / "kubeconfig")
    access_key = "AKIA" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    metrics = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        **aws.env(),
        "AWS_ENDPOINT_URL": aws.endpoint,
        "GCE_ENDPOINT_URL": gce.endpoint,
        "DEMO_METRICS_ADDRESS": metrics,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("KUBECONFIG", None)
    log = tmp_path / "controller.log"
    with log.open("wb") as out:
        controller = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lbcontroller.cli",
                "run",
                "--config",
                str(EXAMPLE),
                "--kubeconfig",
                str(tmp_path / "kubeconfig"),
                "--log-level",
                "DEBUG",
                "--identity",
                f"scan-{namespace}",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        wait_for(lambda: http_ok(f"http://{metrics}/readyz"), timeout=60, what="readiness")
        create_service(kube, namespace, "shop", lb_class="lbcontroller.io/aws")
        create_service(kube, namespace, "game", lb_class="lbcontroller.io/gcp")
        create_service(
            kube,
            namespace,
            "bad",
            lb_class="lbcontroller.io/aws",
            annotations={HC_INTERVAL: "soon"},
        )
        wait_for_ingress(kube, namespace, "shop", "game")
        patch_service(
            kube, namespace, "shop", {"spec": {"loadBalancerSourceRanges": ["10.9.0.0/16"]}}
        )
        for name in ("shop", "game", "bad"):
            delete_service(kube, namespace, name)
        for name in ("shop", "game", "bad"):
            wait_for(
                lambda n=name: get_service(kube, namespace, n) is None,  # type: ignore[misc]
                timeout=30,
                what=f"{name} to go",
            )
        with urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10) as resp:
            scraped = resp.read().decode()
    finally:
        controller.terminate()
        controller.wait(30)
    events, _ = kube.list(f"/api/v1/namespaces/{namespace}/events")
    printed = log.read_text()
    assert "Ensured load balancer" in str(events) and "soon" in str(events)  # the run happened
    assert '"msg": "starting"' in printed
    haystack = "\n".join([printed, str(events), scraped])
    for name, value in (
        ("AWS secret key", secret_key),
        ("AWS access key", access_key),
        ("ServiceAccount token", token),
        ("token tail", token[-24:]),
    ):
        assert value not in haystack, f"the {name} leaked"
