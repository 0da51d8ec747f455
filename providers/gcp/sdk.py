"""Translating google-cloud-compute's failures, in one place for the whole GCP provider.

Where it sits: `api.Api` hands every failed call to `classify` (the shared `CloudCaller` retry
policy: throttled, transient or final) and a finally failed one to `translate`; an operation
that ends DONE with an error becomes an `OperationFailed` here; the steps use `reasons` and
`blame` where a refusal is the Service's doing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from google.api_core import exceptions
from google.auth.exceptions import TransportError
from google.cloud import compute_v1

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import PermanentError, RetryAfter

THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
IN_USE = "resourceInUseByAnotherResource"


class OperationFailed(Exception):
    """A Compute operation that finished DONE with an error (the change was not made)."""

    def __init__(self, operation: str, done: compute_v1.Operation) -> None:
        self.status = int(done.http_error_status_code)
        self.codes = tuple(e.code for e in done.error.errors)
        detail = "; ".join(f"{e.code}: {e.message}" for e in done.error.errors)
        super().__init__(f"{operation} failed ({self.status or 'no status'}): {detail}")

    @property
    def transient(self) -> bool:
        """Whether trying again may pass: a server-side fault or a rate limit."""
        limited = any("RATE_LIMIT" in code for code in self.codes)
        return self.status >= 500 or self.status == 429 or limited


def reasons(exc: BaseException) -> set[str]:
    """The `errors[].reason` values of an API error (empty for anything else)."""
    if not isinstance(exc, exceptions.GoogleAPICallError):
        return set()
    return {str(e.get("reason")) for e in exc.errors or () if isinstance(e, dict)}


def classify(exc: Exception) -> Outcome:
    """Throttled (429, 403 rate limits), transient (5xx, connection trouble) or final."""
    if isinstance(exc, OperationFailed):
        return Outcome.TRANSIENT if exc.transient else Outcome.FINAL
    if isinstance(exc, exceptions.TooManyRequests):
        return Outcome.THROTTLED
    if isinstance(exc, exceptions.Forbidden) and reasons(exc) & THROTTLE_REASONS:
        return Outcome.THROTTLED
    if isinstance(exc, exceptions.ServerError | TransportError | OSError):
        return Outcome.TRANSIENT
    return Outcome.FINAL


def translate(exc: Exception, *, operation: str) -> Exception:
    """What a finally failed call raises: a stale fingerprint is a short RetryAfter."""
    if isinstance(exc, exceptions.PreconditionFailed):
        return RetryAfter(f"{operation}: the resource changed meanwhile", delay=1.0)
    return exc


@contextmanager
def blame(field: str | None, *, what: str) -> Iterator[None]:
    """Inside, a refusal (400/404) of something the Service chose through `field` becomes a
    PermanentError naming it; with no field (nothing the user chose) errors pass unchanged."""
    try:
        yield
    except (exceptions.BadRequest, exceptions.NotFound, OperationFailed) as exc:
        user = not isinstance(exc, OperationFailed) or 400 <= exc.status < 500
        if field is None or not user:
            raise
        raise PermanentError(f"GCP refused {what} (check {field}): {exc}", field=field) from exc
