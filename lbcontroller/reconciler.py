"""Reconcile one Service: finalizer, provider call, status, Events.

Where it sits: a controller worker pops a Service key from the work queue and calls
`Reconciler.reconcile`. It reads only cached objects, builds the desired spec with the pure core
(`spec.build_spec`), compares it with what it last applied, and then does the least it must:
nothing; the cheap backend update; or a full ensure. The finalizer is written before any cloud
resource is made and removed only after the provider confirmed deletion.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lbcontroller.errors import PermanentError
from lbcontroller.events import EventRecorder
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.model import (
    CLEANUP_FINALIZERS,
    FINALIZER,
    TAKEN_OVER_FINALIZERS,
    Ingress,
    Node,
    Service,
    service_from_json,
)
from lbcontroller.router import PROVIDER_ANNOTATION, Route, Router, recorded
from lbcontroller.spec import Backend, LoadBalancerSpec, build_spec, ordered_ingress, ref_for

log = logging.getLogger(__name__)
# the upstream service controller's Warning reasons, which users' alerts match on
SYNC_FAILED, UPDATE_FAILED = "SyncLoadBalancerFailed", "UpdateLoadBalancerFailed"
DELETE_FAILED = "DeleteLoadBalancerFailed"
NO_NODES = "There are no available nodes for LoadBalancer"


@dataclass(frozen=True)
class Applied:
    """What we last converged a Service's load balancer to."""

    provider: str
    front: LoadBalancerSpec[Any]
    backends: tuple[Backend, ...]


class Reconciler:
    """The per-Service decision and its effects."""

    def __init__(
        self,
        *,
        client: KubeClient,
        router: Router,
        services: Callable[[str], Service | None],
        nodes: Callable[[], list[Node]],
        events: EventRecorder,
        metrics: Metrics,
    ) -> None:
        self._client = client
        self._router = router
        self._services = services
        self._nodes = nodes
        self._events = events
        self._metrics = metrics
        self._applied: dict[str, Applied] = {}
        self._lock = threading.Lock()
        self._failing: dict[str, str] = {}  # key -> the Event reason if its step now fails

    def failure_reason(self, key: str) -> str:
        """Upstream's Event reason for the step of `key`'s reconcile that raised: deleting,
        updating the backends, or else syncing."""
        return self._failing.get(key, SYNC_FAILED)

    @contextmanager
    def _step(self, key: str, reason: str) -> Iterator[None]:
        self._failing[key] = reason
        yield
        self._failing.pop(key, None)

    def applied_keys(self) -> list[str]:
        """Keys of the Services whose load balancers we have converged."""
        with self._lock:
            return list(self._applied)

    def reconcile(self, key: str, *, force: bool = False) -> None:
        """Converge the load balancer of Service `key` (force: re-ensure even if unchanged)."""
        service = self._services(key)
        if service is None:
            self._forget(key)
            return
        wanted, made_by = self._router.wanted(service), self._router.made_by(service)
        if made_by is not None and made_by != wanted:
            service = self._clean_up(service, made_by)
        if service is not None and (cls := self._router.unserved(service)):
            raise PermanentError(
                f"no configured provider serves loadBalancerClass {cls!r}",
                field="spec.loadBalancerClass",
            )
        if wanted is None or service is None:
            return
        self._converge(service, wanted, force=force)

    def _forget(self, key: str) -> None:
        with self._lock:
            self._applied.pop(key, None)
        self._failing.pop(key, None)

    def _route(self, name: str) -> Route:
        return self._router.routes[name]

    def _clean_up(self, service: Service, made_by: str) -> Service | None:
        route = self._route(made_by)
        ref = ref_for(route.settings.cluster, service)
        self._events.normal(service, "DeletingLoadBalancer", f"Deleting load balancer ({made_by})")
        with self._step(service.key, DELETE_FAILED):
            route.provider.ensure_deleted(ref)
        self._events.normal(service, "DeletedLoadBalancer", f"Deleted load balancer ({made_by})")
        self._forget(service.key)
        finalizers = [f for f in service.finalizers if f not in CLEANUP_FINALIZERS]
        patch: dict[str, Any] = {
            "metadata": {
                "resourceVersion": service.resource_version,
                "finalizers": finalizers,
                "annotations": {PROVIDER_ANNOTATION: None},
            }
        }
        updated = service_from_json(
            self._client.patch_service(service.namespace, service.name, patch)
        )
        if updated.deleting:
            return None
        if updated.ingress:
            self._write_status(updated, ())
        return updated

    def _converge(self, service: Service, wanted: str, *, force: bool) -> None:
        route = self._route(wanted)
        spec = build_spec(service, self._nodes(), route.settings, route.provider.parse_options)
        route.provider.validate(spec)
        taking_over = recorded(service) != wanted or _held_by_others(service)
        if taking_over:
            service = self._take_over(service, wanted)
        with self._lock:
            last = self._applied.get(service.key)
        if (
            last is not None
            and last.provider == route.provider.name
            and last.front == spec.front_end()
        ):
            if not force:
                self._update_backends(service, route, spec, last)
                return
        else:
            force = False
        announce = not force and bool(last or not service.ingress or taking_over)
        self._ensure(service, route, spec, announce=announce, verify=force)

    def _update_backends(
        self, service: Service, route: Route, spec: LoadBalancerSpec[Any], last: Applied
    ) -> None:
        if last.backends == spec.backends:
            return
        self._warn_if_no_nodes(service, spec)
        name, started = route.provider.name, time.monotonic()
        try:
            with self._step(service.key, UPDATE_FAILED):
                route.provider.update_backends(spec, previous=last.backends)
        except Exception:
            self._metrics.nodesync_errors.labels(name).inc()
            raise
        self._metrics.host_update_seconds.labels(name).observe(time.monotonic() - started)
        self._record(service.key, route.provider.name, spec)
        self._events.normal(
            service, "UpdatedLoadBalancer", f"Updated backends: {len(spec.backends)} nodes"
        )

    def _take_over(self, service: Service, provider: str) -> Service:
        """Our finalizer and record, in place of any other cleanup finalizer (see model)."""
        finalizers = [*[f for f in service.finalizers if f not in CLEANUP_FINALIZERS], FINALIZER]
        patch = {
            "metadata": {
                "resourceVersion": service.resource_version,
                "finalizers": finalizers,
                "annotations": {PROVIDER_ANNOTATION: provider},
            }
        }
        return service_from_json(self._client.patch_service(service.namespace, service.name, patch))

    def _ensure(
        self,
        service: Service,
        route: Route,
        spec: LoadBalancerSpec[Any],
        *,
        announce: bool,
        verify: bool,
    ) -> None:
        name = route.provider.name
        self._warn_if_no_nodes(service, spec)
        if announce:
            self._events.normal(service, "EnsuringLoadBalancer", f"Ensuring load balancer ({name})")
        status = route.provider.ensure(spec, verify=verify)
        self._record(service.key, name, spec)
        if announce:
            self._events.normal(service, "EnsuredLoadBalancer", f"Ensured load balancer ({name})")
        ingress = ordered_ingress(status.ingress, spec.ip_families)
        if ingress != service.ingress:
            first = not service.ingress
            self._write_status(service, ingress)
            if first:
                self._metrics.time_to_ingress.labels(name).observe(_age(service.created))

    def _warn_if_no_nodes(self, service: Service, spec: LoadBalancerSpec[Any]) -> None:
        if not spec.backends:
            self._events.warning(service, "UnAvailableLoadBalancer", NO_NODES)

    def _record(self, key: str, provider: str, spec: LoadBalancerSpec[Any]) -> None:
        with self._lock:
            self._applied[key] = Applied(provider, spec.front_end(), spec.backends)

    def _write_status(self, service: Service, ingress: tuple[Ingress, ...]) -> None:
        patch = {"status": {"loadBalancer": {"ingress": [i.to_json() for i in ingress]}}}
        self._client.patch_service_status(service.namespace, service.name, patch)


def _held_by_others(service: Service) -> bool:
    """Whether our finalizer is missing or another controller's cleanup finalizer is on the
    Service: new, made by a provider no longer configured, or taken over from upstream."""
    finalizers = set(service.finalizers)
    return FINALIZER not in finalizers or not TAKEN_OVER_FINALIZERS.isdisjoint(finalizers)


def _age(created: str) -> float:
    try:
        born = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.UTC
        )
    except ValueError:
        return 0.0
    return max(0.0, time.time() - born.timestamp())
