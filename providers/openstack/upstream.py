"""What the upstream openstack-cloud-controller-manager (cloud-provider-openstack, "CPO") made
for a Service, and whether it may be taken over in place (names and marks are pure; `find`,
`by_id`, `on_vip` and `owned` read).

Where it sits: `desired` puts an `Upstream` (CPO's names for the Service) into the desired load
balancer; `loadbalancer.find` asks `find` for CPO's load balancer when it has none of ours for a
Service already served (an address, a taken-over finalizer, or CPO's `load-balancer-id` annotation),
and `loadbalancer.converge` adopts it; `converge` hands `listeners` and `pools` a `Claim` that takes
CPO's children of it as ours, and `floating_ip` claims CPO's floating IP with `Upstream.fip`; the
provider's `list_owned` adds the ones nobody adopted yet (`owned`, for `gc`); `teardown` deletes
those.

The facts, read from CPO's pkg/openstack/loadbalancer.go: a Service's load balancer is named
`kube_service_<cluster-name>_<namespace>_<name>` (cut to 255 characters; before that, `a` + the
UID without dashes, cut to 32, still looked up as the legacy name) and tagged with that name; its
listeners are `listener_<i>_<lb name>`, tagged with the load balancer's name too, its pools
`pool_<i>_<lb name>` and monitors `monitor_<i>_<lb name>` (untagged); CPO writes the load
balancer's id into the Service's `loadbalancer.openstack.org/load-balancer-id` annotation and
finds it by that id when it is set. A floating IP CPO made is on the VIP port, described
`Floating IP for Kubernetes external service <ns>/<name> from cluster <cluster-name>`. A load
balancer that also carries another Service's `kube_service_` tag is shared by CPO: never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lbcontroller import naming
from lbcontroller.errors import PermanentError
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.spec import LoadBalancerRef
from providers.openstack.api import JSON, LOADBALANCERS, NEUTRON, OCTAVIA
from providers.openstack.context import Context
from providers.openstack.options import LOAD_BALANCER_ID
from providers.openstack.ownership import CLUSTER, SERVICE, tagged

PREFIX = "kube_service_"
FIP_MARK = "Floating IP for Kubernetes external service"
MAX_NAME = 255
LEGACY = re.compile(r"a[0-9a-f]{31}")
GONE = ("DELETED", "PENDING_DELETE")
ORIGIN = "cloud-provider-openstack"


def lb_name(cluster: str, namespace: str, service: str) -> str:
    """The name CPO gives a Service's load balancer."""
    return f"{PREFIX}{cluster}_{namespace}_{service}"[:MAX_NAME]


def legacy_name(uid: str) -> str:
    """The name older CPO releases gave it (and CPO still looks up)."""
    return ("a" + uid.replace("-", ""))[:32]


@dataclass(frozen=True, slots=True)
class Upstream:
    """CPO's names for one Service's load balancer."""

    cluster: str  # CPO's --cluster-name
    name: str  # kube_service_<cluster>_<ns>_<name>
    legacy: str | None  # a + UID (only for a Service already served)
    lb_id: str | None  # the load-balancer-id annotation

    @classmethod
    def of(cls, ref: LoadBalancerRef, cluster: str, lb_id: str | None) -> Upstream:
        """CPO's names for `ref`'s Service, CPO running with `--cluster-name=cluster`."""
        return cls(
            cluster=cluster,
            name=lb_name(cluster, ref.namespace, ref.service),
            legacy=legacy_name(ref.uid) if ref.uid else None,
            lb_id=lb_id,
        )

    @property
    def served(self) -> bool:
        """Whether CPO may have made a load balancer for the Service (else nobody looks)."""
        return self.legacy is not None or self.lb_id is not None

    def named(self, name: str) -> bool:
        """Whether `name` is one CPO gives this Service's load balancer (kept on adoption)."""
        return name in (self.name, self.legacy) or LEGACY.fullmatch(name) is not None

    def refusal(self, lb: JSON) -> str | None:
        """Why `lb`, found under CPO's name for this Service, is not the load balancer CPO made
        for this Service alone (None: it is, and may be taken over)."""
        tags = set(lb.get("tags") or ())
        shared = sorted({t for t in tags if t.startswith(PREFIX)} - {self.name})
        label = f"load balancer {lb.get('name')} ({lb.get('id')})"
        if lb.get("name") not in (self.name, self.legacy):
            return f"{label} does not bear cloud-provider-openstack's name for this Service"
        if self.name not in tags:
            return f"{label} lacks cloud-provider-openstack's tag {self.name}: a look-alike"
        if shared:
            return f"{label} is shared with other Services ({', '.join(shared)})"
        if any(t.startswith((f"{CLUSTER}=", f"{SERVICE}=")) for t in tags):
            return f"{label} carries lbcontroller's marks of another cluster or Service"
        return None

    def made(self, lb: JSON) -> bool:
        """Whether `lb` is the load balancer CPO made for this Service alone (not shared)."""
        return self.refusal(lb) is None and lb.get("provisioning_status") not in GONE

    def child(self, item: JSON) -> bool:
        """Whether CPO made `item` (a listener, pool or monitor) for this Service."""
        if self.name in (item.get("tags") or ()):
            return True
        name = str(item.get("name") or "")
        children = rf"(listener|pool|monitor)_\d+_{re.escape(self.name)}"
        return re.fullmatch(children, name) is not None

    def fip(self, fip: JSON, ref: LoadBalancerRef) -> bool:
        """Whether CPO made the floating IP `fip` for `ref`'s Service."""
        mark = f"{FIP_MARK} {ref.service_key} from cluster {self.cluster}"
        return fip.get("description") == mark


@dataclass(frozen=True, slots=True)
class Claim:
    """Which children of a load balancer are ours: those with our tags, and on one CPO made
    for the Service (`upstream` set), CPO's own (renamed and tagged when converged)."""

    tags: tuple[str, ...]
    upstream: Upstream | None = None

    def __call__(self, item: JSON) -> bool:
        return tagged(item, self.tags) or (self.upstream is not None and self.upstream.child(item))

    def all(self, items: Iterable[JSON]) -> list[JSON]:
        """The items claimed."""
        return [item for item in items if self(item)]


def find(ctx: Context, upstream: Upstream) -> tuple[JSON | None, str]:
    """The load balancer CPO made for the Service (None: none) and, when one under CPO's names
    is not it, why: by the annotation's id when set (an id of another load balancer is refused;
    one that is gone counts as none), else by CPO's name, then its legacy name. Look-alikes
    (CPO's name without CPO's tag, shared ones) are never it."""
    if upstream.lb_id is not None:
        return by_id(ctx, upstream), ""
    names = [upstream.name] if upstream.legacy is None else [upstream.name, upstream.legacy]
    why = []
    for name in names:
        for lb in ctx.api.list("loadbalancers.list", OCTAVIA, LOADBALANCERS, {"name": name}):
            if upstream.made(lb):
                return lb, ""
            why.append(upstream.refusal(lb) or f"{name} is being deleted")
    return None, "; ".join(why)


def by_id(ctx: Context, upstream: Upstream) -> JSON | None:
    """The load balancer the annotation names, which must be CPO's for this Service."""
    body = ctx.api.get("loadbalancers.get", OCTAVIA, f"{LOADBALANCERS}/{upstream.lb_id}")
    if body is None or body["loadbalancer"].get("provisioning_status") in GONE:
        return None
    lb: JSON = body["loadbalancer"]
    if not upstream.made(lb):
        raise PermanentError(
            f"{LOAD_BALANCER_ID}: load balancer {upstream.lb_id} ({lb.get('name')}) is not the "
            f"one cloud-provider-openstack made for this Service alone ({upstream.name}); "
            "lbcontroller neither shares a load balancer nor takes over another one",
            field=f"metadata.annotations[{LOAD_BALANCER_ID}]",
        )
    return lb


def on_vip(ctx: Context, port_id: str | None) -> list[JSON]:
    """The floating IPs on a VIP port (where CPO put its own)."""
    if not port_id:
        return []
    return ctx.api.list("floatingips.list", NEUTRON, "/floatingips", {"port_id": port_id})


def ref_of(lb: JSON, *, cluster: str, cpo_cluster: str) -> LoadBalancerRef | None:
    """The ref of a load balancer CPO made in its cluster `cpo_cluster` and nobody adopted
    (None: not one; legacy-named ones keep no Service name and are not listed)."""
    name = str(lb.get("name") or "")
    head = f"{PREFIX}{cpo_cluster}_"
    namespace, sep, service = name.removeprefix(head).partition("_")
    if not (name.startswith(head) and sep and namespace and service):
        return None
    ref = LoadBalancerRef(
        cluster=cluster,
        namespace=namespace,
        service=service,
        name=naming.lb_name(cluster, namespace, service),
    )
    return ref if Upstream.of(ref, cpo_cluster, None).made(lb) else None


def owned(ctx: Context) -> list[OwnedLoadBalancer]:
    """The load balancers CPO made in its cluster that nobody adopted (for `gc`)."""
    cluster, cpo = ctx.settings.cluster, ctx.settings.cpo_cluster
    out = []
    for lb in ctx.api.list("loadbalancers.list", OCTAVIA, LOADBALANCERS, {}):
        ref = ref_of(lb, cluster=cluster, cpo_cluster=cpo)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=str(lb["id"])))
    return out
