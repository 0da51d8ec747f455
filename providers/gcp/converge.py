"""The order of things for `ensure`/`plan` and for `update_backends`.

Where it sits: the provider's verbs call `converge` (full) or `refresh_backends` (members
only) with a `Journal` that applies the steps or only lists them. Everything is read first
(and checked to be ours) so a conflict stops the run before any write; then, in dependency
order: the shared groups (read and changed under one lock), health check, stale forwarding
rules out, backend service, groups of zones left with no node, address, forwarding rules in,
firewalls.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import compute_v1

from lbcontroller.steps import Journal
from providers.gcp import address, backend, firewalls, groups, health, rules
from providers.gcp.context import Context
from providers.gcp.desired import Desired


@dataclass(frozen=True, slots=True)
class Seen:
    """What one load balancer looks like now."""

    health: compute_v1.HealthCheck | None
    backend: compute_v1.BackendService | None
    rules: dict[str, compute_v1.ForwardingRule]
    addresses: list[compute_v1.Address]
    firewalls: dict[str, compute_v1.Firewall]


def _backend(ctx: Context, d: Desired) -> compute_v1.BackendService | None:
    found = ctx.api.get(ctx.backend_services, d.names.lb)
    return d.mark.checked(found, backend.KIND)


def look(ctx: Context, d: Desired) -> Seen:
    """The reads `converge` needs but the groups' (one call per kind)."""
    return Seen(
        health=d.mark.checked(ctx.api.get(ctx.health_checks, d.names.lb), health.KIND),
        backend=_backend(ctx, d),
        rules=rules.read(ctx, d.names, mark=d.mark),
        addresses=address.read(ctx, d),
        firewalls=firewalls.read(ctx, d.names, mark=d.mark),
    )


def _members(
    ctx: Context, d: Desired, backend: compute_v1.BackendService | None, journal: Journal
) -> dict[str, groups.Group]:
    """Read and converge the shared groups' members, one worker at a time."""
    with ctx.instance_groups_lock:
        found = groups.read(ctx, d, backend=backend)
        journal.do(groups.steps(ctx, d, found=found))
    return found


def converge(ctx: Context, d: Desired, *, journal: Journal) -> str:
    """Converge (or plan) the whole load balancer; the IP its rules use."""
    seen = look(ctx, d)
    choice = address.choose(d, seen.addresses)  # may refuse the user's address: before writes
    found = _members(ctx, d, seen.backend, journal)  # a foreign group stops it: before writes
    journal.do(health.steps(ctx, d, current=seen.health))
    keep = rules.kept(d, seen.rules, ip=choice.ip or address.NEW)
    journal.do(rules.teardown(ctx, seen.rules, keep=keep))
    journal.do(backend.steps(ctx, d, current=seen.backend))
    journal.do(groups.retired(ctx, d, found=found))
    journal.do(address.steps(ctx, d, choice=choice))
    ip = address.resolved(ctx, d, choice=choice, applied=journal.apply)
    journal.do(rules.creation(ctx, d, keep=keep, ip=ip))
    journal.do(firewalls.steps(ctx, d, found=seen.firewalls, ip=ip))
    return ip


def refresh_backends(ctx: Context, d: Desired, *, journal: Journal) -> None:
    """Converge the groups' members (and the service's zones); nothing before the LB exists."""
    current = _backend(ctx, d)
    if current is None:
        return
    found = _members(ctx, d, current, journal)
    journal.do(backend.steps(ctx, d, current=current))
    journal.do(groups.retired(ctx, d, found=found))
