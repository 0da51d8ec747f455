"""A stand-in ServiceMonitor CRD, so the chart's ServiceMonitor can be dry-run on a real server.

Where it sits: used by `test_dry_run.py`. The API server knows no monitoring.coreos.com types
without the Prometheus Operator's CRDs, which are not part of this project; this one is our own
structural schema of just the fields the chart writes (names and shapes as the operator's v1
API documents them), so strict field validation refuses anything else the chart might add.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lbcontroller.kube import Conflict, KubeClient, NotFound
from tests.support.harness import wait_for

NAME = "servicemonitors.monitoring.coreos.com"
PATH = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{NAME}"
_DURATION = {"type": "string", "pattern": "^(0|([0-9]+(ms|s|m|h|d|w|y))+)$"}
_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_ENDPOINT = {
    "type": "object",
    "properties": {
        "port": {"type": "string"},
        "path": {"type": "string"},
        "interval": _DURATION,
        "scrapeTimeout": _DURATION,
    },
}
_SPEC = {
    "type": "object",
    "required": ["selector"],
    "properties": {
        "selector": {"type": "object", "properties": {"matchLabels": _STRINGS}},
        "namespaceSelector": {
            "type": "object",
            "properties": {
                "any": {"type": "boolean"},
                "matchNames": {"type": "array", "items": {"type": "string"}},
            },
        },
        "endpoints": {"type": "array", "items": _ENDPOINT},
    },
}
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": NAME},
    "spec": {
        "group": "monitoring.coreos.com",
        "scope": "Namespaced",
        "names": {
            "kind": "ServiceMonitor",
            "listKind": "ServiceMonitorList",
            "plural": "servicemonitors",
            "singular": "servicemonitor",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": _SPEC}}},
            }
        ],
    },
}


def _established(kube: KubeClient) -> bool:
    conditions = kube.request("GET", PATH).get("status", {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def _terminating(kube: KubeClient) -> bool:
    try:
        return "deletionTimestamp" in kube.request("GET", PATH)["metadata"]
    except NotFound:
        return False


@contextmanager
def service_monitor_crd(kube: KubeClient) -> Iterator[None]:
    """The CRD, installed for the block (left alone if someone else had installed it)."""
    wait_for(lambda: not _terminating(kube), what="an earlier ServiceMonitor CRD to go")
    try:
        kube.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=CRD)
        ours = True
    except Conflict:
        ours = False
    try:
        wait_for(lambda: _established(kube), what="the ServiceMonitor CRD to be established")
        yield
    finally:
        if ours:
            kube.request("DELETE", PATH)
