"""Translating openstacksdk's and keystoneauth's failures, in one place for the OpenStack provider.

Where it sits: `api.Api` turns every failed HTTP answer into openstacksdk's own exception
(`raise_from_response`), hands every failure to `classify` (the shared `CloudCaller` retry
policy: throttled, transient or final) and a finally failed one to `translate`; the finders use
`status_of` to tell "not found" from real failures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import PermanentError, RetryAfter

# Octavia's 409 while a load balancer is in an immutable PENDING_* state, for its children
# ("Load Balancer <id> is immutable and cannot be updated.") and for itself ("Invalid state
# PENDING_UPDATE of loadbalancer resource <id>").
_PENDING = ("is immutable", "invalid state pending")
PENDING_RETRY = 2.0  # seconds: a busy load balancer usually settles within one or two


def status_of(exc: BaseException) -> int:
    """The HTTP status of a failed call (0 when there was no HTTP answer)."""
    if isinstance(exc, sdk.HttpException):
        return int(exc.status_code or 0)
    if isinstance(exc, ksa.HttpError):
        return int(exc.http_status or 0)
    return 0


def details(exc: BaseException) -> str:
    """The service's own words for a failure."""
    if isinstance(exc, sdk.HttpException) and exc.details:
        return str(exc.details)
    return str(exc)


def is_pending(exc: BaseException) -> bool:
    """Whether `exc` is Octavia refusing a change because the load balancer is busy."""
    text = details(exc).lower()
    return status_of(exc) == 409 and any(mark in text for mark in _PENDING)


def classify(exc: Exception) -> Outcome:
    """Throttled (413, 429), transient (5xx, connection trouble, busy 409) or final."""
    if isinstance(exc, ksa.ConnectionError | ksa.RetriableConnectionFailure):
        return Outcome.TRANSIENT
    status = status_of(exc)
    if status in (413, 429):
        return Outcome.THROTTLED
    if status >= 500 or is_pending(exc):
        return Outcome.TRANSIENT
    return Outcome.FINAL


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Inside, a failure that `translate` maps is raised as what it maps to."""
    try:
        yield
    except Exception as exc:
        mapped = translate(exc, operation=operation)
        if mapped is exc:
            raise
        raise mapped from exc


def translate(exc: Exception, *, operation: str) -> Exception:
    """What a finally failed call raises: a short RetryAfter while the load balancer stays
    busy; PermanentError for a 400 (a value from the Service or the config was refused)."""
    if is_pending(exc):
        return RetryAfter(f"{operation}: {details(exc)}", delay=PENDING_RETRY)
    if status_of(exc) == 400:
        return PermanentError(f"OpenStack refused {operation}: {details(exc)}")
    return exc
