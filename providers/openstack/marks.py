"""Ownership marks: Octavia tags on what we create, a description on our floating IPs.

Where it sits: `desired` puts the tags on the load balancer, its listeners, pools and health
monitors; the finders search by them (never by name alone); `owned` rebuilds a `LoadBalancerRef`
from them. Octavia tags are plain strings, so each is `key=value`. Neutron refuses tags in a
floating IP's create call, so our floating IPs carry their mark in the description instead,
written in that same call: an IP of ours is never, even for a moment, unmarked.
"""

from __future__ import annotations

from collections.abc import Iterable

from lbcontroller.spec import LoadBalancerRef

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


def ref_from(tags: Iterable[str], *, cluster: str, name: str) -> LoadBalancerRef | None:
    """The ref of a load balancer of `cluster` tagged for a Service (None: not ours)."""
    tags = tuple(tags)
    service = value_of(tags, SERVICE)
    if value_of(tags, CLUSTER) != cluster or service is None or "/" not in service:
        return None
    namespace, _, svc = service.partition("/")
    return LoadBalancerRef(cluster=cluster, namespace=namespace, service=svc, name=name)


def floating_mark(ref: LoadBalancerRef, *, keep: bool) -> str:
    """The description of our floating IP for `ref` (with the keep flag, read on deletion)."""
    mark = " ".join(ownership(ref))
    return f"{mark} {KEEP}" if keep else mark


def floating_marks(ref: LoadBalancerRef) -> tuple[str, str]:
    """Both descriptions an IP of ours for `ref` may carry (to search by)."""
    return floating_mark(ref, keep=False), floating_mark(ref, keep=True)
