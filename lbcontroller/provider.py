"""The contract every cloud adapter fulfils, and the status it returns.

Where it sits: the reconciler holds one `Provider` per configured cloud and calls these verbs;
adapters under `providers/` implement them. All verbs are idempotent: calling one twice with
the same input converges to the same cloud state, and the second call writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lbcontroller.model import Ingress
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec, ProviderOptions


@dataclass(frozen=True, slots=True)
class LoadBalancerStatus:
    """What the Service's `status.loadBalancer.ingress` should say."""

    ingress: tuple[Ingress, ...]


@dataclass(frozen=True, slots=True)
class OwnedLoadBalancer:
    """A load balancer found in the cloud carrying this cluster's ownership marks."""

    ref: LoadBalancerRef
    cloud_id: str


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One cloud write that `ensure`/`ensure_deleted` would make now, as `plan` reports it.

    `operation` is the cloud API's own name for the call (e.g. CreateLoadBalancer), so a plan
    can be checked against the calls a later run records.
    """

    action: str  # create, update or delete
    kind: str  # e.g. load-balancer, listener, target-group, firewall
    name: str
    operation: str
    detail: str = ""


class Provider(Protocol):
    """A cloud adapter. Errors: `RetryAfter`, `PermanentError`, or anything (backed off)."""

    @property
    def name(self) -> str:
        """The provider's configured name (for logs, metrics and Events)."""
        ...

    @property
    def needs_node_ports(self) -> bool:
        """Whether the load balancer reaches the nodes at a NodePort (AWS instance targets,
        Octavia members) or at the Service port itself (a GCP passthrough load balancer)."""
        ...

    def parse_options(self, annotations: Mapping[str, str]) -> ProviderOptions:
        """Parse this provider's annotations into typed options (pure; InvalidAnnotation)."""
        ...

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse, with PermanentError or Unsupported, a spec this cloud cannot serve (pure)."""
        ...

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create the load balancer or converge it to `spec`; return its status.

        A provider may keep a record of what it last converged (e.g. a fingerprint tag) and,
        while it matches, check only cheap parts. `verify=True` (the periodic drift resync)
        checks every part against the cloud and repairs what was changed behind our back.
        """
        ...

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """Converge only the backends (the cheap node-change path) of an existing LB.

        `previous` are the backends this process last applied to it (the reconciler's record):
        a provider that also remembers where it put them may write only the difference
        without reading (drift is the `verify` resync's to repair); None: read what is there.
        """
        ...

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Delete everything this cluster owns for `ref`; absent counts as success."""
        ...

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """The writes `ensure(spec)` would make now, reading the cloud but writing nothing."""
        ...

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """The writes `ensure_deleted(ref)` would make now, writing nothing."""
        ...

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every load balancer carrying this cluster's ownership marks (for garbage collection)."""
        ...
