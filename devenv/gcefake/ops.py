"""Operations: every mutation answers with one; it is PENDING, then RUNNING, then DONE.

The status is derived from time: an operation is DONE `op_delay` seconds after it was created
(RUNNING from half-way). The change itself is applied when the request is accepted; an
operation carrying an injected failure ends DONE with `error` and the HTTP fields set, and its
change is never applied. `wait` blocks until DONE, for at most `State.wait_cap` seconds
(120 by default, like the real API's two minutes; the admin config endpoint can lower it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import JSON, http_phrase, not_found
from .faults import FailRule
from .links import Ref
from .listing import envelope, paginate
from .store import State


@dataclass
class OpRecord:
    """One operation: its fixed fields and the clock it runs on."""

    ref: Ref
    body: JSON
    started: float
    wall: float
    delay: float
    failure: FailRule | None

    def remaining(self, now: float | None = None) -> float:
        """Seconds until DONE (0 when done)."""
        current = time.monotonic() if now is None else now
        return max(0.0, self.started + self.delay - current)


def create(
    st: State, scope_ref: Ref, op_type: str, target_id: str, failure: FailRule | None
) -> OpRecord:
    """Record a new operation on the target resource scope_ref."""
    project, scope = scope_ref.project, scope_ref.scope
    wall = time.time()
    name = f"operation-{int(wall * 1000)}-{st.hex(13)}-{st.hex(8)}-{st.hex(8)}"
    ref = Ref(project, scope, "operations", name)
    body: JSON = {
        "kind": "compute#operation",
        "id": st.new_id(),
        "name": name,
        "operationType": op_type,
        "targetLink": st.links.of(scope_ref),
        "targetId": target_id,
        "user": "gcefake@example.com",
        "insertTime": st.timestamp(wall),
        "selfLink": st.links.of(ref),
    }
    if scope.startswith("regions/"):
        body["region"] = st.links.scope(project, scope)
    elif scope.startswith("zones/"):
        body["zone"] = st.links.scope(project, scope)
    record = OpRecord(ref, body, time.monotonic(), wall, st.op_delay, failure)
    st.ops[(project, scope, name)] = record
    return record


def render(st: State, record: OpRecord) -> JSON:
    """The operation as the API shows it now."""
    body = dict(record.body)
    elapsed = time.monotonic() - record.started
    if elapsed >= record.delay:
        body.update(
            status="DONE",
            progress=100,
            startTime=st.timestamp(record.wall),
            endTime=st.timestamp(record.wall + record.delay),
        )
        if record.failure is not None:
            body["error"] = record.failure.operation_error()
            body["httpErrorStatusCode"] = record.failure.code
            body["httpErrorMessage"] = http_phrase(record.failure.code)
    elif elapsed >= record.delay / 2:
        body.update(status="RUNNING", progress=50, startTime=st.timestamp(record.wall))
    else:
        body.update(status="PENDING", progress=0)
    return body


def find(st: State, project: str, scope: str, name: str) -> OpRecord:
    """The operation, or 404."""
    record = st.ops.get((project, scope, name))
    if record is None:
        raise not_found(f"projects/{project}/{scope}/operations/{name}")
    return record


def list_ops(st: State, project: str, scope: str, query: dict[str, str]) -> JSON:
    """GET .../operations."""
    items = [
        render(st, record) for (p, s, _), record in st.ops.items() if (p, s) == (project, scope)
    ]
    page, token = paginate(items, query, key=lambda item: str(item["name"]))
    ident = f"projects/{project}/{scope}/operations"
    return envelope("compute#operationList", ident, st.links.base + ident, page, token)
