"""The bad-input matrix: every row gives a Warning Event naming the field or annotation, a
metric, no cloud write, no crash, and the controller goes on serving other Services.

Runs the example multi-cloud config (AWS on moto, GCP on our Compute fake) through the real
API server; one test per row.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devenv.demo_clouds import seed_aws, seed_gce
from devenv.procs import free_port, http_ok, start, stop, wait_ready
from devenv.state import EnvState
from lbcontroller.config import load_config
from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.registry import build_router
from providers.aws import options as aws
from providers.gcp import options as gcp
from tests.conftest import aws_backend_url, gce_url
from tests.devenv.gcefake.gce import Admin, Gce
from tests.gcp import views
from tests.gcp.support import squatter_ip
from tests.support.calls import BotoCalls, GceCalls
from tests.support.harness import running, settings, wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, events_for, get_service
from tests.test_multicloud import EXAMPLE

pytestmark = pytest.mark.integration
AWS, GCP = "lbcontroller.io/aws", "lbcontroller.io/gcp"
HTTP = [{"name": "http", "port": 80, "protocol": "TCP"}]


@dataclass
class Cluster:
    """The controller under test, what it serves, and what counts its cloud writes."""

    kube: KubeClient
    namespace: str
    controller: Controller
    aws_calls: BotoCalls
    gce_calls: GceCalls
    metrics: Metrics

    def cloud_writes(self) -> dict[str, int]:
        return {**self.aws_calls.writes(), **self.gce_calls.writes()}

    def warning_for(self, name: str) -> str:
        events = wait_for(
            lambda: [
                e for e in events_for(self.kube, self.namespace, name) if e["type"] == "Warning"
            ],
            what=f"a Warning Event on {name}",
        )
        assert events[0]["reason"] == "SyncLoadBalancerFailed"
        return str(events[0]["message"])

    def invalid_count(self, provider: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "lbcontroller_invalid_service_total", {"provider": provider}
        )
        return value or 0.0


@pytest.fixture
def cluster(
    devenv: EnvState,
    kube: KubeClient,
    namespace: str,
    nodes: Nodes,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cluster]:
    aws_seed = seed_aws(aws_backend_url(devenv, "moto"))
    gce_seed = seed_gce(gce_url(devenv))
    env = {
        **aws_seed.env(),
        "AWS_ENDPOINT_URL": aws_seed.endpoint,
        "GCE_ENDPOINT_URL": gce_seed.endpoint,
        "DEMO_METRICS_ADDRESS": "127.0.0.1:0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for cloud, machines in (("aws", aws_seed.nodes), ("gcp", gce_seed.nodes)):
        for name, provider_id, ip in machines:
            nodes.add(name, provider_id=provider_id, ip=ip, labels={"lbcontroller.io/cloud": cloud})
    metrics = Metrics()
    with BotoCalls().hooked() as aws_calls:  # records the calls of the clients made here
        router = build_router(load_config(EXAMPLE), metrics=metrics)
    made = Controller(
        client=kube, router=router, settings=settings(), metrics=metrics, identity="bad-input"
    )
    with running(made):
        tally = GceCalls(Admin(gce_seed.endpoint))
        tally.start()
        yield Cluster(kube, namespace, made, aws_calls, tally, metrics)


ANNOTATIONS = [
    (AWS, aws.TYPE, "alb"),
    # any P-internal value is valid (upstream's meaning: anything but empty or false is internal)
    (AWS, aws.SCHEME, "public"),
    (AWS, aws.HC_PROTOCOL, "UDP"),
    (AWS, aws.HC_PORT, "99999"),
    (AWS, aws.HC_PATH, "no-slash"),
    (AWS, aws.HC_INTERVAL, "4"),
    (AWS, aws.HC_TIMEOUT, "abc"),
    (AWS, aws.HC_HEALTHY, "11"),
    (AWS, aws.HC_UNHEALTHY, "1"),
    (AWS, aws.NODE_LABELS, "=novalue"),  # a bare key means "present", as upstream reads it
    (AWS, aws.PROXY_PROTOCOL, "v3"),
    (AWS, aws.CROSS_ZONE, "sometimes"),
    (AWS, aws.EXTRA_TAGS, "aws:reserved=1"),
    (AWS, aws.IDLE_TIMEOUT, "30"),
    (AWS, aws.SSL_PORTS, "https"),
    (AWS, aws.EIP_ALLOCATIONS, "eipalloc-1"),
    (AWS, aws.UNSUPPORTED[0], "true"),
    (GCP, gcp.TYPE, "Private"),
    (GCP, gcp.GLOBAL_ACCESS, "perhaps"),
    (GCP, gcp.NETWORK_TIER, "Gold"),
    (GCP, gcp.RBS, "disabled"),
]


def _still_serving(cluster: Cluster, lb_class: str) -> None:
    create_service(cluster.kube, cluster.namespace, "good", lb_class=lb_class, ports=HTTP)
    wait_for_ingress(cluster.kube, cluster.namespace, "good")


def _refused(
    cluster: Cluster, lb_class: str, *, annotations: dict[str, str] | None = None, **spec: Any
) -> str:
    """Create the bad Service; its Warning message, after checking nothing was written."""
    provider = {AWS: "aws-demo", GCP: "gcp-demo"}.get(lb_class, "")
    before = cluster.invalid_count(provider)
    create_service(
        cluster.kube,
        cluster.namespace,
        "bad",
        lb_class=lb_class,
        annotations=annotations,
        **{"ports": HTTP, **spec},
    )
    message = cluster.warning_for("bad")
    assert cluster.cloud_writes() == {}, "bad input reached the cloud"
    assert cluster.invalid_count(provider) == before + 1
    svc = get_service(cluster.kube, cluster.namespace, "bad")
    assert svc is not None and not svc.ingress and not svc.finalizers
    _still_serving(cluster, lb_class if provider else AWS)
    return message


@pytest.mark.parametrize(
    ("lb_class", "annotation", "value"),
    ANNOTATIONS,
    ids=[f"{c.split('/')[1]}:{a.rsplit('/', 1)[1]}" for c, a, _ in ANNOTATIONS],
)
def test_a_bad_annotation_value(
    cluster: Cluster, lb_class: str, annotation: str, value: str
) -> None:
    message = _refused(cluster, lb_class, annotations={annotation: value})
    assert annotation in message and repr(value) in message


@pytest.mark.parametrize(("lb_class", "count"), [(AWS, 61), (GCP, 5001)], ids=["aws", "gcp"])
def test_too_many_source_ranges_for_the_clouds_rule_limit(
    cluster: Cluster, lb_class: str, count: int
) -> None:
    ranges = [f"10.{i // 256}.{i % 256}.0/24" for i in range(count)]
    message = _refused(cluster, lb_class, loadBalancerSourceRanges=ranges)
    assert "loadBalancerSourceRanges" in message and str(count) in message


@pytest.mark.parametrize("lb_class", [AWS, GCP], ids=["aws", "gcp"])
def test_a_protocol_the_provider_cannot_serve(cluster: Cluster, lb_class: str) -> None:
    message = _refused(cluster, lb_class, ports=[{"name": "sig", "port": 9000, "protocol": "SCTP"}])
    assert "SCTP" in message and "spec.ports" in message


def test_source_ranges_gcp_cannot_serve(cluster: Cluster) -> None:
    # (a malformed CIDR never gets this far: the API server itself refuses it)
    message = _refused(cluster, GCP, loadBalancerSourceRanges=["2001:db8::/64"])
    assert "loadBalancerSourceRanges" in message and "IPv4" in message


def test_a_load_balancer_ip_aws_cannot_honour(cluster: Cluster) -> None:
    message = _refused(cluster, AWS, loadBalancerIP="198.51.100.7")
    assert "spec.loadBalancerIP" in message


def test_client_ip_affinity_aws_cannot_honour(cluster: Cluster) -> None:
    message = _refused(cluster, AWS, sessionAffinity="ClientIP")
    assert "spec.sessionAffinity" in message and "ClientIP" in message


def test_a_class_no_provider_serves(cluster: Cluster) -> None:
    message = _refused(cluster, "lbcontroller.io/azure")
    assert "'lbcontroller.io/azure'" in message


def test_a_load_balancer_ip_that_belongs_to_someone_else(
    cluster: Cluster, devenv: EnvState
) -> None:
    gce = Gce(devenv.env["GCE_ENDPOINT_URL"])
    taken = squatter_ip(gce)
    before = views.everything(gce)
    cluster.gce_calls.start()
    create_service(
        cluster.kube,
        cluster.namespace,
        "bad",
        lb_class=GCP,
        ports=HTTP,
        loadBalancerIP=taken,
    )
    message = cluster.warning_for("bad")
    assert "spec.loadBalancerIP" in message
    wait_for(cluster.controller.queue_idle, what="the queue to drain")
    assert views.everything(gce) == before, "a refused Service left cloud resources behind"
    _still_serving(cluster, GCP)
    gce.close()


@pytest.fixture
def guarded_moto(tmp_path: Path) -> Iterator[str]:
    """A second moto_server that checks credentials (INITIAL_NO_AUTH_ACTION_COUNT=0)."""
    port = free_port()
    proc = start(
        "moto-auth",
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        logs=tmp_path,
        env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, lambda: http_ok(f"{url}/moto-api/data.json"), timeout=30)
        yield url
    finally:
        stop(proc)


def test_a_provider_whose_credentials_are_wrong(
    cluster: Cluster, guarded_moto: str, kube: KubeClient
) -> None:
    config = load_config(EXAMPLE).model_copy(deep=True)
    wrong = config.providers[0].model_copy(
        update={
            "name": "aws-wrong",
            "endpoint": guarded_moto,
            "classes": ["test.lbcontroller.io/wrong"],
        }
    )
    metrics = Metrics()
    router = build_router(config.model_copy(update={"providers": [wrong]}), metrics=metrics)
    controller = Controller(
        client=kube,
        router=router,
        settings=settings(),
        metrics=metrics,
        identity="wrong-credentials",
    )
    with running(controller):
        create_service(
            kube, cluster.namespace, "locked", lb_class="test.lbcontroller.io/wrong", ports=HTTP
        )
        message = cluster.warning_for("locked")
        assert "InvalidClientTokenId" in message or "credentials" in message.lower()
        wait_for(
            lambda: (
                (
                    metrics.registry.get_sample_value(
                        "lbcontroller_loadbalancer_sync_total",
                        {"provider": "aws-wrong", "result": "error"},
                    )
                    or 0
                )
                >= 2
            ),
            what="a retry",
        )
        svc = get_service(kube, cluster.namespace, "locked")
        assert svc is not None and not svc.ingress
        assert controller.healthy()
    _still_serving(cluster, AWS)
