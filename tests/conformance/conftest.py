"""Fixtures of the conformance suite: one running controller per cloud, shared by that
cloud's cases (each case has a namespace of its own, hence Services and load balancers of its
own), and the hook that files every case's outcome under its upstream name.

Every case runs on aws-nlb and aws-classic (moto), gcp (the Compute fake) and openstack (the
real Octavia); a session without one of these stand-ins fails those cases loudly. The
controller is the real one (`tests.support.harness`), on the real API server, serving a
loadBalancerClass of this module's own and only the Nodes made here (a node selector).
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from typing import Any

import openstack
import pytest

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from tests.aws.conftest import make_world, provider_for
from tests.conftest import aws_backend_url, endpoint, gce_url
from tests.devenv.gcefake.gce import PROJECT, ZONES, Admin, Gce
from tests.gcp.conftest import make_provider as gcp_provider
from tests.openstack.conftest import make_provider as openstack_provider
from tests.support.harness import make_controller, running
from tests.support.objects import Nodes

from .case import Case, Stage
from .clouds import Aws, Cloud, Gcp, OpenStack
from .outcomes import CLOUDS, Verdict, file_outcome
from .upstream import NAMES

SELECTOR = "conformance.lbcontroller.io/stage"


def _aws(devenv: EnvState, nodes: Nodes, cluster: str, *, classic: bool) -> tuple[Cloud, Provider]:
    world = make_world(aws_backend_url(devenv, "moto"))
    node_of = {}
    for node in world.nodes:
        name = nodes.add(node.name, provider_id=node.provider_id, labels={SELECTOR: nodes.prefix})
        node_of[node.provider_id.rsplit("/", 1)[1]] = name
    return Aws(world, classic, node_of), provider_for(world, cluster=cluster)


def _gcp(devenv: EnvState, nodes: Nodes, cluster: str, stack: ExitStack) -> tuple[Cloud, Provider]:
    url = gce_url(devenv)
    admin, gce = Admin(url), Gce(url)
    stack.callback(gce.close)
    for zone, suffix in ((ZONES[0], "a0"), (ZONES[0], "a1"), (ZONES[1], "b0")):
        admin.instance(zone, f"{nodes.prefix}-{suffix}")
        nodes.add(
            suffix,
            provider_id=f"gce://{PROJECT}/{zone}/{nodes.prefix}-{suffix}",
            labels={SELECTOR: nodes.prefix},
        )
    return Gcp(gce), gcp_provider(url, cluster=cluster)


def _openstack(devenv: EnvState, nodes: Nodes, cluster: str) -> tuple[Cloud, Provider]:
    keys = ("OS_CLOUD", "OS_VIP_SUBNET_ID", "OS_FLOATING_NETWORK_ID", "OS_CLIENT_CONFIG_FILE")
    os_env = {key: endpoint(devenv, key) for key in keys}
    conn = openstack.connect(cloud=os_env["OS_CLOUD"])
    node_of = {}
    for i in range(3):
        ip = f"10.0.0.{11 + i}"
        node_of[ip] = nodes.add(f"o{i}", ip=ip, labels={SELECTOR: nodes.prefix})
    provider = openstack_provider(os_env, cluster=cluster, metrics=Metrics())
    return OpenStack(conn, node_of, os_env["OS_FLOATING_NETWORK_ID"], cluster), provider


def _cloud(
    name: str, devenv: EnvState, nodes: Nodes, cluster: str, stack: ExitStack
) -> tuple[Cloud, Provider]:
    if name.startswith("aws-"):
        return _aws(devenv, nodes, cluster, classic=name == "aws-classic")
    if name == "gcp":
        return _gcp(devenv, nodes, cluster, stack)
    return _openstack(devenv, nodes, cluster)


@pytest.fixture(scope="module", params=CLOUDS)
def stage(request: pytest.FixtureRequest, devenv: EnvState, kube: KubeClient) -> Iterator[Stage]:
    """One cloud's stand-in, its Nodes and a controller serving it, for a module's cases."""
    cluster = f"cf{uuid.uuid4().hex[:8]}"
    nodes = Nodes(kube)
    with ExitStack() as stack:
        stack.callback(nodes.cleanup)
        cloud, provider = _cloud(str(request.param), devenv, nodes, cluster, stack)
        lb_class = f"test.lbcontroller.io/conformance-{cluster}"
        controller = make_controller(
            kube,
            # keyed as the CLI keys routes (by the provider entry's name), which the
            # reconciler's record of what it applied names: a forced resync depends on it
            {provider.name: (provider, lb_class)},
            cluster=cluster,
            node_selector={SELECTOR: nodes.prefix},
            node_sync_delay=0.3,
        )
        made = Stage(kube, cloud, controller, cluster, lb_class, tuple(nodes.names))
        stack.callback(made.close)
        with running(controller):
            yield made


@pytest.fixture
def case(stage: Stage, namespace: str) -> Case:
    """One case's namespace on the shared stage."""
    return Case(stage, namespace)


@pytest.fixture
def verdict() -> Verdict:
    """What the case concludes (passes unless it says otherwise)."""
    return Verdict()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """File each case's outcome under its upstream name and cloud."""
    outcome = yield
    report = outcome.get_result()
    name = getattr(getattr(item, "function", None), "upstream", None)
    if call.when != "call" or name not in NAMES:
        return
    funcargs = getattr(item, "funcargs", {})
    stage: Stage | None = funcargs.get("stage") or getattr(funcargs.get("case"), "stage", None)
    if stage is not None:
        file_outcome(
            name, stage.cloud.name, funcargs.get("verdict") or Verdict(), failed=report.failed
        )
