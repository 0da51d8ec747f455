"""The chart renders, lints, and says what it should: helm only, no cluster.

Where it sits: the fast half of the chart's tests; `test_dry_run.py` and `test_rbac.py` send
what is rendered here to the real API server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lbcontroller.config import parse_config
from tests.helm.chart import JSON, VALUES_FILES, Helm, by_kind, one, rendered_config

CASES = [None, *VALUES_FILES]
IDS = ["default", *(p.name.removesuffix("-values.yaml") for p in VALUES_FILES)]


def _values(case: Path | None) -> list[Path]:
    return [case] if case else []


def _values_file(name: str) -> Path:
    return next(p for p in VALUES_FILES if p.name == f"{name}-values.yaml")


def _container(objects: list[JSON]) -> JSON:
    containers = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["lbcontroller"]
    return dict(containers[0])


def test_every_scenario_has_a_values_file() -> None:
    assert {p.name for p in VALUES_FILES} == {
        "aws-only-values.yaml",
        "gcp-only-values.yaml",
        "openstack-only-values.yaml",
        "sidecar-values.yaml",
    }


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_lint_passes_strictly(helm: Helm, case: Path | None) -> None:
    done = helm.lint(_values(case))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_rendered_config_is_one_the_controller_accepts(helm: Helm, case: Path | None) -> None:
    objects = helm.template(namespace="lbc-ns", values=_values(case))
    config = parse_config(rendered_config(objects))
    assert config.controller.leader_election.enabled
    if case is None or case.name != "sidecar-values.yaml":
        assert config.controller.leader_election.namespace == "lbc-ns"


def test_defaults_two_replicas_with_leader_election_and_probes(helm: Helm) -> None:
    objects = helm.template(release="r1", namespace="lbc-ns")
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    container = _container(objects)
    assert container["args"] == ["run", "--config", "/etc/lbcontroller/config.yaml"]
    assert {
        "name": "POD_NAME",
        "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
    } in container["env"]
    assert container["ports"] == [{"name": "metrics", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert set(container["resources"]) == {"requests", "limits"}
    config = rendered_config(objects)
    assert config["controller"]["leaderElection"] == {
        "enabled": True,
        "name": "lbcontroller",
        "namespace": "lbc-ns",
    }


def test_the_metrics_port_follows_metrics_address(helm: Helm) -> None:
    objects = helm.template(sets=["config.controller.metricsAddress=0.0.0.0:9100"])
    assert _container(objects)["ports"][0]["containerPort"] == 9100
    service = one(objects, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"


def test_security_context_is_restricted(helm: Helm) -> None:
    objects = helm.template()
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = _container(objects)["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    tmp = next(v for v in pod["volumes"] if v["name"] == "lbcontroller-tmp")
    assert "emptyDir" in tmp
    mounts = {m["mountPath"]: m["name"] for m in _container(objects)["volumeMounts"]}
    assert mounts["/tmp"] == "lbcontroller-tmp"
    assert mounts["/etc/lbcontroller/config.yaml"] == "lbcontroller-config"


def test_a_config_change_rolls_the_pods(helm: Helm) -> None:
    def checksum(objects: list[JSON]) -> str:
        annotations = one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]
        return str(annotations["checksum/config"])

    before = checksum(helm.template())
    after = checksum(helm.template(sets=["config.clusterName=other"]))
    assert before != after


CLUSTER_RULES = [
    {
        "apiGroups": [""],
        "resources": ["services"],
        "verbs": ["get", "list", "watch", "patch", "update"],
    },
    {"apiGroups": [""], "resources": ["services/status"], "verbs": ["patch", "update"]},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rbac_is_least_privilege(helm: Helm, case: Path | None) -> None:
    objects = helm.template(release="r1", namespace="lbc-ns", values=_values(case))
    assert one(objects, "ClusterRole")["rules"] == CLUSTER_RULES
    role = one(objects, "Role")
    lease = rendered_config(objects)["controller"]["leaderElection"]
    assert role["metadata"]["namespace"] == lease["namespace"]
    assert role["rules"] == [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        {
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "resourceNames": [lease["name"]],
            "verbs": ["get", "update"],
        },
    ]
    subjects = {
        (s["kind"], s["namespace"], s["name"])
        for kind in ("ClusterRoleBinding", "RoleBinding")
        for s in one(objects, kind)["subjects"]
    }
    assert len(subjects) == 1
    if case is None or case.name != "sidecar-values.yaml":
        account = one(objects, "ServiceAccount")["metadata"]
        assert subjects == {("ServiceAccount", "lbc-ns", account["name"])}
        pod = one(objects, "Deployment")["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == account["name"]


def test_the_lease_role_follows_a_chosen_lease_namespace(helm: Helm) -> None:
    objects = helm.template(
        namespace="lbc-ns", sets=["config.controller.leaderElection.namespace=leases"]
    )
    assert one(objects, "Role")["metadata"]["namespace"] == "leases"
    assert one(objects, "RoleBinding")["metadata"]["namespace"] == "leases"
    assert one(objects, "RoleBinding")["subjects"][0]["namespace"] == "lbc-ns"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_credentials_only_by_reference(helm: Helm, case: Path | None) -> None:
    objects = helm.template(values=_values(case))
    assert not by_kind(objects, "Secret")
    for deployment in by_kind(objects, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for env in _container(objects)["env"]:
            assert set(env) in ({"name", "value"}, {"name", "valueFrom"})
            assert "secretKeyRef" not in env.get("valueFrom", {})
            if "value" in env:
                assert env["value"].startswith("/etc/lbcontroller/credentials/")
        for source in _container(objects).get("envFrom", []):
            assert set(source) == {"secretRef"}
        for volume in pod["volumes"]:
            assert set(volume) & {"configMap", "emptyDir", "secret"}


def test_openstack_clouds_yaml_is_mounted_from_its_secret(helm: Helm) -> None:
    objects = helm.template(values=[_values_file("openstack-only")])
    container = _container(objects)
    env = {e["name"]: e.get("value") for e in container["env"]}
    path = env["OS_CLIENT_CONFIG_FILE"]
    mount = next(m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    assert mount["readOnly"] is True
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["secret"]["secretName"] == "openstack-clouds"
    assert volume["secret"]["items"] == [{"key": "clouds.yaml", "path": "clouds.yaml"}]


@pytest.mark.parametrize(
    ("sets", "variable"),
    [
        (["credentials.aws.secretName=aws-creds"], "AWS_SHARED_CREDENTIALS_FILE"),
        (["credentials.gcp.secretName=gcp-key"], "GOOGLE_APPLICATION_CREDENTIALS"),
    ],
)
def test_credential_files_point_the_sdk_at_the_mount(
    helm: Helm, sets: list[str], variable: str
) -> None:
    env = {e["name"]: e.get("value") for e in _container(helm.template(sets=sets))["env"]}
    assert env[variable].startswith("/etc/lbcontroller/credentials/")


def test_env_from_an_existing_secret(helm: Helm) -> None:
    container = _container(helm.template(sets=["credentials.envFromSecret=aws-keys"]))
    assert container["envFrom"] == [{"secretRef": {"name": "aws-keys"}}]


def test_workload_identity_annotations(helm: Helm) -> None:
    aws = one(helm.template(values=[_values_file("aws-only")]), "ServiceAccount")
    assert aws["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/lbcontroller"
    }
    gcp = one(helm.template(values=[_values_file("gcp-only")]), "ServiceAccount")
    assert gcp["metadata"]["annotations"] == {
        "iam.gke.io/gcp-service-account": "lbcontroller@my-project.iam.gserviceaccount.com"
    }
    assert "annotations" not in one(helm.template(), "ServiceAccount")["metadata"]


def test_sidecar_renders_only_config_and_rbac(helm: Helm) -> None:
    objects = helm.template(namespace="kube-system", values=[_values_file("sidecar")])
    assert sorted(o["kind"] for o in objects) == [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Role",
        "RoleBinding",
    ]
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        assert one(objects, kind)["subjects"] == [
            {
                "kind": "ServiceAccount",
                "name": "cloud-controller-manager",
                "namespace": "kube-system",
            }
        ]


@pytest.mark.parametrize(("replicas", "expected"), [(1, 0), (2, 1), (3, 1)])
def test_pdb_only_with_more_than_one_replica(helm: Helm, replicas: int, expected: int) -> None:
    pdbs = by_kind(helm.template(sets=[f"replicas={replicas}"]), "PodDisruptionBudget")
    assert len(pdbs) == expected
    for pdb in pdbs:
        assert pdb["spec"]["minAvailable"] == 1


def test_service_monitor_is_off_by_default(helm: Helm) -> None:
    assert not by_kind(helm.template(), "ServiceMonitor")
    objects = helm.template(sets=["metrics.serviceMonitor.enabled=true"])
    monitor = one(objects, "ServiceMonitor")
    service = one(objects, "Service")
    labels = service["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ["config.controller.leaderElection.enabled=false"],
            "replicas is 2 but config.controller.leaderElection.enabled is false",
        ),
        (["config.controller.metricsAddress=127.0.0.1:8080"], "listens on loopback only"),
        (
            ["metrics.serviceMonitor.enabled=true", "metrics.service.enabled=false"],
            "metrics.serviceMonitor.enabled needs metrics.service.enabled",
        ),
    ],
)
def test_combinations_that_cannot_work_are_refused(
    helm: Helm, sets: list[str], message: str
) -> None:
    done = helm.template_run(sets=sets)
    assert done.returncode != 0
    assert message in done.stderr


def test_one_replica_may_run_without_leader_election(helm: Helm) -> None:
    objects = helm.template(sets=["replicas=1", "config.controller.leaderElection.enabled=false"])
    assert one(objects, "Deployment")["spec"]["replicas"] == 1
