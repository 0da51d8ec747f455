"""How SDK failures are classified and translated (pure: the exceptions are built, not mocked)."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions
from google.auth.exceptions import TransportError
from google.cloud import compute_v1

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import PermanentError, RetryAfter
from providers.gcp.api import OperationFailed, blame, classify, translate


def _error(kind: type[exceptions.GoogleAPICallError], reason: str) -> Exception:
    return kind("refused", errors=[{"domain": "usageLimits", "reason": reason}])


def _failed(status: int, code: str) -> OperationFailed:
    done = compute_v1.Operation(
        name="operation-1",
        status=compute_v1.Operation.Status.DONE,
        http_error_status_code=status,
        error=compute_v1.Error(errors=[compute_v1.Errors(code=code, message="no")]),
    )
    return OperationFailed("addresses.insert", done)


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (_error(exceptions.TooManyRequests, "rateLimitExceeded"), Outcome.THROTTLED),
        (_error(exceptions.Forbidden, "rateLimitExceeded"), Outcome.THROTTLED),
        (_error(exceptions.Forbidden, "userRateLimitExceeded"), Outcome.THROTTLED),
        (_error(exceptions.Forbidden, "forbidden"), Outcome.FINAL),
        (_error(exceptions.InternalServerError, "backendError"), Outcome.TRANSIENT),
        (_error(exceptions.ServiceUnavailable, "backendError"), Outcome.TRANSIENT),
        (_error(exceptions.BadRequest, "invalid"), Outcome.FINAL),
        (_error(exceptions.NotFound, "notFound"), Outcome.FINAL),
        (_error(exceptions.Conflict, "alreadyExists"), Outcome.FINAL),
        (requests.ConnectionError("reset"), Outcome.TRANSIENT),
        (TransportError("no route"), Outcome.TRANSIENT),  # type: ignore[no-untyped-call]
        (_failed(503, "SERVICE_UNAVAILABLE"), Outcome.TRANSIENT),
        (_failed(403, "RATE_LIMIT_EXCEEDED"), Outcome.TRANSIENT),
        (_failed(400, "INVALID_FIELD_VALUE"), Outcome.FINAL),
        (ValueError("a bug"), Outcome.FINAL),
    ],
)
def test_classify(exc: Exception, outcome: Outcome) -> None:
    assert classify(exc) is outcome


def test_operation_failure_names_the_call_and_the_codes() -> None:
    message = str(_failed(400, "IP_IN_USE"))
    assert "addresses.insert failed (400)" in message
    assert "IP_IN_USE: no" in message


def test_translate_makes_a_stale_fingerprint_a_short_retry() -> None:
    stale = translate(_error(exceptions.PreconditionFailed, "conditionNotMet"), operation="x")
    assert isinstance(stale, RetryAfter)
    assert stale.delay <= 5
    other = _error(exceptions.BadRequest, "invalid")
    assert translate(other, operation="x") is other


@pytest.mark.parametrize(
    ("field", "exc", "permanent"),
    [
        ("spec.loadBalancerIP", _error(exceptions.BadRequest, "invalid"), True),
        ("spec.loadBalancerIP", _failed(400, "IP_IN_USE"), True),
        ("spec.loadBalancerIP", _failed(500, "INTERNAL_ERROR"), False),
        (None, _error(exceptions.BadRequest, "invalid"), False),
    ],
)
def test_blame_only_a_refusal_of_what_the_user_chose(
    field: str | None, exc: Exception, permanent: bool
) -> None:
    with pytest.raises(Exception) as caught, blame(field, what="the rule"):
        raise exc
    assert isinstance(caught.value, PermanentError) is permanent
    if permanent:
        assert isinstance(caught.value, PermanentError)
        assert caught.value.field == field
