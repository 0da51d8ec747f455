"""values.schema.json: refuses bad values files with a message naming the key, and carries the
config model's schema for `values.config`.

Where it sits: helm validates the merged values against the schema before rendering, in
`helm lint`, `helm template` and `helm install` alike; these tests write small bad values files
and read helm's answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helm.chart import Helm
from tests.helm.schema_sync import VALUES_SCHEMA, embedded

BAD = [
    ("replicas: two\n", "at '/replicas': got string, want integer"),
    ("replicaz: 2\n", "additional properties 'replicaz' not allowed"),
    ("image: {tagg: v1}\n", "additional properties 'tagg' not allowed"),
    (
        "credentials: {aws: {secretName: s, accessKeyId: AKIA}}\n",
        "additional properties 'accessKeyId' not allowed",
    ),
    ("credentials: {password: hunter2}\n", "additional properties 'password' not allowed"),
    (
        "config: {providers: [{name: a, type: aws, region: r, secretAccessKey: x}]}\n",
        "additional properties 'secretAccessKey' not allowed",
    ),
    ("config: {controller: {workers: 0}}\n", "at '/config/controller/workers'"),
    ("config: {clusterName: Not_Valid}\n", "at '/config/clusterName'"),
    ("workloadIdentity: {awsRoleArn: my-role}\n", "at '/workloadIdentity/awsRoleArn'"),
    ("sidecar: {enabled: yes please}\n", "at '/sidecar/enabled': got string, want boolean"),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad-values.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[0].split(":")[0] for b in BAD])
def test_helm_template_refuses_a_bad_values_file(
    helm: Helm, tmp_path: Path, text: str, message: str
) -> None:
    done = helm.template_run(values=[_write(tmp_path, text)])
    assert done.returncode != 0, f"accepted:\n{text}"
    assert "values don't meet the specifications of the schema" in done.stderr
    assert message in done.stderr, done.stderr


@pytest.mark.parametrize(("text", "message"), BAD[:2], ids=["wrong-type", "unknown-key"])
def test_helm_lint_refuses_a_bad_values_file(
    helm: Helm, tmp_path: Path, text: str, message: str
) -> None:
    done = helm.lint(values=[_write(tmp_path, text)])
    assert done.returncode != 0
    assert message in done.stdout + done.stderr


def test_values_schema_carries_the_config_models_schema() -> None:
    current = json.loads(VALUES_SCHEMA.read_text())
    assert current == embedded(current), (
        "helm/lbcontroller/values.schema.json is stale: run `python -m tests.helm.schema_sync`"
    )
