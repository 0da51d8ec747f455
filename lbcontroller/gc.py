"""Garbage collection: load balancers we own whose Service is gone or no longer ours.

Where it sits: `lbcontroller gc` lists every provider's owned load balancers
(`Provider.list_owned`, which only ever returns resources carrying this cluster's ownership
marks) and matches them against the cluster's Services with the same routing rule the
controller uses; `--delete` then calls `ensure_deleted` on each orphan. A load balancer whose
Service was deleted while the controller was down (its finalizer forced off) is found here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lbcontroller.model import Service
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.router import Router
from lbcontroller.spec import ref_for


@dataclass(frozen=True)
class Orphan:
    """An owned load balancer with no Service that wants it from this provider."""

    provider: str
    owned: OwnedLoadBalancer
    reason: str


def _reason(
    provider: str, owned: OwnedLoadBalancer, service: Service | None, router: Router
) -> str | None:
    if service is None:
        return "Service not found"
    wanted = router.wanted(service)
    if wanted is None:
        return "Service no longer served by any provider"
    if wanted != provider:
        # Two entries of one cloud type may share an account, and ownership marks name the
        # cluster, not the entry: this may be the other entry's live load balancer. A move
        # between entries is the reconciler's to clean up (it knows which entry made it).
        return None
    if ref_for(owned.ref.cluster, service).name != owned.ref.name:
        return "name does not match the Service's load balancer"
    return None


def find_orphans(
    *,
    owned: Mapping[str, Iterable[OwnedLoadBalancer]],
    services: Iterable[Service],
    router: Router,
) -> list[Orphan]:
    """Every owned load balancer (by provider name) that no current Service accounts for."""
    by_key = {s.key: s for s in services}
    orphans = []
    for provider, found in owned.items():
        for item in found:
            reason = _reason(provider, item, by_key.get(item.ref.service_key), router)
            if reason is not None:
                orphans.append(Orphan(provider=provider, owned=item, reason=reason))
    return sorted(orphans, key=lambda o: (o.provider, o.owned.ref.name))
