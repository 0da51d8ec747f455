"""Octavia request bodies for the desired listeners, pools and health monitors (pure).

Where it sits: `loadbalancers.create` nests them into one create call (Octavia's "fully
populated" load balancer); `ports` sends them one by one to an existing load balancer. Every
one carries the ownership tags.
"""

from __future__ import annotations

from typing import Any

from providers.openstack.api import JSON
from providers.openstack.desired import Desired, Port


def _named(want: Desired, port: Port, **fields: Any) -> JSON:
    return {"name": port.name, "tags": list(want.tags), **fields}


def listener(want: Desired, port: Port) -> JSON:
    """A listener (its pool is added by the caller)."""
    return _named(want, port, protocol=port.protocol, protocol_port=port.port, **port.listener)


def pool(want: Desired, port: Port) -> JSON:
    """A pool without members or monitor."""
    return _named(want, port, protocol=port.pool_protocol, lb_algorithm=port.lb_algorithm)


def monitor(want: Desired, port: Port) -> JSON:
    """The pool's health monitor (the port must want one)."""
    if port.monitor is None:
        raise ValueError(f"{port.name}: no health monitor is wanted")
    return _named(want, port, type=port.monitor.type, **port.monitor.settings)


def graph(want: Desired) -> JSON:
    """The whole load balancer in one body: listeners > pool > members and monitor."""
    listeners = []
    for port in want.ports:
        default_pool = {**pool(want, port), "members": list(port.members)}
        if port.monitor is not None:
            default_pool["healthmonitor"] = monitor(want, port)
        listeners.append({**listener(want, port), "default_pool": default_pool})
    return {
        "name": want.name,
        "description": f"Kubernetes Service {want.ref.service_key} in cluster "
        f"{want.ref.cluster}, managed by lbcontroller",
        "tags": [*want.tags, want.created_with],
        **want.placement,
        "listeners": listeners,
    }
