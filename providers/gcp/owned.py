"""Listing every load balancer this cluster owns, for the core's garbage collection.

Where it sits: the provider's `list_owned`. A load balancer is its backend service (created
before its forwarding rules and deleted after them); the ref is rebuilt from its mark.
"""

from __future__ import annotations

from lbcontroller.provider import OwnedLoadBalancer
from providers.gcp.context import Context
from providers.gcp.marks import ref_from


def list_owned(ctx: Context) -> list[OwnedLoadBalancer]:
    """Our backend services in the region (cloud_id: the selfLink), sorted by Service."""
    out = []
    for service in ctx.api.listed(ctx.backend_services, ""):
        ref = ref_from(service.description, cluster=ctx.where.cluster, name=service.name)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=service.self_link))
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))
