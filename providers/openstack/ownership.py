"""Ownership: the marks on what we create, telling ours from anyone else's, and listing every
load balancer this cluster owns.

Where it sits: `desired` puts the tags on the load balancer, its listeners, pools and health
monitors; the resource modules search by them (never by name alone) and check with `tagged`
that what stands where ours must go is ours; the provider's `list_owned` calls `owned`, which
rebuilds each `LoadBalancerRef` from the tags. Octavia tags are plain strings, so each is
`key=value`. Neutron refuses tags in a floating IP's create call, so our floating IPs carry
their mark in the description instead, written in that same call: an IP of ours is never,
even for a moment, unmarked.
"""

from __future__ import annotations

from collections.abc import Iterable

from lbcontroller.naming import lb_name
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.spec import LoadBalancerRef
from providers.openstack.api import JSON, LOADBALANCERS, OCTAVIA
from providers.openstack.context import Context

CLUSTER = "lbcontroller.io/cluster"
SERVICE = "lbcontroller.io/service"
CREATED_WITH = "lbcontroller.io/created-with"  # digest of the settings Octavia cannot change
KEEP = "lbcontroller.io/keep-floating-ip=true"


def tag(key: str, value: str) -> str:
    """One Octavia tag."""
    return f"{key}={value}"


def ownership(ref: LoadBalancerRef) -> tuple[str, str]:
    """The tags that make a resource this Service's, in this cluster."""
    return tag(CLUSTER, ref.cluster), tag(SERVICE, ref.service_key)


def value_of(tags: Iterable[str], key: str) -> str | None:
    """The value of the `key=value` tag among `tags` (None when absent)."""
    prefix = f"{key}="
    return next((t.removeprefix(prefix) for t in tags if t.startswith(prefix)), None)


def ref_from(tags: Iterable[str], *, cluster: str) -> LoadBalancerRef | None:
    """The ref of a load balancer of `cluster` tagged for a Service (None: not ours); its name
    is the one we give the Service's load balancer (an adopted one keeps upstream's own)."""
    tags = tuple(tags)
    service = value_of(tags, SERVICE)
    if value_of(tags, CLUSTER) != cluster or service is None or "/" not in service:
        return None
    namespace, _, svc = service.partition("/")
    name = lb_name(cluster, namespace, svc)
    return LoadBalancerRef(cluster=cluster, namespace=namespace, service=svc, name=name)


def floating_mark(ref: LoadBalancerRef, *, keep: bool) -> str:
    """The description of our floating IP for `ref` (with the keep flag, read on deletion)."""
    mark = " ".join(ownership(ref))
    return f"{mark} {KEEP}" if keep else mark


def floating_marks(ref: LoadBalancerRef) -> tuple[str, str]:
    """Both descriptions an IP of ours for `ref` may carry (to search by)."""
    return floating_mark(ref, keep=False), floating_mark(ref, keep=True)


def tagged(item: JSON, tags: Iterable[str]) -> bool:
    """Whether the Octavia `item` carries all of `tags`."""
    return set(item.get("tags") or ()).issuperset(tags)


def ours(items: Iterable[JSON], tags: Iterable[str]) -> list[JSON]:
    """The items carrying all of `tags`."""
    tags = tuple(tags)
    return [item for item in items if tagged(item, tags)]


def owned(ctx: Context) -> list[OwnedLoadBalancer]:
    """Every load balancer tagged as this cluster's (cloud_id: its Octavia id)."""
    cluster = ctx.settings.cluster
    found = ctx.api.list(
        "loadbalancers.list", OCTAVIA, LOADBALANCERS, {"tags": tag(CLUSTER, cluster)}
    )
    out = []
    for item in found:
        ref = ref_from(item.get("tags") or (), cluster=cluster)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=item["id"]))
    return sorted(out, key=lambda lb: (lb.ref.service_key, lb.cloud_id))
