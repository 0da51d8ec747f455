"""What the chart renders is accepted by the real kube-apiserver (server-side dry run).

Where it sits: renders with the Go-built helm (`chart.py`) and POSTs every object with
`dryRun=All` and strict field validation through the admin `KubeClient` (`apply.py`), into a
fresh release namespace; Pod Security "restricted" is checked by the server's own admission.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.state import EnvState
from lbcontroller.kube import MERGE_PATCH, KubeClient, KubeError, NotFound
from tests.helm.apply import dry_run
from tests.helm.chart import JSON, VALUES_FILES, Helm, one, sidecar_pod
from tests.helm.servicemonitor_crd import service_monitor_crd
from tests.support.harness import wait_for

pytestmark = pytest.mark.integration
CASES = [None, *VALUES_FILES]
IDS = ["default", *(p.name.removesuffix("-values.yaml") for p in VALUES_FILES)]
SIDECAR = next(p for p in VALUES_FILES if p.name == "sidecar-values.yaml")
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _values(case: Path | None) -> list[Path]:
    return [case] if case else []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_object_passes_a_server_side_dry_run(
    helm: Helm, kube: KubeClient, namespace: str, case: Path | None
) -> None:
    objects = helm.template(release="dry", namespace=namespace, values=_values(case))
    assert objects
    for obj in objects:
        answer = dry_run(kube, obj)
        assert (answer["kind"], answer["metadata"]["name"]) == (
            obj["kind"],
            obj["metadata"]["name"],
        )
        assert "uid" in answer["metadata"]


def test_the_service_monitor_passes_a_dry_run(helm: Helm, kube: KubeClient, namespace: str) -> None:
    objects = helm.template(
        release="dry", namespace=namespace, sets=["metrics.serviceMonitor.enabled=true"]
    )
    monitor = one(objects, "ServiceMonitor")
    with service_monitor_crd(kube):

        def accepted() -> JSON | None:
            try:
                return dry_run(kube, monitor)
            except NotFound:  # the new type is not served yet
                return None

        answer = wait_for(accepted, what="the ServiceMonitor dry run")
        assert answer is not None
        assert answer["spec"]["endpoints"] == monitor["spec"]["endpoints"]


def _enforce_restricted(kube: KubeClient, namespace: str) -> None:
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    kube.request(
        "PATCH",
        f"/api/v1/namespaces/{namespace}",
        body={"metadata": {"labels": labels}},
        content_type=MERGE_PATCH,
    )
    unconfined = _pod(namespace, "unconfined", {"containers": [{"name": "x", "image": "x"}]})
    with pytest.raises(KubeError) as refused:  # the checks below are not vacuous
        dry_run(kube, unconfined)
    assert refused.value.status == 403
    assert 'violates PodSecurity "restricted' in refused.value.message


def _pod(namespace: str, name: str, spec: JSON) -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@pytest.mark.parametrize("case", [c for c in CASES if c != SIDECAR], ids=IDS[:-1])
def test_the_pod_passes_pod_security_restricted(
    helm: Helm, kube: KubeClient, namespace: str, case: Path | None
) -> None:
    _enforce_restricted(kube, namespace)
    objects = helm.template(release="psa", namespace=namespace, values=_values(case))
    template = one(objects, "Deployment")["spec"]["template"]
    answer = dry_run(kube, _pod(namespace, "lbcontroller", template["spec"]))
    assert answer["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_sidecar_snippet_in_notes_makes_an_admissible_pod(
    helm: Helm, kube: KubeClient, namespace: str, devenv: EnvState
) -> None:
    notes = helm.notes(
        devenv.env["KUBECONFIG"], release="ccm", namespace=namespace, values=[SIDECAR]
    )
    snippet = sidecar_pod(notes)
    containers, volumes = snippet["containers"], snippet["volumes"]
    assert [c["name"] for c in containers] == ["lbcontroller"]
    ccm = {
        "name": "cloud-controller-manager",
        "image": "registry.k8s.io/provider-aws/cloud-controller-manager:v1.33.0",
        "args": ["--controllers=*,-service", "--cloud-provider=aws"],
        "securityContext": RESTRICTED,
    }
    spec = {
        "serviceAccountName": "cloud-controller-manager",
        "containers": [ccm, *containers],
        "volumes": volumes,
    }
    _enforce_restricted(kube, namespace)
    for obj in helm.template(release="ccm", namespace=namespace, values=[SIDECAR]):
        dry_run(kube, obj)
    answer = dry_run(kube, _pod(namespace, "cloud-controller-manager", spec))
    names = [c["name"] for c in answer["spec"]["containers"]]
    assert names == ["cloud-controller-manager", "lbcontroller"]
