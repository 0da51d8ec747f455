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

from devenv.procs import http_ok
from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.support.cli_process import EXAMPLE, argv, exercise, prepare
from tests.support.harness import wait_for
from tests.support.objects import Nodes

ROOT = Path(__file__).resolve().parent.parent


def test_no_secret_reaches_logs_events_or_metrics(
    kube: KubeClient, namespace: str, nodes: Nodes, devenv: EnvState, tmp_path: Path
) -> None:
    prepared = prepare(kube, devenv, namespace, nodes, tmp_path)
    access_key = "AKIA" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    env = {
        **os.environ,
        **prepared.env,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("KUBECONFIG", None)
    command = argv(
        sys.executable, config=EXAMPLE, kubeconfig=prepared.kubeconfig, identity=f"scan-{namespace}"
    )
    log = tmp_path / "controller.log"
    with log.open("wb") as out:
        controller = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    try:
        wait_for(lambda: http_ok(f"http://{prepared.metrics}/readyz"), timeout=60, what="readiness")
        exercise(kube, namespace)
        with urllib.request.urlopen(f"http://{prepared.metrics}/metrics", timeout=10) as resp:
            scraped = resp.read().decode()
    finally:
        controller.terminate()
        controller.wait(30)
    events, _ = kube.list(f"/api/v1/namespaces/{namespace}/events")
    printed = log.read_text()
    assert "Ensured load balancer" in str(events) and "soon" in str(events)  # the run happened
    assert '"msg": "starting"' in printed
    haystack = "\n".join([printed, str(events), scraped])
    token = prepared.token
    for name, value in (
        ("AWS secret key", secret_key),
        ("AWS access key", access_key),
        ("ServiceAccount token", token),
        ("token tail", token[-24:]),
    ):
        assert value not in haystack, f"the {name} leaked"
