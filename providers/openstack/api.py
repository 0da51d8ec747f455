"""The one door to OpenStack: every Octavia and Neutron call of the provider, and what its
failures mean.

Where it sits: built once per provider by `providers.openstack.build`; every module that talks to
OpenStack reads with `get` / `list` and writes with `write` / `delete`, naming the operation by
the API's collection and verb (`listeners.create`, `members.batch_update`, `floatingips.update`)
for metrics and plans. Each call runs under `CloudCaller` (rate limit by family, retries,
metrics) with keystoneauth's own connect retries off; a failed HTTP answer becomes
openstacksdk's exception (`raise_from_response`), which `classify` sorts for the retry policy
(throttled, transient or final) and `translate` maps once retries are spent. Not found is an
answer here: `get` returns None and `delete` counts it as done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk
from openstack.connection import Connection

from lbcontroller.cloudcall import CloudCaller, Outcome
from lbcontroller.errors import PermanentError, RetryAfter

JSON = dict[str, Any]
OCTAVIA = "load-balancer"
NEUTRON = "network"
LOADBALANCERS = "/lbaas/loadbalancers"  # Octavia's collection of load balancers
_VERSIONED = re.compile(r"/v2(\.\d+)?/?$")  # the version at the end of Octavia's endpoint
MAX_PAGES = 50  # a listing that has not ended by then never will
# Octavia's 409 while a load balancer is in an immutable PENDING_* state, for its children
# ("Load Balancer <id> is immutable and cannot be updated.") and for itself ("Invalid state
# PENDING_UPDATE of loadbalancer resource <id>").
_PENDING = ("is immutable", "invalid state pending")
PENDING_RETRY = 2.0  # seconds: a busy load balancer usually settles within one or two


class Api:
    """The connection plus the caller that every call goes through."""

    def __init__(self, *, conn: Connection, caller: CloudCaller) -> None:
        self.conn = conn
        self._caller = caller

    def get(self, operation: str, service: str, path: str) -> JSON | None:
        """One resource, or None when it does not exist."""
        try:
            return self._call("read", operation, service, "GET", path)
        except sdk.HttpException as exc:
            if status_of(exc) == 404:
                return None
            raise

    def list(
        self, operation: str, service: str, path: str, params: Mapping[str, Any]
    ) -> list[JSON]:
        """Every item of a filtered listing (all pages); the items' key ends `path`."""
        key = path.rsplit("/", 1)[-1]
        items: list[JSON] = []
        url, query = path, dict(params)
        for _ in range(MAX_PAGES):
            page = self._call("read", operation, service, "GET", url, params=query)
            items.extend(page.get(key) or [])
            following = [
                link["href"] for link in page.get(f"{key}_links") or [] if link["rel"] == "next"
            ]
            if not following:
                return items
            url, query = following[0], {}  # the link carries the filters and the marker
        raise RuntimeError(f"{operation}: still paginating after {MAX_PAGES} pages")

    def octavia_versions(self) -> Sequence[JSON]:
        """Octavia's version document (at its root: the endpoint without its version)."""
        root = _VERSIONED.sub("/", str(self.conn.load_balancer.get_endpoint()))
        found = self.get("versions.list", OCTAVIA, root) or {}
        return tuple(found.get("versions") or ())

    def write(
        self, operation: str, service: str, method: str, path: str, body: JSON | None = None
    ) -> JSON:
        """Send one change; the service's answer."""
        return self._call("write", operation, service, method, path, body=body)

    def delete(self, operation: str, service: str, path: str) -> None:
        """Delete one resource; one already gone counts as deleted."""
        try:
            self.write(operation, service, "DELETE", path)
        except sdk.HttpException as exc:
            if status_of(exc) != 404:
                raise

    def _call(
        self,
        family: str,
        operation: str,
        service: str,
        method: str,
        path: str,
        *,
        body: JSON | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> JSON:
        def send() -> JSON:
            proxy = self.conn.load_balancer if service == OCTAVIA else self.conn.network
            response = proxy.request(path, method, connect_retries=0, json=body, params=params)
            sdk.raise_from_response(response)
            return dict(response.json()) if response.content else {}

        with translated(operation):
            return self._caller.call(family, operation, send)


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
