"""Builders of the core's records (Service, Node, spec) for every test, so each states only
what it is about.

Where it sits: unit tests feed these to the pure core; provider and contract tests feed the
spec they make (as the reconciler would, through `build_spec`) to a provider's verbs. The
Service starts from what the API server sends (`tests/unit/test_model.py` checks that parsing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from lbcontroller.model import Node, Service, ServicePort, service_from_json
from lbcontroller.provider import Provider
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec

CLUSTER = "test"
Port = tuple[int, str, int]  # port, protocol, NodePort
Spec = LoadBalancerSpec[Any]
HTTP = ServicePort(name="http", protocol="TCP", port=80, node_port=30080)

_SERVICE = service_from_json(
    {
        "metadata": {
            "namespace": "default",
            "name": "web",
            "uid": "uid-web",
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


def port(item: Port | ServicePort) -> ServicePort:
    """A Service port; `(80, "TCP", 30080)` is named `tcp-80`."""
    if isinstance(item, ServicePort):
        return item
    number, protocol, node_port = item
    return ServicePort(f"{protocol.lower()}-{number}", protocol, number, node_port)


def service(
    name: str = "web",
    *,
    ports: Iterable[Port | ServicePort] = (HTTP,),
    annotations: Mapping[str, str] | None = None,
    **changes: Any,
) -> Service:
    """A `type: LoadBalancer` Service `default/<name>` (uid `uid-<name>`), one TCP port 80 ->
    30080 unless `ports` says otherwise; `changes` set any other field of the record."""
    fields = {"name": name, "uid": f"uid-{name}", **changes}
    return dataclasses.replace(
        _SERVICE,
        ports=tuple(port(p) for p in ports),
        annotations=dict(annotations or {}),
        **fields,
    )


def node(
    name: str,
    *,
    provider_id: str | None = None,
    ip: str | None = "10.0.0.1",
    labels: Mapping[str, str] | None = None,
    taints: tuple[str, ...] = (),
    deleting: bool = False,
) -> Node:
    """A Ready node with an InternalIP; its providerID is AWS-style, from its name, unless given."""
    return Node(
        name=name,
        labels=dict(labels or {}),
        taints=taints,
        provider_id=f"aws:///eu-west-1a/i-{name}" if provider_id is None else provider_id,
        internal_ips=() if ip is None else (ip,),
        deleting=deleting,
    )


def spec_of(
    provider: Provider, svc: Service, nodes: Iterable[Node] = (), *, cluster: str = CLUSTER
) -> Spec:
    """The spec the core would hand `provider` for `svc` in `cluster`."""
    settings = SpecSettings(cluster=cluster, needs_node_ports=provider.needs_node_ports)
    return build_spec(svc, nodes, settings, provider.parse_options)
