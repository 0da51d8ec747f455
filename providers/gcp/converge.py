"""The order of things for `ensure`/`plan` and for `update_backends`.

Where it sits: the provider's verbs call `converge` (full) or `refresh_backends` (members
only) with a `Journal` that applies the steps or only lists them. Everything is read first
(and checked to be ours) so a conflict stops the run before any write; then, in dependency
order: the shared groups (read and changed under one lock), health check, stale forwarding
rules out, backend service, groups of zones left with no node, addresses (IPv4, IPv6), forwarding
rules in, firewalls. A family the Service gains or loses (`ipFamilyPolicy` changed) adds or
removes only that family's rules, address and firewalls: the other family's stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import compute_v1

from lbcontroller.steps import Journal
from providers.gcp import (
    address,
    adoption,
    backend_service,
    families,
    firewalls,
    forwarding_rules,
    health_check,
    instance_groups,
)
from providers.gcp.context import Context
from providers.gcp.desired import IPV6, Desired


@dataclass(frozen=True, slots=True)
class Current:
    """What one load balancer looks like now (each part checked to be ours)."""

    health: compute_v1.HealthCheck | None
    backend: compute_v1.BackendService | None
    rules: dict[str, compute_v1.ForwardingRule]
    addresses: list[compute_v1.Address]
    firewalls: dict[str, compute_v1.Firewall]


def read(ctx: Context, d: Desired) -> Current:
    """The reads `converge` needs but the groups' (one call per kind)."""
    return Current(
        health=health_check.read(ctx, d),
        backend=backend_service.read(ctx, d),
        rules=forwarding_rules.read(ctx, d.names, mark=d.mark),
        addresses=address.read(ctx, d),
        firewalls=firewalls.read(ctx, d.names, mark=d.mark),
    )


def _members(
    ctx: Context, d: Desired, backend: compute_v1.BackendService | None, journal: Journal
) -> dict[str, instance_groups.Group]:
    """Read and converge the shared groups' members, one worker at a time."""
    with ctx.instance_groups_lock:
        found = instance_groups.read(ctx, d, backend=backend)
        journal.do(instance_groups.steps(ctx, d, found=found))
    return found


def converge(ctx: Context, d: Desired, *, journal: Journal) -> dict[str, str]:
    """Converge (or plan) the whole load balancer; the IP of each family served, in order.

    A load balancer cloud-provider-gcp made for the Service is taken over (`adoption`): its
    IP reserved as ours, its rule swapped for ours, then the rest of it removed. It is looked
    for (one read) only while the Service has no rule of ours.
    """
    now = read(ctx, d)
    d = families.settle(ctx, d)  # may refuse IPv6 the subnetwork lacks: before writes
    d = address.named(d, now.addresses)  # may refuse the user's addresses: before writes
    up = None if now.rules else adoption.find(ctx, d)  # ours exist: taken over, or never theirs
    d = adoption.keeping(d, up)
    choices = {"IPv4": address.choose(d, now.addresses), IPV6: address.choose6(d, now.addresses)}
    found = _members(ctx, d, now.backend, journal)  # a foreign group stops it: before writes
    journal.do(health_check.steps(ctx, d, current=now.health))
    guess = {family: choice.ip or address.NEW for family, choice in choices.items()}
    keep = forwarding_rules.kept(d, now.rules, ips=guess)
    journal.do(forwarding_rules.teardown(ctx, now.rules, keep=keep))
    journal.do(backend_service.steps(ctx, d, current=now.backend))
    journal.do(instance_groups.retired(ctx, d, found=found))
    ips: dict[str, str] = {}
    for family, choice in choices.items():
        journal.do(address.steps(ctx, d, choice=choice))
        ip = address.resolved(ctx, choice=choice, applied=journal.apply)
        if ip is not None:
            ips[family] = ip
    if up is not None:
        journal.do([adoption.swap(ctx, d, up)])
    journal.do(forwarding_rules.creation(ctx, d, keep=keep, ips=ips))
    journal.do(firewalls.steps(ctx, d, found=now.firewalls, ips=ips))
    if up is not None:
        journal.do(adoption.leftovers(ctx, up.names, d.mark.service or "", address=False))
    return {family: ips[family] for family in d.families}


def refresh_backends(ctx: Context, d: Desired, *, journal: Journal) -> None:
    """Converge the groups' members (and the service's zones); nothing before the LB exists."""
    current = backend_service.read(ctx, d)
    if current is None:
        return
    found = _members(ctx, d, current, journal)
    journal.do(backend_service.steps(ctx, d, current=current))
    journal.do(instance_groups.retired(ctx, d, found=found))
