"""Helpers for the AWS provider's tests: Service/Node builders and a botocore call recorder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.client import BaseClient

from lbcontroller.model import Node, Service, ServicePort
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.aws.provider import AwsLoadBalancers

CLUSTER = "test"
READ_PREFIXES = ("Describe",)


def service(
    *,
    name: str = "web",
    ports: Iterable[tuple[int, str, int]] = ((80, "TCP", 30080),),
    annotations: Mapping[str, str] | None = None,
    policy: str = "Cluster",
    health_node_port: int | None = None,
    source_ranges: tuple[str, ...] = (),
) -> Service:
    """A LoadBalancer Service in namespace `default`."""
    return Service(
        namespace="default",
        name=name,
        uid=f"uid-{name}",
        resource_version="1",
        type="LoadBalancer",
        lb_class=None,
        ports=tuple(
            ServicePort(name=f"p{port}{proto}", protocol=proto, port=port, node_port=node_port)
            for port, proto, node_port in ports
        ),
        annotations=dict(annotations or {}),
        source_ranges=source_ranges,
        external_traffic_policy=policy,
        health_check_node_port=health_node_port,
        load_balancer_ip=None,
        ip_families=("IPv4",),
        finalizers=(),
        deleting=False,
        ingress=(),
        created="",
    )


def node(name: str, provider_id: str) -> Node:
    """A plain, eligible Node."""
    return Node(
        name=name,
        labels={},
        taints=(),
        provider_id=provider_id,
        internal_ip=None,
        deleting=False,
    )


def spec_of(
    provider: AwsLoadBalancers, svc: Service, nodes: Iterable[Node]
) -> LoadBalancerSpec[Any]:
    """The spec the core would hand the provider."""
    return build_spec(svc, nodes, SpecSettings(cluster=CLUSTER), provider.parse_options)


class Calls:
    """Every API call the given clients make, as `service.Operation`."""

    def __init__(self, clients: Iterable[BaseClient]) -> None:
        self.made: list[str] = []
        self.params: list[dict[str, Any]] = []
        for client in clients:
            client.meta.events.register("before-call", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.made.append(f"{model.service_model.service_name}.{model.name}")
        self.params.append(params)

    def clear(self) -> None:
        """Forget what was recorded."""
        self.made.clear()
        self.params.clear()

    def mentioning(self, text: str) -> list[str]:
        """The calls whose parameters contain `text` anywhere."""
        return [
            call
            for call, params in zip(self.made, self.params, strict=True)
            if text in repr(params)
        ]

    def writes(self) -> Counter[str]:
        """The mutating calls and how often each was made."""
        return Counter(c for c in self.made if not c.split(".")[1].startswith(READ_PREFIXES))

    def reads(self) -> list[str]:
        """The read calls, in order."""
        return [c for c in self.made if c.split(".")[1].startswith(READ_PREFIXES)]
