"""Helpers for the GCP provider's tests: Services as the API server sends them, Nodes backed
by instances of the Compute fake, specs as the core builds them, and a tally of the calls the
fake logged."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lbcontroller.model import Node, Service, node_from_json, service_from_json
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, Admin

CLUSTER = "test"
READS = frozenset({"get", "list", "listInstances", "aggregatedList", "getHealth", "wait"})
Port = tuple[int, str, int]
Spec = LoadBalancerSpec[Any]


def service(
    *,
    ports: Iterable[Port] = ((80, "TCP", 30080),),
    annotations: Mapping[str, str] | None = None,
    name: str = "web",
    **spec: Any,
) -> Service:
    """A LoadBalancer Service `default/<name>`; `spec` adds raw fields (camelCase)."""
    raw = {
        "metadata": {"namespace": "default", "name": name, "uid": f"uid-{name}"},
        "spec": {
            "type": "LoadBalancer",
            "ports": [{"protocol": p, "port": n, "nodePort": np} for n, p, np in ports],
            "ipFamilies": ["IPv4"],
            **spec,
        },
    }
    return dataclasses.replace(service_from_json(raw), annotations=dict(annotations or {}))


def node_on(admin: Admin, zone: str, name: str) -> Node:
    """A Node whose instance the fake now holds."""
    admin.instance(zone, name)
    return node_from_json(
        {"metadata": {"name": name}, "spec": {"providerID": f"gce://{PROJECT}/{zone}/{name}"}}
    )


def spec_of(provider: GcpLoadBalancers, svc: Service, nodes: Iterable[Node]) -> Spec:
    """The spec the core would hand the provider."""
    return build_spec(svc, nodes, SpecSettings(cluster=CLUSTER), provider.parse_options)


@dataclass(frozen=True)
class Change:
    """A Service changed in place: the IPs before and after, and the writes it took."""

    spec: Spec
    before: str | None
    after: str | None
    writes: Counter[str]


def change(
    provider: GcpLoadBalancers, tally: Tally, nodes: Iterable[Node], old: Service, new: Service
) -> Change:
    """Ensure `old`, then `new` (counting only the second ensure's calls)."""
    nodes = tuple(nodes)
    before = provider.ensure(spec_of(provider, old, nodes)).ingress[0].ip
    tally.start()
    spec = spec_of(provider, new, nodes)
    after = provider.ensure(spec).ingress[0].ip
    return Change(spec, before, after, tally.writes())


class Tally:
    """The Compute calls the fake logged since `start()`, as `collection.verb`."""

    def __init__(self, admin: Admin) -> None:
        self._admin = admin
        self._since = 0

    def start(self) -> None:
        """Count from now on."""
        self._since = int(self._admin.call("GET", "/_fake/calls?since=0")["next"])

    def _calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._admin.call("GET", f"/_fake/calls?since={self._since}")[
            "calls"
        ]
        return calls

    def writes(self) -> Counter[str]:
        """Mutating calls (listInstances and operation waits are POSTs, but reads)."""
        return Counter(
            f"{c['collection']}.{c['verb']}" for c in self._calls() if c["verb"] not in READS
        )

    def reads(self) -> list[str]:
        """Read calls, in order, operation waits left out."""
        return [
            f"{c['collection']}.{c['verb']}"
            for c in self._calls()
            if c["verb"] in READS and c["verb"] != "wait"
        ]
