"""The order of things for `ensure`/`plan` and for `update_backends`, for both kinds.

Where it sits: the provider's verbs call `ensure_nlb` / `ensure_classic` (full) or
`nlb_targets` / `classic_instances` (targets only) with a `Journal` that runs the resource
modules' steps or only lists them, so a plan names exactly the writes a run makes. Each
finds the load balancer (or creates it), recreates it only when AWS allows no other way,
then either converges everything or, while the fingerprint tag matches, only the targets.
- NLB, full converge, in an order that keeps traffic flowing: rules, target groups (new ones
  get their targets first), listeners (repointed), stale groups deleted, fingerprint written
  last. A converge that changes an NLB (or finishes one cut short) sweeps for its unattached
  groups; see `target_groups`.
- classic ELB: its own security group, the ELB, its rules, listeners and settings; steady
  state costs two reads: the ELB's description (which lists its instances) and its tags.
A new load balancer's rules on the nodes' group go in before it is created, so a group with
no room for them refuses the Service before anything is made.
- a load balancer the upstream controller made for the Service (`nlb.find`, `classic.find`)
  is adopted first: our marks are added (an `adopt` entry in a plan), then the full converge
  runs in place; an NLB's upstream target groups and rules are replaced by ours
  (`target_groups`, `security_groups`); a classic ELB gets our own group in place of
  upstream's, which then goes with the rules referring to it.
- when a load balancer is replaced (the type or what AWS cannot change in place changes), the
  plan's create entry names the old one and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus
from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Journal, Made
from providers.aws import classic, nlb, security_groups, target_groups, targets, teardown
from providers.aws.api import Id, New, resolve
from providers.aws.context import Context, Network
from providers.aws.desired import Desired, fingerprint
from providers.aws.ownership import (
    FINGERPRINT,
    Found,
    adoption_marks,
    changed,
    endpoints,
    made_key,
    owned_by,
    replacing,
    status_key,
    to_list,
    upstream_made,
)
from providers.aws.security_groups import (
    classic_front_rules,
    classic_node_rules,
    marker,
    nlb_rules,
    shared_marker,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a converge leaves: the load balancer as read (None: this run made it), its groups."""

    kind: str  # "nlb" or "classic"
    ref: LoadBalancerRef
    found: Found | None
    groups: tuple[Id, ...] = ()
    lb: Id | None = None  # an NLB's ARN (New when this run made it)

    def status(self, made: Made) -> LoadBalancerStatus:
        """The DNS name, then the addresses AWS reports (Elastic IPs of an NLB)."""
        if self.found is not None:
            dns, *ips = endpoints(self.found.raw)
        else:
            dns, *ips = made.get(status_key(self.ref)).split(",")
        ingress = [Ingress(hostname=dns), *(Ingress(ip=ip) for ip in ips)]
        return LoadBalancerStatus(ingress=tuple(ingress))

    def applied(self, made: Made) -> targets.Applied:
        """Where the targets now are, for the provider's memo; an NLB's ARN when ours by name."""
        named_by_upstream = self.found is not None and upstream_made(self.found, self.ref)
        arn = "" if self.lb is None or named_by_upstream else resolve([self.lb], made)[0]
        return targets.Applied(self.kind, tuple(resolve(list(self.groups), made)), arn)


def _network(ctx: Context, d: Desired) -> tuple[Network, str]:
    """The load balancer's VPC, and the fingerprint of all a full converge depends on."""
    network = ctx.networks.get(d.subnets)
    return network, fingerprint(d, network, ctx.node_group)


def ensure_nlb(
    ctx: Context, d: Desired, wanted: frozenset[str], *, verify: bool, journal: Journal
) -> Outcome:
    """Converge the NLB of `d` with `wanted` instances behind every group."""
    api, made = ctx.api, journal.made
    network, print_ = _network(ctx, d)
    found = nlb.find(api, d.ref, upstream_cluster=ctx.upstream_cluster)
    replaced, why = None, None if found is None else nlb.recreate_reason(found, d)
    if found is not None and why is not None:
        teardown.delete_nlb(ctx, journal, found, d.ref)
        found, replaced = None, found
    adoption = [] if found is None else nlb.adopt(api, made, found, d.ref)
    journal.do(adoption)
    if found is None:
        replaced = teardown.remove_classic(ctx, journal, d.ref) or replaced
        _nlb_rules(ctx, journal, d, network)  # first: a group with no room refuses early
        journal.do([replacing(nlb.create(api, made, d), replaced, "nlb", why or "")])
    lb: Id = New(made_key(d.ref)) if found is None else found.id
    tags = nlb.created_tags(d) if found is None else found.tags
    if adoption:
        tags = {**tags, **adoption_marks(d.ref)}
    current = [] if found is None else nlb.listeners(api, found.id)
    if tags.get(FINGERPRINT) == print_ and not verify:
        arns: list[Id] = list(nlb.forwarded(current))
        _targets(ctx, journal, arns, wanted)
    else:
        # a change, or a converge cut short: old groups may exist that no listener names
        sweep = found is not None and tags.get(FINGERPRINT) != print_
        arns = _converge_nlb(ctx, journal, d, lb, found, current, wanted, network, sweep=sweep)
        missing = changed(tags, d.tag_map | {FINGERPRINT: print_})
        if missing:
            step = api.step(made, api.elbv2.add_tags, ResourceArns=[lb], Tags=to_list(missing))
            journal.do([step])
    return Outcome("nlb", d.ref, found, tuple(arns), lb)


def nlb_targets(
    ctx: Context, ref: LoadBalancerRef, wanted: frozenset[str], *, journal: Journal
) -> Outcome | None:
    """Only the targets of an existing NLB (nothing when there is none yet)."""
    found = nlb.find(ctx.api, ref, upstream_cluster=ctx.upstream_cluster)
    if found is None or not owned_by(found.tags, ref):  # upstream's: adopted by ensure
        return None
    arns: list[Id] = list(nlb.forwarded(nlb.listeners(ctx.api, found.id)))
    _targets(ctx, journal, arns, wanted)
    return Outcome("nlb", ref, found, tuple(arns), found.id)


def _targets(ctx: Context, journal: Journal, arns: list[Id], wanted: frozenset[str]) -> None:
    for arn in arns:
        current = frozenset() if isinstance(arn, New) else targets.members(ctx.api, arn)
        journal.do(
            targets.group_steps(ctx.api, journal.made, arn=arn, wanted=wanted, current=current)
        )


def _converge_nlb(
    ctx: Context,
    journal: Journal,
    d: Desired,
    lb: Id,
    found: Found | None,
    current: list[Any],
    wanted: frozenset[str],
    network: Network,
    *,
    sweep: bool,
) -> list[Id]:
    api, made = ctx.api, journal.made
    journal.do(nlb.settings(api, made, lb=lb, found=found, d=d))
    upstream_lb = None
    if found is not None:
        upstream_lb = found.raw["LoadBalancerName"] if upstream_made(found, d.ref) else None
        _nlb_rules(ctx, journal, d, network, upstream_lb=upstream_lb)
    attached = [] if sweep else target_groups.describe(api, nlb.forwarded(current))
    groups = target_groups.converge(
        api, made, d=d, vpc_id=network.vpc_id, attached=attached, sweep=sweep
    )
    journal.do(groups.steps)
    _targets(ctx, journal, list(groups.arns.values()), wanted)
    journal.do(
        nlb.listener_steps(api, made, lb=lb, current=current, groups=d.groups, arns=groups.arns)
    )
    journal.do(target_groups.delete_stale(api, made, groups))
    if upstream_lb is not None:
        theirs = target_groups.upstream_of(api, nlb.forwarded(current), d.ref, ctx.upstream_cluster)
        journal.do([target_groups.delete(api, made, arn) for arn in theirs])
    return list(groups.arns.values())


def _rules(
    ctx: Context,
    journal: Journal,
    d: Desired,
    group_id: Id,
    wanted: dict[str, frozenset[Any]],
    upstream_lb: str | None = None,
) -> None:
    """Converge our rules on one group; one worker at a time (a read-modify-write)."""
    with security_groups.LOCK:
        steps = security_groups.steps(
            ctx.api,
            journal.made,
            group_id=group_id,
            wanted=wanted,
            own=marker(d.ref),
            upstream_lb=upstream_lb,
        )
        journal.do(steps)


def _nlb_rules(
    ctx: Context, journal: Journal, d: Desired, network: Network, upstream_lb: str | None = None
) -> None:
    if ctx.node_group is not None:
        own, shared = nlb_rules(d, network.cidrs)
        wanted = {marker(d.ref): own, shared_marker(d.ref.cluster): shared}
        _rules(ctx, journal, d, ctx.node_group, wanted, upstream_lb)


def ensure_classic(
    ctx: Context, d: Desired, wanted: frozenset[str], *, verify: bool, journal: Journal
) -> Outcome:
    """Converge the classic ELB of `d` with `wanted` instances behind it."""
    api, made = ctx.api, journal.made
    network, print_ = _network(ctx, d)
    found = classic.find(api, d.ref, upstream_cluster=ctx.upstream_cluster)
    replaced = None
    if found is not None and found.scheme != d.scheme:
        teardown.delete_classic(ctx, journal, found, d.ref)
        found, replaced = None, found
    adoption = [] if found is None else classic.adopt(api, made, found, d.ref)
    journal.do(adoption)
    elb = found
    if elb is None:
        replaced = teardown.remove_nlb(ctx, journal, d.ref) or replaced
        groups = _security_groups(ctx, journal, d, network)
        _node_rules(ctx, journal, d, groups[0])  # first: a group with no room refuses early
        create = classic.create(api, made, d, groups)
        journal.do([replacing(create, replaced, "classic", "scheme changes")])
        elb = classic.sent(d, groups)
    tags = {**elb.tags, **adoption_marks(d.ref)} if adoption else elb.tags
    if tags.get(FINGERPRINT) != print_ or verify:
        _converge_classic(ctx, journal, elb, d, network, fresh=found is None)
        if found is not None and upstream_made(found, d.ref):
            teardown.retire_upstream_group(ctx, journal, found.id)  # ours is in its place now
        missing = changed(tags, d.tag_map | {FINGERPRINT: print_})
        if missing:
            step = api.step(
                made, api.elb.add_tags, LoadBalancerNames=[elb.id], Tags=to_list(missing)
            )
            journal.do([step])
    current = classic.instances(elb)
    journal.do(targets.classic_steps(api, made, name=elb.id, wanted=wanted, current=current))
    return Outcome("classic", d.ref, found)


def classic_instances(
    ctx: Context, ref: LoadBalancerRef, wanted: frozenset[str], *, journal: Journal
) -> Outcome | None:
    """Only the instances of an existing ELB (nothing when there is none yet)."""
    found = classic.find(ctx.api, ref, upstream_cluster=ctx.upstream_cluster)
    if found is None or not owned_by(found.tags, ref):  # upstream's: adopted by ensure
        return None
    current = classic.instances(found)
    journal.do(
        targets.classic_steps(ctx.api, journal.made, name=found.id, wanted=wanted, current=current)
    )
    return Outcome("classic", ref, found)


def _security_groups(ctx: Context, journal: Journal, d: Desired, network: Network) -> list[Id]:
    """The user's groups, or our own (created when absent), then the extra ones."""
    if d.security_groups:
        return [*d.security_groups, *d.extra_security_groups]
    own, steps = security_groups.own_group(
        ctx.api, journal.made, ref=d.ref, vpc_id=network.vpc_id, tags=d.tag_map
    )
    journal.do(steps)
    return [own, *d.extra_security_groups]


def _converge_classic(
    ctx: Context, journal: Journal, elb: Found, d: Desired, network: Network, *, fresh: bool
) -> None:
    api, made = ctx.api, journal.made
    groups = (
        list(elb.raw["SecurityGroups"]) if fresh else _security_groups(ctx, journal, d, network)
    )
    if not d.security_groups:
        _rules(ctx, journal, d, groups[0], {marker(d.ref): classic_front_rules(d)})
    if not fresh:
        _node_rules(ctx, journal, d, groups[0])
    journal.do(classic.listener_steps(api, made, elb, d))
    journal.do(classic.settings(api, made, elb, d, groups, fresh=fresh))


def _node_rules(ctx: Context, journal: Journal, d: Desired, front: Id) -> None:
    """The NodePorts and health port opened on the nodes' group to the ELB's group."""
    if ctx.node_group is not None:
        _rules(ctx, journal, d, ctx.node_group, {marker(d.ref): classic_node_rules(d, front)})
