"""The two firewall rules: the Service's ports from its source ranges, and the health-check
port from Google's probers, both only towards the load balancer's IP.

Where it sits: the last thing `ensure` converges, once the IP is settled. A passthrough load
balancer delivers packets to the nodes unchanged (destination: its IP and the Service port,
which kube-proxy serves), so the rules open the Service ports, not the NodePorts, and name
the IP as their destination instead of tagging nodes. A change is a patch.
"""

from __future__ import annotations

from collections.abc import Mapping

from google.cloud import compute_v1

from lbcontroller.steps import Step, differences
from providers.gcp.context import Context, path
from providers.gcp.desired import Desired, Names
from providers.gcp.ownership import Mark
from providers.gcp.steps import create, modify

KIND = "firewall"


def names_of(names: Names) -> tuple[str, str]:
    """The Service firewall and the health-check firewall."""
    return names.lb, names.health_firewall


def read(ctx: Context, names: Names, *, mark: Mark) -> dict[str, compute_v1.Firewall]:
    """The load balancer's two firewall rules, each checked to be ours."""
    return mark.all_checked(ctx.api.named(ctx.firewalls, names_of(names)), KIND)


def _rule(
    d: Desired, name: str, sources: tuple[str, ...], ports: Mapping[str, tuple[str, ...]], ip: str
) -> compute_v1.Firewall:
    return compute_v1.Firewall(
        name=name,
        description=d.mark.description,
        network=d.where.network,
        direction="INGRESS",
        source_ranges=list(sources),
        destination_ranges=[f"{ip}/32"],
        allowed=[
            compute_v1.Allowed(I_p_protocol=proto.lower(), ports=list(found))
            for proto, found in ports.items()
        ],
    )


def wanted(d: Desired, *, ip: str) -> list[compute_v1.Firewall]:
    """The Service firewall and the health-check firewall, towards `ip`."""
    health = {"TCP": (str(d.health.port),)}
    return [
        _rule(d, d.names.lb, d.source_ranges, d.ports, ip),
        _rule(d, d.names.health_firewall, d.prober_ranges, health, ip),
    ]


def _view(rule: compute_v1.Firewall) -> dict[str, object]:
    return {
        "network": path(rule.network),
        "sourceRanges": sorted(rule.source_ranges),
        "destinationRanges": sorted(rule.destination_ranges),
        "allowed": sorted((a.I_p_protocol.lower(), tuple(sorted(a.ports))) for a in rule.allowed),
    }


def steps(
    ctx: Context, d: Desired, *, found: dict[str, compute_v1.Firewall], ip: str
) -> list[Step]:
    """Create the missing rules and patch the ones that differ."""
    out = []
    for want in wanted(d, ip=ip):
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
