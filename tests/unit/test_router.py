"""Which provider serves a Service, and which Services are (or were) ours."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.model import FINALIZER
from lbcontroller.router import PROVIDER_ANNOTATION, Route, Router, recorded
from lbcontroller.spec import SpecSettings
from tests.support.builders import service
from tests.support.recording import RecordingProvider

CLASSES = {"example.com/nlb": "aws-main", "example.com/gce": "gce"}


def router(default: str | None = "aws-main") -> Router:
    routes = {
        name: Route(RecordingProvider(name=name), SpecSettings(cluster="c"))
        for name in ("aws-main", "gce")
    }
    return Router(routes=routes, classes=CLASSES, default=default)


RECORD: dict[str, Any] = {
    "finalizers": (FINALIZER,),
    "annotations": {PROVIDER_ANNOTATION: "gce"},
}


@pytest.mark.parametrize(
    ("changes", "default", "expected"),
    [
        pytest.param({}, "aws-main", "aws-main", id="no-class-default"),
        pytest.param({}, None, None, id="no-class-no-default"),
        pytest.param({"lb_class": "example.com/gce"}, None, "gce", id="class"),
        pytest.param({"lb_class": "example.com/other"}, "aws-main", None, id="unknown-class"),
        pytest.param({"type": "NodePort"}, "aws-main", None, id="not-lb"),
        pytest.param({"deleting": True}, "aws-main", None, id="deleting"),
    ],
)
def test_wanted(changes: dict[str, Any], default: str | None, expected: str | None) -> None:
    assert router(default).wanted(service(**changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(RECORD, "gce", id="finalizer-and-annotation"),
        pytest.param({"annotations": {PROVIDER_ANNOTATION: "gce"}}, None, id="no-finalizer"),
        pytest.param({"finalizers": (FINALIZER,)}, None, id="no-annotation"),
        pytest.param({"finalizers": ("other/finalizer",), "annotations": {}}, None, id="other"),
        pytest.param(
            {**RECORD, "finalizers": ("service.kubernetes.io/load-balancer-cleanup",)},
            "gce",
            id="made-by-an-older-lbcontroller-with-upstreams-finalizer",
        ),
        pytest.param(
            {"finalizers": ("service.kubernetes.io/load-balancer-cleanup",)},
            None,
            id="upstreams-finalizer-alone-is-upstreams",
        ),
    ],
)
def test_recorded(changes: dict[str, Any], expected: str | None) -> None:
    assert recorded(service(**changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"lb_class": "example.com/gce"}, True, id="wanted"),
        pytest.param({"lb_class": "example.com/other"}, False, id="not-ours"),
        pytest.param({"type": "ClusterIP", **RECORD}, True, id="type-changed-but-recorded"),
        pytest.param({"deleting": True, **RECORD}, True, id="deleting-recorded"),
        pytest.param(
            {"deleting": True, "lb_class": "example.com/gce"}, False, id="deleting-unrecorded"
        ),
        pytest.param(
            {
                "type": "ClusterIP",
                "finalizers": (FINALIZER,),
                "annotations": {PROVIDER_ANNOTATION: "another-controllers"},
            },
            False,
            id="recorded-by-a-provider-we-lack",
        ),
    ],
)
def test_claims(changes: dict[str, Any], expected: bool) -> None:
    assert router(default=None).claims(service(**changes)) is expected
