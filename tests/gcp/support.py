"""What only the GCP provider's tests need beyond the shared builders and recorders
(`tests.support`): Nodes backed by instances of the Compute fake, a Service changed in place
with the writes that took, and an address someone else's forwarding rule holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from google.cloud import compute_v1

from lbcontroller.model import Node, Service
from providers.gcp.provider import GcpLoadBalancers
from tests.devenv.gcefake.gce import PROJECT, REGION, Admin, Gce
from tests.support.builders import Spec, node, spec_of
from tests.support.calls import GceCalls


def node_on(admin: Admin, zone: str, name: str) -> Node:
    """A Node whose instance the fake now holds."""
    admin.instance(zone, name)
    return node(name, provider_id=f"gce://{PROJECT}/{zone}/{name}", ip=None)


@dataclass(frozen=True)
class Change:
    """A Service changed in place: the IPs before and after, and the writes it took."""

    spec: Spec
    before: str | None
    after: str | None
    writes: Counter[str]


def change(
    provider: GcpLoadBalancers, tally: GceCalls, nodes: Iterable[Node], old: Service, new: Service
) -> Change:
    """Ensure `old`, then `new` (counting only the second ensure's calls)."""
    nodes = tuple(nodes)
    before = provider.ensure(spec_of(provider, old, nodes)).ingress[0].ip
    tally.start()
    spec = spec_of(provider, new, nodes)
    after = provider.ensure(spec).ingress[0].ip
    return Change(spec, before, after, tally.writes())


def squatter_ip(gce: Gce) -> str:
    """The address of a forwarding rule that is not ours (on an instance target)."""
    squatter = compute_v1.ForwardingRule(
        name="squatter", target=f"{gce.base}/zones/x/targetInstances/t"
    )
    gce.done(
        gce.forwarding_rules.insert(
            project=PROJECT, region=REGION, forwarding_rule_resource=squatter
        )
    )
    taken = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule="squatter")
    return str(taken.I_p_address)
