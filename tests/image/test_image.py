"""The built image, run as the chart runs it, serves Services on two clouds and stops cleanly.

The chart is rendered with helm for examples/multicloud.yaml's providers (moto and the GCE
fake, seeded first); its ServiceAccount and RBAC are created on the real API server; the
Deployment's container is started with podman from the image `make image` built: the
chart's arguments, uid/gid 65532, read-only root, no capabilities, no privilege escalation, the
ConfigMap's file at /etc/lbcontroller/config.yaml, a tmpfs /tmp, the ServiceAccount's token
where the kubelet puts it. It must answer its probes and /metrics, serve a Service on each
cloud (addresses in status, load balancers in the clouds), leave nothing once they are
deleted, and exit 0 on `podman stop` within the pod's grace period.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from devenv.demo_clouds import AwsSeed, GceSeed
from devenv.procs import free_port, http_ok
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.helm.chart import Helm, one
from tests.image.chartpod import in_cluster_env, install, pod_files
from tests.image.podman import Container, run_args, start
from tests.support.cli_process import EXAMPLE, exercise, seed
from tests.support.harness import wait_for
from tests.support.objects import Nodes
from tests.support.sandbox import UID, mounts

pytestmark = pytest.mark.integration
NO_CAPABILITIES = "0000000000000000"
JSON = dict[str, Any]


def _values(aws: AwsSeed, gce: GceSeed, port: int, folder: Path) -> Path:
    """A values file whose config is examples/multicloud.yaml, filled in for this environment."""
    known = {**aws.env(), "AWS_ENDPOINT_URL": aws.endpoint, "GCE_ENDPOINT_URL": gce.endpoint}
    text = re.sub(r"\$\{(\w+)\}", lambda m: known.get(m[1], m[0]), EXAMPLE.read_text())
    config = yaml.safe_load(text)
    config["controller"]["metricsAddress"] = f"0.0.0.0:{port}"
    del config["controller"]["leaderElection"]["namespace"]  # the chart's default: its own
    path = folder / "values.yaml"
    path.write_text(yaml.safe_dump({"replicas": 1, "config": config}))
    return path


def _status(pid: str) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _writable(pid: str) -> list[str]:
    """The container's mount points that are read-write, besides the kernel's and /dev's."""
    skip = ("/proc", "/sys", "/dev")
    return [
        point
        for point, options in dict(mounts(pid)).items()
        if "rw" in options and not point.startswith(skip)
    ]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode())


def _observe(container: Container, metrics: str) -> JSON:
    """What the running container shows from outside: ids, capabilities, mounts, endpoints."""
    pid = container.state("Pid")
    return {
        "status": _status(pid),
        "writable": _writable(pid),
        "healthz": http_ok(f"{metrics}/healthz"),
        "metrics": _get(f"{metrics}/metrics"),
    }


def test_the_image_serves_services_as_the_chart_runs_it(
    image: str,
    podman: dict[str, str],
    helm: Helm,
    kube: KubeClient,
    devenv: EnvState,
    namespace: str,
    nodes: Nodes,
    tmp_path: Path,
) -> None:
    aws, gce = seed(devenv, nodes)
    port = free_port()
    objects = helm.template(
        release=f"img-{namespace}", namespace=namespace, values=[_values(aws, gce, port, tmp_path)]
    )
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    grace = int(pod["terminationGracePeriodSeconds"])
    env = {
        **in_cluster_env(devenv),
        "POD_NAME": f"lbc-{namespace}",
        "AWS_ACCESS_KEY_ID": "image",
        "AWS_SECRET_ACCESS_KEY": "image",
    }
    metrics, held = f"http://127.0.0.1:{port}", dict[str, bool]()

    def look_at_clouds() -> None:
        held.update(aws=not aws.empty(), gcp=not gce.empty())

    with install(kube, objects):
        files = pod_files(kube, devenv, objects, (namespace, pod["serviceAccountName"]), tmp_path)
        container = start(run_args(image, f"lbc-{namespace}", pod, files, env), podman)
        try:
            wait_for(lambda: http_ok(f"{metrics}/readyz"), timeout=90, what="readiness")
            seen = _observe(container, metrics)
            exercise(kube, namespace, while_served=look_at_clouds)
            took = container.stop(grace)
            code, printed = container.state("ExitCode"), container.logs()
        finally:
            container.remove()
    assert seen["status"]["Uid"].split() == [str(UID)] * 4
    assert seen["status"]["Gid"].split() == [str(UID)] * 4
    for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert seen["status"][capabilities] == NO_CAPABILITIES, capabilities
    assert seen["status"]["NoNewPrivs"] == "1"
    assert seen["writable"] == ["/tmp"], seen["writable"]
    assert seen["healthz"]
    assert "lbcontroller_loadbalancer_sync_total" in seen["metrics"]
    assert held == {"aws": True, "gcp": True}
    assert aws.empty() and gce.empty(), (aws.holdings(), gce.holdings())
    assert took < grace, f"podman stop took {took:.1f} s of the {grace} s grace period"
    assert code == "0", printed[-3000:]
    assert '"msg": "starting"' in printed
    for failure in ("Read-only file system", "Permission denied", "Traceback"):
        assert failure not in printed, printed[-3000:]
