"""The two firewall rules of each IP family: the Service's ports from its source ranges of
that family, and the health-check port from Google's probers of that family, both only towards
the load balancer's address of that family (an IPv6 one is a /96). IPv6 rules are separate
rules named `<lb>-ipv6` and `<lb>-hc-ipv6`, as GKE's L4 controllers make them.

Where it sits: the last thing `ensure` converges, once the IP is settled. A passthrough load
balancer delivers packets to the nodes unchanged (destination: its IP and the Service port,
which kube-proxy serves), so the rules open the Service ports, not the NodePorts, and name
the IP as their destination instead of tagging nodes. A change is a patch; the rules of a
family the Service no longer has are deleted.
"""

from __future__ import annotations

from collections.abc import Mapping

from google.cloud import compute_v1

from lbcontroller.steps import Step, differences
from providers.gcp.context import Context, path
from providers.gcp.desired import IPV6, Desired, Names, ranges_of
from providers.gcp.ownership import Mark
from providers.gcp.steps import create, delete, modify

KIND = "firewall"


def names_of(names: Names) -> tuple[str, ...]:
    """The Service and health-check firewalls, IPv4 then IPv6."""
    return names.lb, names.health_firewall, names.ipv6, names.health_firewall6


def read(ctx: Context, names: Names, *, mark: Mark) -> dict[str, compute_v1.Firewall]:
    """The load balancer's two firewall rules, each checked to be ours."""
    return mark.all_checked(ctx.api.named(ctx.firewalls, names_of(names)), KIND)


def _rule(
    d: Desired, name: str, sources: tuple[str, ...], ports: Mapping[str, tuple[str, ...]], to: str
) -> compute_v1.Firewall:
    return compute_v1.Firewall(
        name=name,
        description=d.mark.description,
        network=d.where.network,
        direction="INGRESS",
        source_ranges=list(sources),
        destination_ranges=[to],
        allowed=[
            compute_v1.Allowed(I_p_protocol=proto.lower(), ports=list(found))
            for proto, found in ports.items()
        ],
    )


def wanted(d: Desired, *, ips: Mapping[str, str]) -> list[compute_v1.Firewall]:
    """The Service and health-check firewalls of each family served, towards its IP."""
    health = {"TCP": (str(d.health.port),)}
    out = []
    for family, ip in ips.items():
        v6 = family == IPV6
        to = f"{ip}/96" if v6 else f"{ip}/32"
        service, probes = (d.names.ipv6, d.names.health_firewall6) if v6 else names_of(d.names)[:2]
        out += [
            _rule(d, service, ranges_of(d.source_ranges, family), d.ports, to),
            _rule(d, probes, d.prober_ranges(family), health, to),
        ]
    return out


def _view(rule: compute_v1.Firewall) -> dict[str, object]:
    return {
        "network": path(rule.network),
        "sourceRanges": sorted(rule.source_ranges),
        "destinationRanges": sorted(rule.destination_ranges),
        "allowed": sorted((a.I_p_protocol.lower(), tuple(sorted(a.ports))) for a in rule.allowed),
    }


def steps(
    ctx: Context, d: Desired, *, found: dict[str, compute_v1.Firewall], ips: Mapping[str, str]
) -> list[Step]:
    """Create the missing rules, patch the ones that differ, delete those of a family gone."""
    want_all = wanted(d, ips=ips)
    names = {want.name for want in want_all}
    out = [
        delete(ctx.api, ctx.firewalls, name, label=KIND, detail="its IP family is gone")
        for name in sorted(found)
        if name not in names
    ]
    for want in want_all:
        current = found.get(want.name)
        if current is None:
            out.append(create(ctx.api, ctx.firewalls, want, label=KIND))
            continue
        old, new = _view(current), _view(want)
        if old != new:
            detail = differences((key, old[key], new[key]) for key in new)
            out.append(
                modify(ctx.api, ctx.firewalls, want, verb="patch", label=KIND, detail=detail)
            )
    return out
