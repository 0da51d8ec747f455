"""Forwarding rules: one per protocol and IP family, each family's on its one address.

Where it sits: `ensure` deletes the rules that are no longer wanted or no longer match (a
forwarding rule's ports, protocol and address cannot be patched) before the backend service
changes, and creates the missing ones once the address is settled, on the same IP: a port
change re-creates the rule and keeps the address. An IPv6 rule (`ipVersion: IPV6`) names the
subnetwork its /96 comes from; an external one gives its address as that /96, as GCE wants.
"""

from __future__ import annotations

from google.cloud import compute_v1

from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Step
from providers.gcp.address import bare
from providers.gcp.api import blame
from providers.gcp.context import Context, path
from providers.gcp.desired import IPV6, PROTOCOLS, Desired, Names, Rule
from providers.gcp.options import ADDRESSES
from providers.gcp.ownership import TOOK_OVER, Mark
from providers.gcp.steps import delete

KIND = "forwarding-rule"


def names_of(names: Names) -> list[str]:
    """The names a load balancer's rules can have (one per protocol and family)."""
    return [names.rule(p, family) for family in ("IPv4", IPV6) for p in PROTOCOLS]


def read(ctx: Context, names: Names, *, mark: Mark) -> dict[str, compute_v1.ForwardingRule]:
    """The load balancer's rules (any protocol), each checked to be ours."""
    return mark.all_checked(ctx.api.named(ctx.forwarding_rules, names_of(names)), KIND)


def wanted(d: Desired, rule: Rule, *, ip: str) -> compute_v1.ForwardingRule:
    """The forwarding rule of one protocol and family, on `ip`."""
    ipv6 = rule.family == IPV6
    if ipv6 and not d.internal:
        ip = f"{ip}/96"
    out = compute_v1.ForwardingRule(
        name=rule.name,
        description=d.mark.description,
        labels=d.mark.labels | ({TOOK_OVER: d.took_over} if d.took_over else {}),
        I_p_address=ip,
        I_p_protocol=rule.protocol,
        load_balancing_scheme=d.scheme,
        backend_service=d.where.regional("backendServices", d.names.lb),
    )
    if rule.ports:
        out.ports = list(rule.ports)
    else:
        out.all_ports = True
    if not d.internal:
        out.network_tier = d.tier
    if d.internal:
        out.network = d.where.network
        if d.subnetwork:
            out.subnetwork = d.subnetwork
        if d.global_access:
            out.allow_global_access = True
    if ipv6:
        out.ip_version, out.subnetwork = "IPV6", d.subnetwork6
    return out


def _span(rule: compute_v1.ForwardingRule) -> tuple[str, ...]:
    """The ports a rule forwards, however the API spells them (ports, allPorts, portRange)."""
    if rule.ports:
        return tuple(sorted(rule.ports))
    every = rule.all_ports or rule.port_range in ("", "1-65535")
    return ("all",) if every else (rule.port_range,)


def _matches(current: compute_v1.ForwardingRule, want: compute_v1.ForwardingRule) -> bool:
    same = (
        bare(current.I_p_address) == bare(want.I_p_address)
        and (current.ip_version or "IPV4") == (want.ip_version or "IPV4")
        and current.I_p_protocol == want.I_p_protocol
        and current.load_balancing_scheme == want.load_balancing_scheme
        and path(current.backend_service) == path(want.backend_service)
        and _span(current) == _span(want)
        and current.allow_global_access == want.allow_global_access
        and (current.network_tier or "PREMIUM") == (want.network_tier or "PREMIUM")
    )
    return same and (not want.subnetwork or path(current.subnetwork) == path(want.subnetwork))


def kept(
    d: Desired, found: dict[str, compute_v1.ForwardingRule], *, ips: dict[str, str]
) -> set[str]:
    """The names of the found rules that are wanted exactly so, on their family's IP."""
    want = {rule.name: wanted(d, rule, ip=ips[rule.family]) for rule in d.rules}
    return {name for name, rule in found.items() if name in want and _matches(rule, want[name])}


def teardown(
    ctx: Context, found: dict[str, compute_v1.ForwardingRule], *, keep: set[str]
) -> list[Step]:
    """Delete the rules not kept."""
    return [
        delete(
            ctx.api,
            ctx.forwarding_rules,
            name,
            label=KIND,
            detail=f"{rule.I_p_protocol} on {rule.I_p_address}",
        )
        for name, rule in sorted(found.items())
        if name not in keep
    ]


def _create(ctx: Context, d: Desired, want: compute_v1.ForwardingRule) -> Step:
    ports = ",".join(want.ports) or "all ports"
    detail = "; ".join(filter(None, (f"{want.I_p_protocol} {ports} on {want.I_p_address}", d.note)))
    change = PlannedChange("create", KIND, want.name, "forwardingRules.insert", detail)
    user = d.user_address6 if want.ip_version == "IPV6" else d.user_address
    chosen = f"metadata.annotations[{ADDRESSES}]" if user else None
    field = "spec.loadBalancerIP" if d.requested_ip and not want.ip_version else chosen

    def run() -> None:
        with blame(field, what=f"the forwarding rule {want.name} on {want.I_p_address}"):
            ctx.api.insert(ctx.forwarding_rules, want)

    return Step(change, run)


def creation(ctx: Context, d: Desired, *, keep: set[str], ips: dict[str, str]) -> list[Step]:
    """Create the wanted rules that were missing or torn down, on their family's IP."""
    return [
        _create(ctx, d, wanted(d, rule, ip=ips[rule.family]))
        for rule in d.rules
        if rule.name not in keep
    ]
