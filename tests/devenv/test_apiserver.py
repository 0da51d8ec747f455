"""The test environment is the real thing: behaviour only a real kube-apiserver shows."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from devenv.state import EnvState
from lbcontroller.kube import Conflict, Gone, KubeClient, KubeError
from tests.support.tokens import token_client


def _service(kube: KubeClient, namespace: str, name: str, **spec: object) -> dict[str, object]:
    body = {
        "metadata": {"name": name},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}], **spec},
    }
    return kube.request("POST", f"/api/v1/namespaces/{namespace}/services", body=body)


def test_load_balancer_service_gets_cluster_ip_and_node_ports(
    kube: KubeClient, namespace: str
) -> None:
    svc = _service(
        kube, namespace, "web", ports=[{"port": 80, "name": "http"}, {"port": 443, "name": "tls"}]
    )
    spec = svc["spec"]
    assert isinstance(spec, dict)
    assert spec["clusterIP"].startswith("10.96.")
    node_ports = [p["nodePort"] for p in spec["ports"]]
    assert len(set(node_ports)) == 2
    assert all(30000 <= p <= 32767 for p in node_ports)
    assert "healthCheckNodePort" not in spec


def test_local_traffic_policy_gets_health_check_node_port(kube: KubeClient, namespace: str) -> None:
    spec = _service(kube, namespace, "local", externalTrafficPolicy="Local")["spec"]
    assert isinstance(spec, dict)
    assert 30000 <= spec["healthCheckNodePort"] <= 32767


def test_service_cidrs_are_dual_stack(kube: KubeClient, namespace: str) -> None:
    spec = _service(kube, namespace, "dual", ipFamilyPolicy="RequireDualStack")["spec"]
    assert isinstance(spec, dict)
    assert spec["ipFamilies"] == ["IPv4", "IPv6"]
    assert spec["clusterIPs"][0].startswith("10.96.")
    assert spec["clusterIPs"][1].startswith("fd00:10:96::")


def test_stale_resource_version_is_refused_with_409(kube: KubeClient, namespace: str) -> None:
    svc = _service(kube, namespace, "stale")
    path = f"/api/v1/namespaces/{namespace}/services/stale"
    kube.request(
        "PATCH",
        path,
        body={"metadata": {"labels": {"a": "1"}}},
        content_type="application/merge-patch+json",
    )
    with pytest.raises(Conflict):
        kube.request("PUT", path, body=svc)


def _etcd(state: EnvState, call: str, body: dict[str, object]) -> dict[str, object]:
    req = urllib.request.Request(
        f"{state.env['ETCD_ENDPOINT']}/v3/{call}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        result: dict[str, object] = json.loads(resp.read())
        return result


def test_watch_from_compacted_version_gets_410(
    kube: KubeClient, namespace: str, devenv: EnvState
) -> None:
    old_rv = _service(kube, namespace, "w0")["metadata"]["resourceVersion"]  # type: ignore[index]
    for i in range(1, 4):
        _service(kube, namespace, f"w{i}")
    header = _etcd(devenv, "kv/range", {"key": base64.b64encode(b"/").decode()})["header"]
    assert isinstance(header, dict)
    _etcd(devenv, "kv/compaction", {"revision": header["revision"], "physical": True})
    with pytest.raises(Gone):
        for event in kube.watch(
            f"/api/v1/namespaces/{namespace}/services",
            resource_version=str(old_rv),
            timeout_seconds=5,
        ):
            if event["type"] == "ERROR" and event["object"].get("code") == 410:
                raise Gone(410, "Expired", event["object"]["message"])
            pytest.fail(f"watch from a compacted version delivered {event['type']}")


def _token_client(kube: KubeClient, devenv: EnvState, namespace: str) -> KubeClient:
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"metadata": {"name": "nobody"}},
    )
    return token_client(kube, devenv, namespace, "nobody")


def test_service_account_without_role_is_refused(
    kube: KubeClient, namespace: str, devenv: EnvState
) -> None:
    nobody = _token_client(kube, devenv, namespace)
    with pytest.raises(KubeError) as refused:
        nobody.request("GET", f"/api/v1/namespaces/{namespace}/services")
    assert refused.value.status == 403
    assert f"system:serviceaccount:{namespace}:nobody" in refused.value.message
