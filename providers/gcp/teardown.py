"""Deleting one load balancer: only what carries our mark, in dependency order.

Where it sits: the provider's `ensure_deleted` (apply) and `plan_delete` (list). Forwarding
rules go first (they hold the address and the backend service), then the backend service, the
health check, the cluster's groups it named (each only when no other backend service uses it:
the API refuses that, and the refusal is success here), the firewall rules and our address. A
user-reserved address is never ours, so never deleted; anything same-named without our mark
is left alone. Absent counts as done. Then what cloud-provider-gcp made for the Service, if
anything (`adoption.leftovers`): its rule, target pool or backend service, health checks,
firewalls and address, the cluster's shared ones only when no longer used.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

from google.cloud import compute_v1

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Step
from providers.gcp import (
    address,
    adoption,
    backend_service,
    firewalls,
    forwarding_rules,
    health_check,
    instance_groups,
)
from providers.gcp.context import Collection, Context
from providers.gcp.desired import Names
from providers.gcp.ownership import TOOK_OVER, Mark
from providers.gcp.steps import delete
from providers.gcp.upstream import names_for, tied

log = logging.getLogger(__name__)


def _ours(mark: Mark, found: object, kind: str) -> bool:
    if found is None:
        return False
    if mark.on(found):
        return True
    log.warning("leaving a same-named %s that is not ours: %s", kind, getattr(found, "name", ""))
    return False


def _single(ctx: Context, kind: Collection[Any], name: str, mark: Mark, label: str) -> list[Step]:
    found = ctx.api.get(kind, name)
    return [delete(ctx.api, kind, name, label=label)] if _ours(mark, found, label) else []


def _named(
    ctx: Context, kind: Collection[Any], names: Iterable[str], mark: Mark, label: str
) -> list[Step]:
    found = ctx.api.named(kind, names)
    return [
        delete(ctx.api, kind, name, label=label)
        for name, item in sorted(found.items())
        if _ours(mark, item, label)
    ]


def steps(ctx: Context, ref: LoadBalancerRef) -> list[Step]:
    """Read what is there (ours only) and return its deletion, in dependency order."""
    names, mark = Names.of(ref, ctx.where), Mark.of(ref)
    theirs = names_for(ref, ctx.where)
    wanted = [*forwarding_rules.names_of(names), *([theirs.lb] if theirs else [])]
    rules = ctx.api.named(ctx.forwarding_rules, wanted)  # upstream's too: the same one call
    ours = {
        name: rule
        for name, rule in sorted(rules.items())
        if (theirs is None or name != theirs.lb) and _ours(mark, rule, forwarding_rules.KIND)
    }
    out = [delete(ctx.api, ctx.forwarding_rules, n, label=forwarding_rules.KIND) for n in ours]
    service = ctx.api.get(ctx.backend_services, names.lb)
    zones: set[str] = set()
    if _ours(mark, service, backend_service.KIND):
        zones = instance_groups.zones_of(service, group=names.group)
        out.append(delete(ctx.api, ctx.backend_services, names.lb, label=backend_service.KIND))
    out += _single(ctx, ctx.health_checks, names.lb, mark, health_check.KIND)
    out += [instance_groups.retirement(ctx, zone=zone, group=names.group) for zone in sorted(zones)]
    out += _named(ctx, ctx.firewalls, firewalls.names_of(names), mark, firewalls.KIND)
    out += _named(ctx, ctx.addresses, (names.lb, names.ipv6), mark, address.KIND)
    return out + _upstream(ctx, ref, rules.get(theirs.lb) if theirs else None, ours)


def _upstream(
    ctx: Context,
    ref: LoadBalancerRef,
    rule: compute_v1.ForwardingRule | None,
    ours: dict[str, compute_v1.ForwardingRule],
) -> list[Step]:
    """What cloud-provider-gcp made for the Service: looked for when its rule still stands, or
    when our rules say they took it over (a take-over cut short may have left parts; their
    label names upstream's load balancer even when the ref, rebuilt by `gc`, has no UID)."""
    standing = rule is not None and tied(rule.description, ref.service_key)
    label = next((dict(r.labels)[TOOK_OVER] for r in ours.values() if TOOK_OVER in r.labels), "")
    uid = ref.uid or label[1:]
    theirs = names_for(dataclasses.replace(ref, uid=uid), ctx.where) if uid else None
    if theirs is None or not (standing or label == theirs.lb):
        return []
    out = []
    if standing:
        out.append(delete(ctx.api, ctx.forwarding_rules, theirs.lb, label=forwarding_rules.KIND))
    return out + adoption.leftovers(ctx, theirs, ref.service_key, address=True)
