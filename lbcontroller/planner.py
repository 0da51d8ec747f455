"""`lbcontroller plan`: what the next run would create, change or delete, writing nothing.

Where it sits: the CLI lists Services and Nodes once, then for every Service asks the same
questions the reconciler asks (which provider, which spec, is it valid) and lets each provider
compare the spec with the cloud (`Provider.plan`, read-only). Orphans that `gc` would find are
included as deletions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from lbcontroller.errors import PermanentError
from lbcontroller.gc import find_orphans
from lbcontroller.model import Node, Service
from lbcontroller.provider import OwnedLoadBalancer, PlannedChange
from lbcontroller.router import Router
from lbcontroller.spec import build_spec, ref_for


@dataclass(frozen=True)
class ServicePlan:
    """The plan for one Service (or one orphaned load balancer)."""

    service: str
    provider: str
    changes: tuple[PlannedChange, ...] = ()
    error: str = ""

    @property
    def state(self) -> str:
        """in-sync, pending or invalid."""
        if self.error:
            return "invalid"
        return "pending" if self.changes else "in-sync"

    def to_json(self) -> dict[str, object]:
        """For `--output json`."""
        return {
            "service": self.service,
            "provider": self.provider,
            "state": self.state,
            "error": self.error,
            "changes": [asdict(c) for c in self.changes],
        }


def _plan_service(service: Service, nodes: list[Node], router: Router) -> list[ServicePlan]:
    plans = []
    wanted, made_by = router.wanted(service), router.made_by(service)
    if made_by is not None and made_by != wanted:
        route = router.routes[made_by]
        changes = route.provider.plan_delete(ref_for(route.settings.cluster, service))
        plans.append(ServicePlan(service.key, made_by, tuple(changes)))
    if wanted is None:
        return plans
    route = router.routes[wanted]
    try:
        spec = build_spec(service, nodes, route.settings, route.provider.parse_options)
        route.provider.validate(spec)
    except PermanentError as exc:
        return [*plans, ServicePlan(service.key, wanted, error=exc.message)]
    return [*plans, ServicePlan(service.key, wanted, tuple(route.provider.plan(spec)))]


def plan_all(
    *,
    services: Iterable[Service],
    nodes: Iterable[Node],
    router: Router,
    owned: Mapping[str, Sequence[OwnedLoadBalancer]],
) -> list[ServicePlan]:
    """The plan for every Service we serve or served, and for every orphan."""
    services, node_list = list(services), list(nodes)
    plans = _once([p for s in services for p in _plan_service(s, node_list, router)])
    for orphan in find_orphans(owned=owned, services=services, router=router):
        changes = router.routes[orphan.provider].provider.plan_delete(orphan.owned.ref)
        plans.append(
            ServicePlan(
                f"{orphan.owned.ref.service_key} ({orphan.reason})", orphan.provider, tuple(changes)
            )
        )
    return plans


def _once(plans: list[ServicePlan]) -> list[ServicePlan]:
    """Drop a write already planned for an earlier Service of the same provider.

    Shared resources (e.g. a cluster-wide firewall rule) are planned by every Service that
    needs them, but the first reconcile makes them and the others find them.
    """
    seen: set[tuple[str, PlannedChange]] = set()
    out = []
    for plan in plans:
        fresh = tuple(c for c in plan.changes if (plan.provider, c) not in seen)
        seen.update((plan.provider, c) for c in plan.changes)
        out.append(dataclasses.replace(plan, changes=fresh))
    return out


def render(plans: Sequence[ServicePlan]) -> str:
    """A readable table: one line per Service, one indented line per change."""
    lines = [f"{'SERVICE':40} {'PROVIDER':12} STATE"]
    for plan in plans:
        lines.append(
            f"{plan.service:40} {plan.provider:12} {plan.state}"
            + (f": {plan.error}" if plan.error else "")
        )
        lines.extend(
            f"    {c.action:7} {c.kind:16} {c.name:34} {c.operation} {c.detail}".rstrip()
            for c in plan.changes
        )
    pending = sum(1 for p in plans if p.changes)
    lines.append(f"{pending} of {len(plans)} with pending changes")
    return "\n".join(lines)
