"""The upstream e2e tests this suite ports: Kubernetes' test/e2e/network/loadbalancer.go,
groups "LoadBalancers" and "LoadBalancers ESIPP", by their upstream names.

Where it sits: the test modules name the upstream test each case ports (`ported`), the outcome
hook (`outcomes.py`) files each run under that name, `render.py` lays the names out as the table
of docs/conformance.md, and `test_doc.py` checks the committed table lists every name here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

REPO = "kubernetes/kubernetes"
PATH = "test/e2e/network/loadbalancer.go"
COMMIT = "b421bde1de40530b51b4b88c736bb007ed9afb17"  # the suite as ported
# An older state of the same file, for the tests upstream dropped with the in-tree cloud
# providers (it ran them on GCE): the internal load balancer and the health check interval.
OLDER = "01aa0f3f6052c9866dcb69054d8924fa8c96e3cb"

LB = "LoadBalancers"
ESIPP = "LoadBalancers ESIPP"
OURS = "Beyond the upstream names"

# (group, name, the commit it is read from)
TESTS: tuple[tuple[str, str, str], ...] = (
    (LB, "should be able to change the type and ports of a TCP service", COMMIT),
    (LB, "should be able to change the type and ports of a UDP service", COMMIT),
    (LB, "should only allow access from service loadbalancer source ranges", COMMIT),
    (LB, "should have session affinity work for LoadBalancer service with ESIPP on", COMMIT),
    (
        LB,
        "should be able to switch session affinity for LoadBalancer service with ESIPP on",
        COMMIT,
    ),
    (LB, "should have session affinity work for LoadBalancer service with ESIPP off", COMMIT),
    (
        LB,
        "should be able to switch session affinity for LoadBalancer service with ESIPP off",
        COMMIT,
    ),
    (LB, "should handle load balancer cleanup finalizer for service", COMMIT),
    (LB, "should be able to create LoadBalancer Service without NodePort and change it", COMMIT),
    (
        LB,
        "should be able to preserve UDP traffic when server pod cycles for a LoadBalancer "
        "service on different nodes",
        COMMIT,
    ),
    (
        LB,
        "should be able to preserve UDP traffic when server pod cycles for a LoadBalancer "
        "service on the same nodes",
        COMMIT,
    ),
    (
        LB,
        "should not have connectivity disruption during rolling update with "
        "externalTrafficPolicy=Cluster",
        COMMIT,
    ),
    (
        LB,
        "should not have connectivity disruption during rolling update with "
        "externalTrafficPolicy=Local",
        COMMIT,
    ),
    (LB, "should be able to create an internal type load balancer", OLDER),
    (LB, "should reconcile LB health check interval", OLDER),
    (ESIPP, "should work for type=LoadBalancer", COMMIT),
    (ESIPP, "should work for type=NodePort", COMMIT),
    (ESIPP, "should only target nodes with endpoints", COMMIT),
    (ESIPP, "should work from pods", COMMIT),
    (ESIPP, "should handle updates to ExternalTrafficPolicy field", COMMIT),
    (OURS, "a requested static IP (spec.loadBalancerIP)", OLDER),
    (OURS, "mixed protocol: TCP and UDP on one Service", COMMIT),
)
NAMES = frozenset(name for _, name, _ in TESTS)


def ported(name: str) -> Callable[[F], F]:
    """Mark a case as the port of upstream test `name` (one of `TESTS`)."""
    if name not in NAMES:
        raise ValueError(f"not an upstream test this suite knows: {name!r}")

    def mark(case: F) -> F:
        case.upstream = name  # type: ignore[attr-defined]
        return case

    return mark
