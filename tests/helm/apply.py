"""Sending rendered chart objects to the real API server: dry runs and real creates.

Where it sits: the helm tests render the chart (`chart.py`) and pass each object here, which
maps its apiVersion and kind to the REST path and speaks through the project's `KubeClient`
(admin or a ServiceAccount's token). Dry runs use `dryRun=All` with strict field validation,
so an unknown or misspelt field is refused, not silently dropped.
"""

from __future__ import annotations

import contextlib
from typing import Any

from lbcontroller.kube import KubeClient, NotFound

JSON = dict[str, Any]

# (apiVersion, kind) -> (the group/version prefix, plural, namespaced)
KINDS: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("v1", "ConfigMap"): ("/api/v1", "configmaps", True),
    ("v1", "Service"): ("/api/v1", "services", True),
    ("v1", "ServiceAccount"): ("/api/v1", "serviceaccounts", True),
    ("v1", "Pod"): ("/api/v1", "pods", True),
    ("apps/v1", "Deployment"): ("/apis/apps/v1", "deployments", True),
    ("policy/v1", "PodDisruptionBudget"): ("/apis/policy/v1", "poddisruptionbudgets", True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): (
        "/apis/rbac.authorization.k8s.io/v1",
        "clusterroles",
        False,
    ),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): (
        "/apis/rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        False,
    ),
    ("rbac.authorization.k8s.io/v1", "Role"): (
        "/apis/rbac.authorization.k8s.io/v1",
        "roles",
        True,
    ),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): (
        "/apis/rbac.authorization.k8s.io/v1",
        "rolebindings",
        True,
    ),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (
        "/apis/monitoring.coreos.com/v1",
        "servicemonitors",
        True,
    ),
}
DRY_RUN = {"dryRun": "All", "fieldValidation": "Strict"}


def collection_path(obj: JSON) -> str:
    """Where objects like `obj` are POSTed."""
    key = (obj["apiVersion"], obj["kind"])
    if key not in KINDS:
        raise KeyError(f"the chart rendered {key}, which tests/helm/apply.py cannot map to a path")
    prefix, plural, namespaced = KINDS[key]
    if not namespaced:
        return f"{prefix}/{plural}"
    namespace = obj["metadata"].get("namespace")
    if not namespace:
        name = f"{obj['kind']} {obj['metadata']['name']}"
        raise ValueError(f"{name} was rendered without a namespace")
    return f"{prefix}/namespaces/{namespace}/{plural}"


def object_path(obj: JSON) -> str:
    """The path of `obj` itself."""
    return f"{collection_path(obj)}/{obj['metadata']['name']}"


def dry_run(kube: KubeClient, obj: JSON) -> JSON:
    """POST `obj` with dryRun=All (admission and validation run, nothing is stored)."""
    return kube.request("POST", collection_path(obj), query=DRY_RUN, body=obj)


def create(kube: KubeClient, obj: JSON) -> JSON:
    """POST `obj` for real (strict field validation)."""
    return kube.request("POST", collection_path(obj), query={"fieldValidation": "Strict"}, body=obj)


def delete(kube: KubeClient, obj: JSON) -> None:
    """Delete `obj`; absent is fine."""
    with contextlib.suppress(NotFound):
        kube.request("DELETE", object_path(obj))
