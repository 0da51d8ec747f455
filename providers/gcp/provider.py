"""The GCP provider: lbcontroller's `Provider` verbs over backend service-based passthrough
network load balancers (external by default, internal on request).

Where it sits: built by `providers.gcp.build`; the reconciler calls these verbs. Each verb
turns the spec into the desired state (pure), then hands it to `converge` or `teardown` with a
`Journal` that either applies the steps (ensure, update_backends, ensure_deleted) or only lists
them (plan, plan_delete).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus, OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec
from lbcontroller.steps import Journal
from providers.gcp import adoption, converge, ownership, teardown
from providers.gcp.context import Context
from providers.gcp.desired import desired
from providers.gcp.options import GcpOptions, parse_options
from providers.gcp.validate import validate


@dataclass(frozen=True, slots=True)
class GcpLoadBalancers:
    """Implements `lbcontroller.provider.Provider` for Google Compute Engine."""

    name: str  # the provider's configured name
    ctx: Context
    # a passthrough load balancer delivers to the Service port, which kube-proxy serves
    needs_node_ports: ClassVar[bool] = False

    def parse_options(self, annotations: Mapping[str, str]) -> GcpOptions:
        """The Service's GCP annotations as typed options (pure; InvalidAnnotation)."""
        return parse_options(annotations)

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse what GCP cannot serve (pure; Unsupported / PermanentError)."""
        validate(spec)

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create or converge the Service's load balancer, backends included.

        Every part is always read and compared (five reads, six with IPv6, plus one per zone
        when converged), so `verify` (the periodic drift resync) changes nothing here. The
        status has one ingress entry per family served, in the Service's `ipFamilies` order.
        """
        self.validate(spec)
        d = desired(spec, self.ctx.where)
        ips = converge.converge(self.ctx, d, journal=Journal(apply=True))
        return LoadBalancerStatus(ingress=tuple(Ingress(ip=ip) for ip in ips.values()))

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """Add and remove group members only (nothing when the LB does not exist yet).

        `previous` is unused: the instance groups' members are read and compared.
        """
        d = desired(spec, self.ctx.where)
        converge.refresh_backends(self.ctx, d, journal=Journal(apply=True))

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Delete everything of ours for `ref`; absent is success."""
        Journal(apply=True).do(teardown.steps(self.ctx, ref))

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """The writes `ensure(spec)` would make now (reads only)."""
        self.validate(spec)
        journal = Journal(apply=False)
        converge.converge(self.ctx, desired(spec, self.ctx.where), journal=journal)
        return journal.changes

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """The writes `ensure_deleted(ref)` would make now (reads only)."""
        return [step.change for step in teardown.steps(self.ctx, ref)]

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every load balancer (backend service) marked as this cluster's, and those
        cloud-provider-gcp made in this cluster and nobody took over yet."""
        found = [*ownership.list_owned(self.ctx), *adoption.listed(self.ctx)]
        return sorted(found, key=lambda item: (item.ref.service_key, item.cloud_id))
