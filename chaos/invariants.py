"""The invariants, checked against the Services the API server holds and the clouds' inventories.

Where it sits: the runner (`chaos.run`) calls `check` repeatedly once the faults are off, until
it passes or the time is up. What each Service wants is derived from the Service itself (its
type, class, annotations, ports, NodePorts, traffic policy, source ranges), never from the
schedule; cloud resources are attributed to Services by their ownership marks (AWS tags, the
rule-owner tag, GCE descriptions), never by name. What a Service wants is `chaos.wants`; the
AWS and GCE halves are `chaos.check_aws` and `chaos.check_gce`. The five invariants:

- converged: every live Service has a load balancer matching its spec (listeners or forwarding
  rules on its ports and NodePorts, health-check port, backends, source-range rules, the
  address in status.loadBalancer.ingress), and nothing when it is not ours (ClusterIP);
- no_leaks: nothing marked as ours is left for a Service that is gone or moved away, and no
  part of a live one is stale (an old target group, rule or forwarding rule);
- no_duplicates: no two load balancers for one Service, no two listeners on one port;
- no_stuck_finalizers: no Service left with a deletionTimestamp, no finalizer on a Service
  that wants no load balancer;
- decoys_untouched: resources without our marks are exactly as they were, and the Services
  whose names they hold got nothing.
"""

from __future__ import annotations

from typing import Any

from chaos.check_aws import check_aws
from chaos.check_gce import check_gce, mark_of
from chaos.inventory import AwsInventory, GceInventory
from chaos.wants import FINALIZER, SERVICE_TAG, Expect, Findings, Want, want_of


def _lifecycle(want: Want, found: Findings) -> None:
    if want.deleting:
        found.add(
            "no_stuck_finalizers", want.key, f"still deleting, finalizers {list(want.finalizers)}"
        )
    elif want.cloud is None and FINALIZER in want.finalizers:
        found.add("no_stuck_finalizers", want.key, "wants no load balancer but keeps our finalizer")
    if want.cloud is None and want.ingress and not want.deleting:
        found.add(
            "converged", want.key, f"wants no load balancer but its status says {want.address}"
        )
    recorded = FINALIZER in want.finalizers and want.provider == want.wanted_provider
    if want.cloud is not None and not want.refused and not recorded:
        found.add("converged", want.key, f"finalizer or provider record missing ({want.provider})")


def check_decoys(
    wants: list[Want],
    current: dict[str, Any],
    aws: AwsInventory,
    gce: GceInventory,
    expect: Expect,
    found: Findings,
) -> None:
    """Decoys unchanged; refused Services without a load balancer or an address."""
    for key, before in expect.baseline.items():
        if current.get(key) != before:
            found.add("decoys_untouched", key, "changed")
    for want in (w for w in wants if w.refused):
        tagged = [lb.name for lb in aws.lbs if lb.tags.get(SERVICE_TAG) == want.key]
        marked = [
            r["name"]
            for items in (gce.backends, gce.rules, gce.checks)
            for r in items
            if mark_of(r, expect.cluster) == want.key
        ]
        if tagged or marked or want.ingress:
            found.add(
                "decoys_untouched",
                want.key,
                f"a refused Service got {tagged + marked} {list(want.ingress)}",
            )


def check(
    services: list[dict[str, Any]],
    aws: AwsInventory,
    gce: GceInventory,
    decoys_now: dict[str, Any],
    expect: Expect,
) -> Findings:
    """Every invariant."""
    wants = [want_of(s) for s in services]
    found = Findings()
    for want in wants:
        _lifecycle(want, found)
    check_aws(wants, aws, expect, found)
    check_gce(wants, gce, expect, found)
    check_decoys(wants, decoys_now, aws, gce, expect, found)
    return found
