"""The OpenStack provider: lbcontroller's `Provider` verbs over Octavia load balancers, with a
Neutron floating IP for external ones.

Where it sits: built by `providers.openstack.build`; the reconciler calls these verbs. Each verb
turns the spec into the desired load balancer (pure), then hands it to `converge` or `teardown`
with a `Journal` that either applies the steps (ensure, update_backends, ensure_deleted) or only
lists them (plan, plan_delete): one code path, so a plan names exactly the calls the next run
makes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus, OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec, ordered_ingress
from lbcontroller.steps import Journal
from providers.openstack import converge, families, ownership, teardown, upstream
from providers.openstack.context import Context
from providers.openstack.desired import Desired, desired
from providers.openstack.families import MULTI_VIP
from providers.openstack.loadbalancer import LoadBalancerFailed
from providers.openstack.options import OpenStackOptions, parse_options
from providers.openstack.validate import check_ranges, validate


@dataclass(frozen=True, slots=True)
class OpenStackLoadBalancers:
    """Implements `lbcontroller.provider.Provider` for OpenStack Octavia."""

    name: str  # the provider's configured name
    ctx: Context
    needs_node_ports: ClassVar[bool] = True  # members are the nodes at the NodePort

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create or converge the Service's load balancer, members and floating IP included.

        Every part is always read and compared (when converged: the load balancer, its
        listeners, pools, our monitors, each pool's members and our floating IP), so `verify`
        (the periodic drift resync) changes nothing here: drift is repaired on every call.
        """
        want = self._desired(spec)
        addresses = converge.converge(self.ctx, want, journal=Journal(apply=True))
        ingress = tuple(Ingress(ip=ip, ip_mode=want.ip_mode) for ip in addresses())
        return LoadBalancerStatus(ingress=ordered_ingress(ingress, spec.ip_families))

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """One batch member update per pool whose members differ; nothing else.

        `previous` is unused: the pools' members are read and compared (where a node is a
        member depends on the Service's first family only, so no API version is asked).
        """
        want = desired(spec, self.ctx.settings)
        converge.refresh_backends(self.ctx, want, journal=Journal(apply=True))

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Delete everything of ours for `ref` and wait until it is gone; absent is success."""
        Journal(apply=True).do(teardown.steps(self.ctx, ref))

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """The writes `ensure(spec)` would make now (reads only). For a load balancer in
        ERROR that is its deletion (with deleteOnError), after which that ensure stops."""
        want = self._desired(spec)
        journal = Journal(apply=False)
        with contextlib.suppress(LoadBalancerFailed):  # the ensure would stop there too
            converge.converge(self.ctx, want, journal=journal)
        return tuple(journal.changes)

    def _desired(self, spec: LoadBalancerSpec[Any]) -> Desired:
        """The validated spec's load balancer, with the families this Octavia can serve (its
        API version is read only when two are wanted)."""
        self.validate(spec)
        settings = self.ctx.settings
        version = MULTI_VIP
        if len(families.wanted(spec, settings)) > 1:
            version = families.newest(self.ctx.api.octavia_versions())
        served = families.served(spec, settings, version)
        check_ranges(spec, served)  # an older Octavia may serve fewer families
        return desired(spec, settings, served)

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """The writes `ensure_deleted(ref)` would make now (reads only)."""
        journal = Journal(apply=False)
        journal.do(teardown.steps(self.ctx, ref))
        return tuple(journal.changes)

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every load balancer tagged as this cluster's, and those cloud-provider-openstack made
        in it that nobody adopted yet."""
        found = [*ownership.owned(self.ctx), *upstream.owned(self.ctx)]
        return sorted(found, key=lambda lb: (lb.ref.service_key, lb.cloud_id))

    def parse_options(self, annotations: Mapping[str, str]) -> OpenStackOptions:
        """The Service's OpenStack annotations as typed options (pure; InvalidAnnotation)."""
        return parse_options(annotations)

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse what this provider cannot serve (pure; Unsupported / PermanentError)."""
        validate(spec, self.ctx.settings)
