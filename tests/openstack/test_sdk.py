"""classify and translate, table-driven, over the exceptions openstacksdk and keystoneauth raise
(answers built as requests.Response objects, turned into exceptions by openstacksdk itself)."""

from __future__ import annotations

import json

import pytest
import requests
from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import PermanentError, RetryAfter
from providers.openstack.api import classify, translate

IMMUTABLE = "Load Balancer 0e5c is immutable and cannot be updated."
INVALID_STATE = "Invalid state PENDING_UPDATE of loadbalancer resource 0e5c"
DUPLICATE = "Another Listener on this Load Balancer is already using protocol_port 80"


def answer(status: int, fault: str = "") -> Exception:
    """The exception openstacksdk raises for an Octavia-style error answer."""
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps({"faultcode": "Client", "faultstring": fault}).encode()
    try:
        sdk.raise_from_response(response)
    except sdk.SDKException as exc:
        return exc
    raise AssertionError(f"{status} raised nothing")


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (answer(409, IMMUTABLE), Outcome.TRANSIENT),
        (answer(409, INVALID_STATE), Outcome.TRANSIENT),
        (answer(409, DUPLICATE), Outcome.FINAL),
        (answer(429), Outcome.THROTTLED),
        (answer(413, "Quota exceeded"), Outcome.THROTTLED),
        (answer(500), Outcome.TRANSIENT),
        (answer(503), Outcome.TRANSIENT),
        (answer(400, "Validation failure: Invalid flavor_id."), Outcome.FINAL),
        (answer(403), Outcome.FINAL),
        (answer(404), Outcome.FINAL),
        (ksa.ConnectFailure("refused"), Outcome.TRANSIENT),
        (ksa.ConnectTimeout("slow"), Outcome.TRANSIENT),
        (ksa.Unauthorized(), Outcome.FINAL),
        (ksa.ServiceUnavailable(), Outcome.TRANSIENT),
        (ValueError("a bug"), Outcome.FINAL),
    ],
)
def test_classify(exc: Exception, outcome: Outcome) -> None:
    assert classify(exc) is outcome


def test_translate() -> None:
    busy = translate(answer(409, IMMUTABLE), operation="listeners.update")
    assert isinstance(busy, RetryAfter) and busy.delay == 2.0
    assert "listeners.update" in busy.reason
    refused = translate(answer(400, "Invalid flavor_id."), operation="loadbalancers.create")
    assert isinstance(refused, PermanentError)
    assert refused.message == "OpenStack refused loadbalancers.create: Invalid flavor_id."
    for passed in (answer(409, DUPLICATE), answer(500), ksa.ConnectFailure("refused")):
        assert translate(passed, operation="x") is passed
