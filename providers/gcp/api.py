"""The one door to Compute Engine: every SDK call of the GCP provider, and how its failures
are classified and translated, in one place.

Where it sits: `providers.gcp.build` builds one `Api` per provider, with `classify` as the
shared `CloudCaller`'s retry policy (throttled, transient or final); every resource module,
`ownership` and `teardown` read and write through it. Each call runs under `CloudCaller` (rate
limit by family, retries, metrics) with the SDK's own retries off; a read of something absent
is None (`get`), a delete of something gone is done. A mutation carries a request id (so a
retried request is not applied twice) and is waited on through our own operations clients, on
the configured endpoint, until DONE; an operation DONE with an error raises `OperationFailed`.
A finally failed call goes through `translate`; the steps use `blame` where a refusal is the
Service's doing.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from google.api_core import exceptions
from google.auth.exceptions import TransportError
from google.cloud import compute_v1

from lbcontroller.cloudcall import CloudCaller, Outcome
from lbcontroller.errors import PermanentError, RetryAfter
from providers.gcp.context import Clients, Collection, last, path

T = TypeVar("T")
R = TypeVar("R")

CALL: dict[str, Any] = {"retry": None, "timeout": 60.0}
WAIT: dict[str, Any] = {"retry": None, "timeout": 150.0}  # the server waits up to 2 minutes
MAX_WAITS = 5  # of up to 2 minutes each
DONE = compute_v1.Operation.Status.DONE
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


class Api:
    """The clients plus the caller that every call goes through."""

    def __init__(self, *, clients: Clients, caller: CloudCaller) -> None:
        self.clients = clients
        self._caller = caller

    def read(self, operation: str, fn: Callable[[], T]) -> T:
        """One read under the read family's limit, retried when it may pass."""
        return self._run("read", operation, fn)

    def _run(self, family: str, operation: str, fn: Callable[[], T]) -> T:
        try:
            return self._caller.call(family, operation, fn)
        except Exception as exc:
            translated = translate(exc, operation=operation)
            if translated is exc:
                raise
            raise translated from exc

    def get(self, kind: Collection[R], name: str) -> R | None:
        """The named resource, or None when it does not exist."""
        request = {**kind.scope, kind.field: name}
        try:
            return cast(
                R, self.read(kind.operation("get"), lambda: kind.client.get(request, **CALL))
            )
        except exceptions.NotFound:
            return None

    def linked(self, kind: Collection[R], link: str) -> R | None:
        """The resource a full or partial link names (its own project and region or zone,
        e.g. a shared VPC's subnetwork), or None when it does not exist."""
        parts = path(link).split("/")
        scope = {"project": parts[1]}
        if len(parts) == 6:
            scope[parts[2][:-1]] = parts[3]  # regions/r -> region, zones/z -> zone
        located = dataclasses.replace(kind, scope=scope)
        return self.get(located, parts[-1])

    def listed(self, kind: Collection[R], query: str) -> list[R]:
        """Every resource matching the Compute list `query` (all pages)."""
        request = {**kind.scope, "filter": query, "max_results": 500}
        return self.read(kind.operation("list"), lambda: list(kind.client.list(request, **CALL)))

    def named(self, kind: Collection[R], names: Iterable[str]) -> dict[str, R]:
        """The resources of `kind` with one of these exact names, by name."""
        found = self.listed(kind, f'name eq "({"|".join(sorted(names))})"')  # RE2, full match
        return {cast(Any, item).name: item for item in found}

    def instances(self, kind: Collection[compute_v1.InstanceGroup], group: str) -> list[str] | None:
        """The links of every instance in a group (all pages; None when there is no group)."""
        request = {
            **kind.scope,
            kind.field: group,
            "instance_groups_list_instances_request_resource": {"instance_state": "ALL"},
        }
        operation = kind.operation("listInstances")
        try:
            found = self.read(operation, lambda: list(kind.client.list_instances(request, **CALL)))
        except exceptions.NotFound:
            return None
        return [item.instance for item in found]

    def insert(self, kind: Collection[R], resource: R) -> None:
        """Create a resource and wait for it."""
        self.mutate(kind, "insert", {f"{kind.field}_resource": resource})

    def delete(self, kind: Collection[R], name: str) -> None:
        """Delete a resource and wait; one already gone counts as deleted."""
        try:
            self.mutate(kind, "delete", {kind.field: name})
        except exceptions.NotFound:
            return

    def delete_unless_used(self, kind: Collection[R], name: str) -> bool:
        """Delete a resource unless another one still uses it (then, as when gone: done);
        whether it is gone."""
        try:
            self.delete(kind, name)
        except exceptions.BadRequest as exc:
            if IN_USE not in reasons(exc):
                raise
            return False
        return True

    def mutate(self, kind: Collection[Any], verb: str, fields: Mapping[str, Any]) -> None:
        """Any change (insert, delete, patch, update, addInstances, ...) and its wait."""
        method = getattr(kind.client, f"{_snake(verb)}_unary")
        request = {**kind.scope, **fields}
        self._change(
            kind.operation(verb), lambda rid: method({**request, "request_id": rid}, **CALL)
        )

    def _change(self, operation: str, send: Callable[[str], compute_v1.Operation]) -> None:
        """Send a mutation (same request id on a retried send) and wait until it is DONE.

        An operation that fails transiently is sent again under a new request id (the old one
        would replay the failure); anything else that fails is raised.
        """
        request_id = [str(uuid.uuid4())]

        def attempt() -> None:
            done = self._wait(send(request_id[0]))
            if done.error.errors:
                request_id[0] = str(uuid.uuid4())
                raise OperationFailed(operation, done)

        self._run("write", operation, attempt)

    def _wait(self, op: compute_v1.Operation) -> compute_v1.Operation:
        """Our own operations client's `wait` (never ExtendedOperation.result(), which polls
        Google's host whatever the endpoint), until DONE."""
        for _ in range(MAX_WAITS):
            if op.status == DONE:
                return op
            op = self.read(*self._waiter(op))
        raise RetryAfter(f"operation {op.name} is still running", delay=30.0)

    def _waiter(self, op: compute_v1.Operation) -> tuple[str, Callable[[], compute_v1.Operation]]:
        ops, where = self.clients, {"project": self.clients.project, "operation": op.name}
        if op.zone:
            request = {**where, "zone": last(op.zone)}
            return "zoneOperations.wait", lambda: ops.zone_ops.wait(request, **WAIT)
        if op.region:
            request = {**where, "region": last(op.region)}
            return "regionOperations.wait", lambda: ops.region_ops.wait(request, **WAIT)
        return "globalOperations.wait", lambda: ops.global_ops.wait(where, **WAIT)


def _snake(verb: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in verb)
