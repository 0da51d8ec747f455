"""The Compute API surface: route /compute/v1/... calls to collections and operations.

Order for each call: throttling, injected read failures, requestId replay, the collection's
validation, injected mutation failures, then apply and answer with an operation. Everything
runs under the state lock except an operation `wait`, which sleeps outside it.
"""

from __future__ import annotations

import re
import time
import uuid

from . import ops
from .backends import BackendServices, HealthChecks, InstanceGroups, Instances
from .errors import JSON, ApiError, invalid, unsupported
from .frontends import Addresses, Firewalls, ForwardingRules
from .legacy import GlobalHealthChecks, HttpHealthChecks, TargetPools
from .networks import Subnetworks
from .resources import Call, Collection, Mutation
from .store import State

COLLECTIONS: dict[tuple[str, str], Collection] = {
    (c.scope_kind, c.collection): c
    for c in (
        Addresses(),
        Subnetworks(),
        ForwardingRules(),
        Firewalls(),
        HealthChecks(),
        BackendServices(),
        InstanceGroups(),
        Instances(),
        GlobalHealthChecks(),
        HttpHealthChecks(),
        TargetPools(),
    )
}
READS = frozenset({"get", "list", "listInstances", "getHealth", "wait"})
_PATH_RE = re.compile(
    r"/compute/v1/projects/(?P<project>[^/]+)/(?P<scope>global|regions/[^/]+|zones/[^/]+)"
    r"/(?P<collection>[A-Za-z]+)(?:/(?P<name>[^/]+)(?:/(?P<verb>[A-Za-z]+))?)?/?"
)


def _is_uuid(text: str) -> bool:
    try:
        return uuid.UUID(text).int != 0
    except ValueError:
        return False


def route(method: str, path: str, query: dict[str, str], body: JSON) -> Call:
    """Split a request path into a Call (404 when it is not a Compute resource path)."""
    match = _PATH_RE.fullmatch(path)
    if match is None:
        raise ApiError(404, f"No Compute resource path: '{path}'.", "notFound")
    return Call(
        method,
        match["project"],
        match["scope"],
        match["collection"],
        match["name"],
        match["verb"],
        query,
        body,
    )


def handle(st: State, call: Call) -> JSON:
    """Answer one API call."""
    with st.lock:
        result = _locked(st, call)
    if isinstance(result, ops.OpRecord):
        time.sleep(min(result.remaining(), st.wait_cap))
        with st.lock:
            return ops.render(st, result)
    return result


def _operations(st: State, call: Call) -> JSON | ops.OpRecord:
    method = call.api_method
    if method == "list":
        return ops.list_ops(st, call.project, call.scope, call.query)
    if call.name is None or method not in ("get", "wait"):
        raise unsupported(f"operations.{method}")
    record = ops.find(st, call.project, call.scope, call.name)
    return record if method == "wait" else ops.render(st, record)


def _locked(st: State, call: Call) -> JSON | ops.OpRecord:
    throttled = st.faults.throttled()
    if throttled is not None:
        raise throttled
    method = call.api_method
    if method in READS:
        rule = st.faults.take(method, call.collection, call.name)
        if rule is not None:
            raise rule.http_error()
    if call.collection == "operations":
        return _operations(st, call)
    collection = COLLECTIONS.get((call.scope.split("/")[0], call.collection))
    if collection is None:
        raise unsupported(f"the collection {call.scope}/{call.collection}")
    request_id = call.query.get("requestId")
    if request_id is not None and not _is_uuid(request_id):
        raise invalid(f"Invalid value for field 'requestId': '{request_id}'. Must be a UUID.")
    replay = st.request_ids.get(f"{call.project}/{request_id}") if request_id else None
    if replay is not None and method not in READS:
        return ops.render(st, st.ops[replay])
    result = collection.handle(st, call)
    if not isinstance(result, Mutation):
        return result
    rule = st.faults.take(method, call.collection, call.name or call.body.get("name"))
    if rule is not None and rule.sync:
        raise rule.http_error()
    if rule is None:
        result.apply()
    record = ops.create(st, result.target, result.op_type, result.target_id, rule)
    if request_id:
        st.request_ids[f"{call.project}/{request_id}"] = (
            record.ref.project,
            record.ref.scope,
            record.ref.name,
        )
    return ops.render(st, record)
