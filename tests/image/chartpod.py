"""What the chart's pod is given, made on the host for the image tests.

Where it sits: after `helm template` (tests/helm/chart.py), the image tests create the rendered
ServiceAccount and RBAC on the real API server (`install`), write the ConfigMap's config file
and the ServiceAccount's token (a TokenRequest), CA and namespace where podman mounts them
(`pod_files`), and pass the in-cluster variables a pod gets (`in_cluster_env`), so the
container starts with the chart's own arguments and finds its credentials as in a cluster.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.helm.apply import create, delete
from tests.helm.chart import one
from tests.image.podman import Mounts
from tests.support.tokens import service_account_token

JSON = dict[str, Any]
INSTALLED = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
READABLE = 0o644  # the container's user is not the files' owner


@contextlib.contextmanager
def install(kube: KubeClient, objects: list[JSON]) -> Iterator[None]:
    """The rendered ServiceAccount and RBAC, created for real; deleted afterwards."""
    made = [obj for obj in objects if obj["kind"] in INSTALLED]
    for obj in made:
        create(kube, obj)
    try:
        yield
    finally:
        for obj in reversed(made):
            delete(kube, obj)


def pod_files(
    kube: KubeClient,
    devenv: EnvState,
    objects: list[JSON],
    account: tuple[str, str],
    folder: Path,
) -> Mounts:
    """The ConfigMap's config file and the token of ServiceAccount `account` (namespace, name)."""
    config = folder / "config.yaml"
    config.write_text(one(objects, "ConfigMap")["data"]["config.yaml"])
    tokens = folder / "serviceaccount"
    tokens.mkdir()
    namespace, name = account
    (tokens / "token").write_text(service_account_token(kube, namespace, name, seconds=3600))
    (tokens / "namespace").write_text(namespace)
    shutil.copy(Path(devenv.env["LBC_DEVENV_DIR"]) / "pki" / "ca.crt", tokens / "ca.crt")
    for path in (config, *tokens.iterdir()):
        path.chmod(READABLE)
    for path in (folder, tokens):
        path.chmod(0o755)
    return Mounts(config=config, token_dir=tokens)


def in_cluster_env(devenv: EnvState) -> dict[str, str]:
    """KUBERNETES_SERVICE_HOST and _PORT, pointing at the local API server."""
    server = urlsplit(devenv.env["KUBE_APISERVER"])
    host, port = str(server.hostname), str(server.port)
    return {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
