"""Two clouds from one controller: the example config, the real API server, moto and the GCE fake.

Services of two classes get load balancers on two clouds; a third class is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devenv.demo_clouds import seed_aws, seed_gce
from devenv.state import EnvState
from lbcontroller.config import load_config
from lbcontroller.controller import Controller
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.registry import build_router
from tests.conftest import aws_backend_url, gce_url
from tests.support.harness import running, settings, wait_for, wait_for_ingress
from tests.support.objects import Nodes, create_service, get_service

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "multicloud.yaml"


@pytest.fixture
def controller(
    devenv: EnvState, kube: KubeClient, nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Controller]:
    aws = seed_aws(aws_backend_url(devenv, "moto"))
    gce = seed_gce(gce_url(devenv))
    for key, value in {
        **aws.env(),
        "AWS_ENDPOINT_URL": aws.endpoint,
        "GCE_ENDPOINT_URL": gce.endpoint,
        "DEMO_METRICS_ADDRESS": "127.0.0.1:0",
    }.items():
        monkeypatch.setenv(key, value)
    for cloud, machines in (("aws", aws.nodes), ("gcp", gce.nodes)):
        for name, provider_id, ip in machines:
            nodes.add(name, provider_id=provider_id, ip=ip, labels={"lbcontroller.io/cloud": cloud})
    config = load_config(EXAMPLE)
    made = Controller(
        client=kube,
        router=build_router(config, metrics=Metrics()),
        settings=settings(),
        metrics=Metrics(),
        identity="multicloud",
    )
    with running(made):
        yield made


def test_two_classes_on_two_clouds_and_a_third_left_alone(
    kube: KubeClient, namespace: str, controller: Controller
) -> None:
    create_service(kube, namespace, "shop", lb_class="lbcontroller.io/aws")
    create_service(
        kube,
        namespace,
        "game",
        lb_class="lbcontroller.io/gcp",
        ports=[
            {"name": "play", "port": 7777, "protocol": "TCP"},
            {"name": "voice", "port": 7778, "protocol": "UDP"},
        ],
    )
    create_service(kube, namespace, "legacy", lb_class="example.com/other")

    found = wait_for_ingress(kube, namespace, "shop", "game")
    shop, game = found["shop"], found["game"]
    wait_for(controller.queue_idle, what="the queue to drain")
    assert shop.endswith(".elb.amazonaws.com")
    assert game.count(".") == 3  # an IPv4 address from the fake
    legacy = get_service(kube, namespace, "legacy")
    assert legacy is not None and not legacy.ingress and not legacy.finalizers
    provider_of = {
        name: (
            get_service(kube, namespace, name).annotations.get("lbcontroller.io/provider")  # type: ignore[union-attr]
        )
        for name in ("shop", "game")
    }
    assert provider_of == {"shop": "aws-demo", "game": "gcp-demo"}
