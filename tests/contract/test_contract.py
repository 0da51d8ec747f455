"""The provider contract: what every provider kind must do, checked on each one's stand-in.

The cases drive providers only through the `Provider` protocol, with specs the core builds,
and look at the cloud only through the kind's own SDK clients and call recorder (`kind.py`).
What is cloud-specific (names, tags, quotas, zones, faults) stays in the per-cloud suites.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import suppress

import pytest

from lbcontroller.errors import PermanentError
from lbcontroller.model import Node, ServicePort
from lbcontroller.provider import LoadBalancerStatus, PlannedChange, Provider
from lbcontroller.spec import LoadBalancerRef
from tests.devenv.openstack_env.support import OPENSTACK_MARKS
from tests.support.builders import Port, Spec, service, spec_of

from .kind import Kind

pytestmark = OPENSTACK_MARKS

ONE: tuple[Port, ...] = ((80, "TCP", 30080),)
TWO: tuple[Port, ...] = ((80, "TCP", 30080), (443, "TCP", 30443))
NO_NODE_PORT = ServicePort("tcp-80", "TCP", 80, None)  # named as ONE's port is


def _spec(
    kind: Kind,
    provider: Provider,
    cluster: str,
    *,
    ports: tuple[Port, ...] = ONE,
    nodes: Sequence[Node] | None = None,
    name: str = "web",
) -> Spec:
    """The spec of Service `default/<name>` of this kind, on the first two nodes by default."""
    svc = service(name, ports=ports, annotations=kind.annotations)
    return spec_of(provider, svc, kind.nodes[:2] if nodes is None else nodes, cluster=cluster)


def _address(status: LoadBalancerStatus) -> str | None:
    (ingress,) = status.ingress
    return ingress.ip or ingress.hostname


def _cloud_ids(provider: Provider, ref: LoadBalancerRef) -> list[str]:
    return [owned.cloud_id for owned in provider.list_owned() if owned.ref == ref]


def _planned(changes: Sequence[PlannedChange]) -> Counter[str]:
    return Counter(change.operation for change in changes)


def _written(kind: Kind) -> Counter[str]:
    return Counter(kind.operation(call) for call in kind.calls.writes().elements())


def test_create_reports_an_address(kind: Kind, provider: Provider, cluster: str) -> None:
    spec = _spec(kind, provider, cluster)
    kind.calls.start()
    status = provider.ensure(spec)
    assert _address(status)
    assert kind.calls.writes()  # the recorder sees the provider's calls
    assert kind.members(spec.ref) == {"node-0", "node-1"}


@pytest.mark.parametrize("verify", [False, True], ids=["cheap", "verify"])
def test_a_second_ensure_only_reads(
    kind: Kind, provider: Provider, cluster: str, verify: bool
) -> None:
    spec = _spec(kind, provider, cluster)
    first = provider.ensure(spec)
    kind.calls.start()
    assert provider.ensure(spec, verify=verify) == first
    assert kind.calls.writes() == {}


def test_a_port_added_changes_the_load_balancer_in_place(
    kind: Kind, provider: Provider, cluster: str
) -> None:
    spec = _spec(kind, provider, cluster)
    before = _address(provider.ensure(spec))
    ids = _cloud_ids(provider, spec.ref)
    wider = _spec(kind, provider, cluster, ports=TWO)
    kind.calls.start()
    assert _address(provider.ensure(wider)) == before
    assert kind.calls.writes()
    assert _cloud_ids(provider, spec.ref) == ids
    assert list(provider.plan(wider)) == []


@pytest.mark.parametrize("told", [False, True], ids=["read", "told-previous"])
def test_a_node_change_writes_only_members(
    kind: Kind, provider: Provider, cluster: str, told: bool
) -> None:
    old = _spec(kind, provider, cluster, nodes=kind.nodes[:2])
    provider.ensure(old)
    ids = _cloud_ids(provider, old.ref)
    new = _spec(kind, provider, cluster, nodes=kind.nodes[1:])
    kind.calls.start()
    provider.update_backends(new, previous=old.backends if told else None)
    assert _written(kind)
    assert set(_written(kind)) <= kind.backend_writes
    assert kind.members(new.ref) == {"node-1", "node-2"}
    assert _cloud_ids(provider, new.ref) == ids
    kind.calls.start()
    provider.update_backends(new, previous=new.backends if told else None)
    provider.ensure(new)
    assert kind.calls.writes() == {}  # nothing left to do, on either path


def test_no_node_port_is_served_where_none_is_needed_and_refused_elsewhere(
    kind: Kind, provider: Provider, cluster: str
) -> None:
    """allocateLoadBalancerNodePorts false: only a provider that needs no NodePort serves it,
    and NodePorts allocated later (the switch to true) change nothing in the cloud."""
    bare = service("web", ports=(NO_NODE_PORT,), annotations=kind.annotations)
    if provider.needs_node_ports:
        with pytest.raises(PermanentError) as refused:
            spec_of(provider, bare, kind.nodes[:2], cluster=cluster)
        assert refused.value.field == "spec.ports"
        return
    spec = spec_of(provider, bare, kind.nodes[:2], cluster=cluster)
    before = _address(provider.ensure(spec))
    assert before and kind.members(spec.ref) == {"node-0", "node-1"}
    allocated = _spec(kind, provider, cluster)  # the same port, now with NodePort 30080
    kind.calls.start()
    assert _address(provider.ensure(allocated)) == before
    assert list(provider.plan(spec)) == []
    assert kind.calls.writes() == {}


def test_delete_leaves_nothing_of_ours(kind: Kind, provider: Provider, cluster: str) -> None:
    spec = _spec(kind, provider, cluster, ports=TWO)
    provider.ensure(spec)
    assert kind.remains(spec.ref)
    provider.ensure_deleted(spec.ref)
    assert _cloud_ids(provider, spec.ref) == []
    assert kind.remains(spec.ref) == []
    assert list(provider.plan_delete(spec.ref)) == []
    kind.calls.start()
    provider.ensure_deleted(spec.ref)  # absent is success
    assert kind.calls.writes() == {}


def test_a_look_alike_not_ours_is_untouched(kind: Kind, provider: Provider, cluster: str) -> None:
    spec = _spec(kind, provider, cluster)
    snapshot = kind.look_alike(spec.ref)
    before = snapshot()
    kind.calls.start()
    with pytest.raises(PermanentError):
        provider.ensure(spec)
    with pytest.raises(PermanentError):
        provider.plan(spec)
    with suppress(PermanentError):  # refused, or nothing of ours to update
        provider.update_backends(spec)
    provider.ensure_deleted(spec.ref)
    assert list(provider.plan_delete(spec.ref)) == []
    assert _cloud_ids(provider, spec.ref) == []
    assert kind.calls.writes() == {}
    assert snapshot() == before


def test_plan_is_what_the_next_ensure_writes(kind: Kind, provider: Provider, cluster: str) -> None:
    create = _spec(kind, provider, cluster)
    change = _spec(kind, provider, cluster, ports=TWO, nodes=kind.nodes[1:])
    for spec in (create, change, change):
        kind.calls.start()
        planned = provider.plan(spec)
        assert kind.calls.writes() == {}
        provider.ensure(spec)
        assert _planned(planned) == _written(kind)
    assert list(provider.plan(change)) == []


def test_plan_delete_is_what_the_next_delete_writes(
    kind: Kind, provider: Provider, cluster: str
) -> None:
    spec = _spec(kind, provider, cluster, ports=TWO)
    provider.ensure(spec)
    kind.calls.start()
    planned = provider.plan_delete(spec.ref)
    assert kind.calls.writes() == {}
    assert planned
    provider.ensure_deleted(spec.ref)
    assert _planned(planned) == _written(kind)


def test_list_owned_lists_what_was_ensured(kind: Kind, provider: Provider, cluster: str) -> None:
    specs = [_spec(kind, provider, cluster, name=name) for name in ("api", "web")]
    for spec in specs:
        provider.ensure(spec)
    owned = provider.list_owned()
    assert sorted(o.ref.name for o in owned) == sorted(s.ref.name for s in specs)
    assert {o.ref for o in owned} == {s.ref for s in specs}
    assert all(o.cloud_id for o in owned)
    assert list(kind.provider(f"{cluster}-other").list_owned()) == []
