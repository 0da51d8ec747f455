"""The chart's RBAC, for real: the controller runs as the chart's ServiceAccount, and that
identity is refused everything else.

Where it sits: renders the default chart into a fresh namespace, applies its ServiceAccount,
ClusterRole(Binding) and Role(Binding) (`identity.py`), and runs `Controller` (with leader
election on, in the release namespace, as the rendered config says) authenticated by the
ServiceAccount's token, with the recording provider, through a Service's whole life.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devenv.state import EnvState
from lbcontroller.config import parse_config
from lbcontroller.kube import MERGE_PATCH, KubeClient, KubeError
from lbcontroller.model import FINALIZER
from lbcontroller.naming import lb_name
from tests.helm.chart import Helm, rendered_config
from tests.helm.identity import Identity, installed_identity
from tests.support.harness import CLUSTER, make_controller, running, wait_for
from tests.support.objects import (
    Nodes,
    create_service,
    delete_service,
    events_for,
    get_service,
    patch_service,
)
from tests.support.recording import RecordingProvider
from tests.support.tokens import token_client

pytestmark = pytest.mark.integration
IDENTITY = "lbcontroller-7d9f-abcde"


@pytest.fixture
def rendered(helm: Helm, namespace: str) -> list[dict[str, Any]]:
    """The default chart, released into the test's namespace under a unique name."""
    return helm.template(release=f"rbac-{uuid.uuid4().hex[:6]}", namespace=namespace)


@pytest.fixture
def identity(
    kube: KubeClient, devenv: EnvState, rendered: list[dict[str, Any]]
) -> Iterator[Identity]:
    """The chart's RBAC applied for real, and a client acting as its ServiceAccount."""
    with installed_identity(kube, devenv, rendered) as made:
        yield made


def _refused(call: Any, *args: Any, **kwargs: Any) -> KubeError:
    with pytest.raises(KubeError) as refused:
        call(*args, **kwargs)
    assert refused.value.status == 403, refused.value
    return refused.value


def test_the_controller_runs_a_service_through_its_life_as_the_chart_identity(
    kube: KubeClient,
    namespace: str,
    nodes: Nodes,
    rendered: list[dict[str, Any]],
    identity: Identity,
    caplog: pytest.LogCaptureFixture,
) -> None:
    election = parse_config(rendered_config(rendered)).controller.leader_election
    assert election.enabled
    assert election.namespace == namespace
    nodes.add("a", ip="10.0.0.1")
    provider = RecordingProvider()
    lb_class = f"test.lbcontroller.io/helm-{namespace}"
    controller = make_controller(
        identity.client,
        {"rec": (provider, lb_class)},
        identity=IDENTITY,
        leader_election=election,
    )
    lb = lb_name(CLUSTER, namespace, "web")
    caplog.set_level(logging.WARNING)
    with running(controller):
        lease = kube.request(
            "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{election.name}"
        )
        assert lease["spec"]["holderIdentity"] == IDENTITY

        create_service(kube, namespace, "web", lb_class=lb_class)
        wait_for(
            lambda: (s := get_service(kube, namespace, "web")) is not None and bool(s.ingress),
            what="the status to be written",
        )
        svc = get_service(kube, namespace, "web")
        assert svc is not None
        assert FINALIZER in svc.finalizers
        assert svc.ingress[0].ip == "192.0.2.1"

        patch_service(kube, namespace, "web", {"spec": {"ports": [{"port": 8080}]}})
        wait_for(lambda: ("update", lb) in provider.writes(), what="the update")

        delete_service(kube, namespace, "web")
        wait_for(lambda: get_service(kube, namespace, "web") is None, what="the Service to go")
    assert provider.writes() == [("create", lb), ("update", lb), ("delete", lb)]
    reasons = {e["reason"] for e in events_for(kube, namespace, "web")}
    assert {"EnsuredLoadBalancer", "DeletedLoadBalancer"} <= reasons
    lease = kube.request(
        "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{election.name}"
    )
    assert not lease["spec"].get("holderIdentity")  # released on stop, through `update`
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("lbcontroller")]
    assert not [p for p in problems if "403" in p or "forbidden" in p.lower()], problems

    event = events_for(kube, namespace, "web")[0]["metadata"]["name"]
    identity.client.patch_event(namespace, event, {"count": 7})  # the verb the recorder bumps with


def test_the_chart_identity_is_refused_everything_else(
    kube: KubeClient, namespace: str, nodes: Nodes, identity: Identity
) -> None:
    client = identity.client
    node = nodes.add("a")
    create_service(kube, namespace, "web", lb_class=None, type="ClusterIP")
    message = _refused(client.request, "GET", "/api/v1/secrets").message
    assert f"system:serviceaccount:{namespace}:{identity.account}" in message
    _refused(client.request, "GET", f"/api/v1/namespaces/{namespace}/secrets")
    _refused(client.request, "DELETE", f"/api/v1/namespaces/{namespace}/services/web")
    _refused(
        client.request,
        "PATCH",
        f"/api/v1/nodes/{node}",
        body={"metadata": {"labels": {"x": "y"}}},
        content_type=MERGE_PATCH,
    )
    _refused(create_service, client, namespace, "mine", lb_class=None)
    _refused(client.request, "GET", f"/api/v1/namespaces/{namespace}/configmaps")
    _refused(client.request, "GET", "/api/v1/pods")
    leases = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
    _refused(client.request, "GET", leases)
    _refused(client.request, "GET", f"{leases}/someone-elses")
    _refused(client.request, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/x")
    # and what it may do, it may do
    assert client.request("GET", f"/api/v1/namespaces/{namespace}/services/web")
    assert client.list("/api/v1/nodes")[0]


def _rules(client: KubeClient, namespace: str) -> set[tuple[str, str, str, str]]:
    """What `client` may do in `namespace`, as (group, resource, verb, name or *)."""
    review = client.request(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        body={"spec": {"namespace": namespace}},
    )
    return {
        (group, resource, verb, name)
        for rule in review["status"]["resourceRules"]
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule["verbs"]
        for name in rule.get("resourceNames") or ["*"]
    }


def test_the_chart_identity_holds_exactly_the_charts_rules(
    kube: KubeClient, devenv: EnvState, namespace: str, identity: Identity
) -> None:
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"metadata": {"name": "baseline"}},
    )
    baseline = _rules(token_client(kube, devenv, namespace, "baseline"), namespace)
    assert _rules(identity.client, namespace) - baseline == {
        ("", "services", "get", "*"),
        ("", "services", "list", "*"),
        ("", "services", "watch", "*"),
        ("", "services", "patch", "*"),
        ("", "services", "update", "*"),
        ("", "services/status", "patch", "*"),
        ("", "services/status", "update", "*"),
        ("", "nodes", "get", "*"),
        ("", "nodes", "list", "*"),
        ("", "nodes", "watch", "*"),
        ("", "events", "create", "*"),
        ("", "events", "patch", "*"),
        ("coordination.k8s.io", "leases", "create", "*"),
        ("coordination.k8s.io", "leases", "get", "lbcontroller"),
        ("coordination.k8s.io", "leases", "update", "lbcontroller"),
    }
