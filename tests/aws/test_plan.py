"""`plan` / `plan_delete` report exactly the writes `ensure` / `ensure_deleted` then make."""

from __future__ import annotations

from collections import Counter

import pytest

from providers.aws.options import TYPE
from providers.aws.provider import AwsLoadBalancers

from .conftest import World
from .support import Calls, service, spec_of

pytestmark = pytest.mark.integration

PORTS = ((80, "TCP", 30080), (443, "TCP", 30443))


def _operations(calls: Calls) -> Counter[str]:
    return Counter(name.split(".")[1] for name in calls.writes().elements())


@pytest.mark.parametrize("kind", ["nlb", "classic"])
def test_plan_matches_the_writes_of_create_change_and_delete(
    world: World, provider: AwsLoadBalancers, calls: Calls, kind: str
) -> None:
    first = spec_of(provider, service(annotations={TYPE: kind}), world.nodes)
    second = spec_of(provider, service(ports=PORTS, annotations={TYPE: kind}), world.nodes[1:])
    for spec in (first, second, second):
        planned = provider.plan(spec)
        assert calls.writes() == {}
        provider.ensure(spec)
        assert Counter(change.operation for change in planned) == _operations(calls)
        calls.clear()
    planned = provider.plan_delete(first.ref)
    assert calls.writes() == {}
    assert {c.action for c in planned} >= {"delete"}
    provider.ensure_deleted(first.ref)
    assert Counter(change.operation for change in planned) == _operations(calls)
    assert provider.plan_delete(first.ref) == ()
