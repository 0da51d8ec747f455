"""`lbcontroller migrate`: what taking a cluster over from an upstream controller would do.

Where it sits: a read-only view over `planner`. The CLI lists Services and Nodes once and plans
every Service as `plan` does; this module sorts each `type: LoadBalancer` Service into one
verdict a user moving from cloud-provider-aws/-gcp/-openstack must see before switching:

- `adopt`: the load balancer upstream made is found by upstream's name and marks and is kept
  in place (the address does not change);
- `recreate`: the Service has an address but no load balancer lbcontroller could adopt, so a
  new one (with a new address) would be made, and why;
- `refuse`: the Service is invalid for lbcontroller (the annotation or field is named);
- `ours`: lbcontroller already serves it; `new`: no address yet, it would be created;
- `skip`: no configured provider serves its class (it stays with whoever serves it now).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from lbcontroller.model import Service
from lbcontroller.planner import ServicePlan
from lbcontroller.router import Router

UNMARKED = (
    "no load balancer made for it by an upstream controller was found (by upstream's name "
    "and marks): a new one gets a new address"
)


@dataclass(frozen=True)
class Verdict:
    """What migrating does to one Service."""

    service: str
    provider: str
    verdict: str
    address: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """For `--output json`."""
        return asdict(self)


def _address(service: Service) -> str:
    return ",".join(i.ip or i.hostname or "" for i in service.ingress)


def _judge(service: Service, plan: ServicePlan, router: Router) -> tuple[str, str]:
    if plan.error:
        return "refuse", plan.error
    if router.made_by(service) is not None:
        pending = len(plan.changes)
        return "ours", f"already served by lbcontroller ({pending} pending changes)"
    adopted = [c for c in plan.changes if c.action == "adopt"]
    if adopted:
        return "adopt", adopted[0].detail
    if not service.ingress:
        return "new", "no address yet: it would be created"
    replaced = [c for c in plan.changes if c.action == "create" and "replaces" in c.detail]
    return "recreate", replaced[0].detail if replaced else UNMARKED


def _skipped(service: Service) -> Verdict:
    cls = service.lb_class or "(none)"
    reason = f"no configured provider serves loadBalancerClass {cls}"
    return Verdict(service.key, "-", "skip", _address(service), reason)


def judge_all(
    services: Iterable[Service], plans: Sequence[ServicePlan], router: Router
) -> list[Verdict]:
    """One verdict per `type: LoadBalancer` Service, in the order of `services`."""
    wanted = {(p.service, p.provider): p for p in plans}
    out = []
    for service in services:
        if service.type != "LoadBalancer" or service.deleting:
            continue
        provider = router.wanted(service)
        plan = wanted.get((service.key, provider or ""))
        if provider is None or plan is None:
            out.append(_skipped(service))
            continue
        verdict, reason = _judge(service, plan, router)
        out.append(Verdict(service.key, provider, verdict, _address(service), reason))
    return out


def render(verdicts: Sequence[Verdict]) -> str:
    """A table (columns as wide as their longest cell), then a count per verdict."""
    rows = [("SERVICE", "PROVIDER", "VERDICT", "ADDRESS", "REASON")]
    rows += [(v.service, v.provider, v.verdict, v.address or "-", v.reason) for v in verdicts]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        " ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]])
        for row in rows
    ]
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    lines.append(", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items())) or "none")
    return "\n".join(lines)
