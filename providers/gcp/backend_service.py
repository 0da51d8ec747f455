"""The regional backend service: protocol, scheme, health check, and the zones' groups.

Where it sits: `ensure` converges it after the health check and the groups exist and after
forwarding rules it can no longer serve are gone; `update_backends` converges it when the set
of zones with nodes changes. A change is one update (PUT) carrying the fingerprint read; a
changed scheme cannot be updated, so the service is deleted and created again.
"""

from __future__ import annotations

from google.cloud import compute_v1

from lbcontroller.steps import Step, differences
from providers.gcp.context import Context, path
from providers.gcp.desired import Desired
from providers.gcp.steps import create, delete, modify

KIND = "backend-service"


def read(ctx: Context, d: Desired) -> compute_v1.BackendService | None:
    """The load balancer's backend service (None when absent), checked to be ours."""
    return d.mark.checked(ctx.api.get(ctx.backend_services, d.names.lb), KIND)


def wanted(d: Desired) -> compute_v1.BackendService:
    """The backend service `d` asks for."""
    where, group = d.where, d.names.group
    return compute_v1.BackendService(
        name=d.names.lb,
        description=d.mark.description,
        protocol=d.protocol,
        load_balancing_scheme=d.scheme,
        session_affinity=d.affinity,
        health_checks=[where.regional("healthChecks", d.names.lb)],
        backends=[
            compute_v1.Backend(
                group=where.zonal(zone, "instanceGroups", group), balancing_mode="CONNECTION"
            )
            for zone in d.members
        ],
    )


def _view(service: compute_v1.BackendService) -> dict[str, object]:
    return {
        "protocol": service.protocol,
        "scheme": service.load_balancing_scheme,
        "healthChecks": sorted(path(link) for link in service.health_checks),
        "groups": sorted(path(b.group) for b in service.backends),
        "balancing": sorted({b.balancing_mode for b in service.backends}),
        "affinity": service.session_affinity or "NONE",
    }


def steps(ctx: Context, d: Desired, *, current: compute_v1.BackendService | None) -> list[Step]:
    """Create, update (with the fingerprint) or re-create the backend service."""
    want = wanted(d)
    kind = ctx.backend_services
    if current is None:
        return [create(ctx.api, kind, want, label=KIND)]
    if current.load_balancing_scheme != want.load_balancing_scheme:
        detail = f"scheme {current.load_balancing_scheme} -> {want.load_balancing_scheme}"
        return [
            delete(ctx.api, kind, want.name, label=KIND, detail=detail),
            create(ctx.api, kind, want, label=KIND),
        ]
    old, new = _view(current), _view(want)
    if old == new:
        return []
    want.fingerprint = current.fingerprint
    detail = differences((key, old[key], new[key]) for key in new)
    return [modify(ctx.api, kind, want, verb="update", label=KIND, detail=detail)]
