"""Shared pytest fixtures: the environment env-up starts, a client, a namespace per test, and
the Go-built helm the chart and image tests render with (built on first use, never skipped).

One control plane per test session (`devenv.env.up`, which reuses a running `make env-up`),
torn down at the end only if this session started it. Integration tests that cannot reach a
server fail; nothing is skipped.
"""

from __future__ import annotations

import os
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devenv.env import down, up
from devenv.procs import EnvError, run_script
from devenv.state import EnvState, load, state_dir
from lbcontroller.kube import KubeClient, NotFound, load_configuration
from tests.helm.chart import Helm, HelmMissing, build_helm
from tests.support.objects import Nodes
from tests.support.upstream_aws import BUILD_SCRIPT as UPSTREAM_AWS_SCRIPT
from tests.support.upstream_openstack import BUILD_SCRIPT as UPSTREAM_OPENSTACK_SCRIPT

# Fixtures that need the local environment or a Go-built tool (`make prereqs`).
NEEDS_SETUP = frozenset({"devenv", "helm", "image", "upstream_aws", "upstream_openstack"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the local environment or a built tool (directly or through a
    fixture) `integration`, so `make check` (`-m "not integration"`) runs the server-free ones."""
    for item in items:
        if NEEDS_SETUP & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def devenv() -> Iterator[EnvState]:
    """The running environment (started here if `make env-up` was not run)."""
    before = load(state_dir())
    was_up = before is not None and before.all_alive()
    try:
        state = up()
    except EnvError as exc:
        pytest.fail(f"the local environment could not start: {exc}")
    os.environ.update(state.env)
    yield state
    if not was_up and not os.environ.get("LBC_KEEP_ENV"):
        down()


@pytest.fixture(scope="session")
def kube(devenv: EnvState) -> KubeClient:
    """An admin client of the real API server."""
    return KubeClient(load_configuration(devenv.env["KUBECONFIG"]))


@pytest.fixture(scope="session")
def helm() -> Helm:
    """helm from the cache (scripts/build-helm.sh builds it once); fails if it cannot."""
    try:
        return Helm(build_helm())
    except HelmMissing as exc:
        pytest.fail(f"helm is needed for the chart's tests and could not be built: {exc}")


@pytest.fixture
def namespace(kube: KubeClient) -> Iterator[str]:
    """A fresh namespace; its Services are deleted (finalizers stripped) afterwards."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": name}})
    yield name
    items, _ = kube.list(f"/api/v1/namespaces/{name}/services")
    for item in items:
        svc = item["metadata"]["name"]
        try:
            kube.patch_service(name, svc, {"metadata": {"finalizers": None}})
            kube.request("DELETE", f"/api/v1/namespaces/{name}/services/{svc}")
        except NotFound:
            pass


@pytest.fixture
def nodes(kube: KubeClient) -> Iterator[Nodes]:
    """Nodes made by the test, deleted afterwards."""
    made = Nodes(kube)
    yield made
    made.cleanup()


def endpoint(state: EnvState, key: str) -> str:
    """An endpoint env-up exported; fails loudly when that component is not up."""
    url = state.env.get(key)
    if not url:
        pytest.fail(f"{key} is not set: the environment did not start that component")
    return url


AWS_BACKENDS = {"moto": "MOTO_ENDPOINT_URL", "localstack": "LOCALSTACK_ENDPOINT_URL"}
_RESET = {"moto": "/moto-api/reset", "localstack": "/_localstack/state/reset"}


def aws_backend_url(state: EnvState, backend: str) -> str:
    """The endpoint of one AWS stand-in, emptied first."""
    url = endpoint(state, AWS_BACKENDS[backend])
    req = urllib.request.Request(url + _RESET[backend], method="POST", data=b"")
    urllib.request.urlopen(req, timeout=30).close()
    return url


def gce_url(state: EnvState) -> str:
    """The GCE fake's endpoint, emptied first."""
    url = endpoint(state, "GCE_ENDPOINT_URL")
    req = urllib.request.Request(url + "/_fake/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=30).close()
    return url


@pytest.fixture
def aws_endpoint(devenv: EnvState) -> str:
    """The AWS stand-in AWS_BACKEND names (moto by default), emptied before the test."""
    return aws_backend_url(devenv, devenv.env.get("AWS_BACKEND", "moto"))


def _upstream(script: Path, what: str) -> str:
    """An upstream manager's binary, built (once) by its script; fails the test if it cannot."""
    try:
        return run_script(script)
    except EnvError as exc:
        pytest.fail(f"{what} could not be built: {exc}")


@pytest.fixture(scope="session")
def upstream_aws() -> str:
    """The upstream aws-cloud-controller-manager binary (scripts/build-upstream-aws.sh)."""
    return _upstream(UPSTREAM_AWS_SCRIPT, "aws-cloud-controller-manager")


@pytest.fixture(scope="session")
def upstream_openstack() -> str:
    """The upstream openstack-cloud-controller-manager (scripts/build-upstream-openstack.sh)."""
    return _upstream(UPSTREAM_OPENSTACK_SCRIPT, "openstack-cloud-controller-manager")
