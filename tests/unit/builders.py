"""Small builders of the core's records, so each test states only what it is about.

The Service starts from what the API server sends (`test_model` checks that parsing).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lbcontroller.model import Node, Service, ServicePort, service_from_json

HTTP = ServicePort(name="http", protocol="TCP", port=80, node_port=30080)

_SERVICE = service_from_json(
    {
        "metadata": {
            "namespace": "shop",
            "name": "web",
            "uid": "0b1c2d3e-0000-4000-8000-000000000001",
            "resourceVersion": "1",
            "creationTimestamp": "2024-05-01T12:00:00Z",
        },
        "spec": {
            "type": "LoadBalancer",
            "ports": [{"name": "http", "protocol": "TCP", "port": 80, "nodePort": 30080}],
            "ipFamilies": ["IPv4"],
        },
    }
)


def service(**changes: Any) -> Service:
    """A `type: LoadBalancer` Service `shop/web` with one TCP port 80 -> 30080, changed."""
    return dataclasses.replace(_SERVICE, **changes)


def node(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    taints: tuple[str, ...] = (),
    deleting: bool = False,
    ip: str | None = "10.0.0.1",
) -> Node:
    """A Node with an AWS-style providerID derived from its name."""
    return Node(
        name=name,
        labels=labels or {},
        taints=taints,
        provider_id=f"aws:///eu-west-1a/i-{name}",
        internal_ip=ip,
        deleting=deleting,
    )
