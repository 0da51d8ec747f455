"""Fake-only endpoints under /_fake/ (never part of the real API).

POST /_fake/reset                 forget everything (settings back to the command line's)
GET  /_fake/calls[?since=N]       {"calls": [{method, path, verb, collection, status}], "next"}
POST /_fake/fail                  arm a failure: {"method", "collection", "name"?, "count"?,
                                  "code"?, "reason"?, "message"?, "sync"?}; {"clear": true}
POST /_fake/throttle              {"rate": 0..1, "codes"?: [403, 429], "seed"?}
POST /_fake/instances             create {project, zone, name, networkIP?, network?,
                                  subnetwork?, natIP?, status?, labels?, tags?}
POST /_fake/instances/delete      {project, zone, name}
POST /_fake/subnets               give a subnetwork a range {project, region, name, ipCidrRange}
                                  (IPv4 only; a dual-stack one is made with subnetworks.insert)
POST /_fake/config                {"op_delay"?: seconds, "wait_cap"?: seconds}
GET  /_fake/health                {"ok": true}
"""

from __future__ import annotations

from collections.abc import Callable

from .backends import create_instance, delete_instance
from .errors import JSON, ApiError, invalid
from .faults import FailRule
from .links import Ref, check_name
from .store import State

AdminHandler = Callable[[State, dict[str, str], JSON], JSON]


def _reset(st: State, query: dict[str, str], body: JSON) -> JSON:
    st.reset()
    return {"reset": True}


def _calls(st: State, query: dict[str, str], body: JSON) -> JSON:
    since = query.get("since", "0")
    start = int(since) if since.isdigit() else 0
    return {"calls": st.calls[start:], "next": len(st.calls)}


def _fail(st: State, query: dict[str, str], body: JSON) -> JSON:
    if body.get("clear"):
        st.faults.rules.clear()
    else:
        st.faults.rules.append(FailRule.from_json(body))
    return {"rules": len(st.faults.rules)}


def _throttle(st: State, query: dict[str, str], body: JSON) -> JSON:
    st.faults.set_throttle(body)
    return {"rate": st.faults.rate, "codes": list(st.faults.codes)}


def _subnets(st: State, query: dict[str, str], body: JSON) -> JSON:
    project, region = str(body.get("project", "")), str(body.get("region", ""))
    if not project or not region:
        raise invalid("'project' and 'region' are required.")
    ref = Ref(project, f"regions/{region}", "subnetworks", check_name(body.get("name")))
    net = st.ipam.define(st.links.of(ref), str(body.get("ipCidrRange", "")))
    return {"selfLink": st.links.of(ref), "ipCidrRange": str(net)}


def _config(st: State, query: dict[str, str], body: JSON) -> JSON:
    for key in ("op_delay", "wait_cap"):
        if key in body:
            value = body[key]
            if not isinstance(value, int | float) or value < 0:
                raise invalid(f"'{key}' must be a non-negative number.")
            setattr(st, key, float(value))
    return {"op_delay": st.op_delay, "wait_cap": st.wait_cap}


ROUTES: dict[tuple[str, str], AdminHandler] = {
    ("POST", "/_fake/reset"): _reset,
    ("GET", "/_fake/calls"): _calls,
    ("POST", "/_fake/fail"): _fail,
    ("POST", "/_fake/throttle"): _throttle,
    ("POST", "/_fake/instances"): lambda st, q, body: create_instance(st, body),
    ("POST", "/_fake/instances/delete"): lambda st, q, body: delete_instance(st, body),
    ("POST", "/_fake/subnets"): _subnets,
    ("POST", "/_fake/config"): _config,
    ("GET", "/_fake/health"): lambda st, q, body: {"ok": True},
}


def handle(st: State, method: str, path: str, query: dict[str, str], body: JSON) -> JSON:
    """Answer one admin call."""
    handler = ROUTES.get((method, path.rstrip("/")))
    if handler is None:
        raise ApiError(404, f"No fake admin endpoint {method} {path}.", "notFound")
    with st.lock:
        return handler(st, query, body)
