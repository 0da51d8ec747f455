"""Kubernetes Events on Services, named as users of the upstream controller know them.

Where it sits: the reconciler records EnsuringLoadBalancer, EnsuredLoadBalancer,
UpdatedLoadBalancer, DeletingLoadBalancer, DeletedLoadBalancer and UnAvailableLoadBalancer, and
the controller SyncLoadBalancerFailed, UpdateLoadBalancerFailed and DeleteLoadBalancerFailed
(the upstream service controller's reasons), through `EventRecorder`, which writes via the
`kube` seam. A repeat of the same reason and message on the same object bumps the existing
Event's count instead of adding another; the Event's name is a digest of both, so a restarted
process finds the Event its predecessor wrote (409 on create) and goes on counting from there,
and one that expired meanwhile (404 on the bump) is written anew.
"""

from __future__ import annotations

import datetime
import logging
import threading

from lbcontroller.kube import JSON, KubeClient, KubeError
from lbcontroller.model import Service
from lbcontroller.naming import digest

log = logging.getLogger(__name__)
COMPONENT = "lbcontroller"
_MAX_TRACKED = 10_000


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Posts (or bumps) Events; failures are logged, never raised."""

    def __init__(self, client: KubeClient) -> None:
        self._client = client
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def normal(self, service: Service, reason: str, message: str) -> None:
        """A Normal Event."""
        self._record(service, "Normal", reason, message)

    def warning(self, service: Service, reason: str, message: str) -> None:
        """A Warning Event."""
        self._record(service, "Warning", reason, message)

    def _record(self, service: Service, kind: str, reason: str, message: str) -> None:
        name = f"{service.name}.{digest(service.uid, kind, reason, message, length=16)}"
        with self._lock:
            if len(self._counts) > _MAX_TRACKED:
                self._counts.clear()
            count = self._counts.get(name, 0) + 1
            self._counts[name] = count
        try:
            written = self._write(service, count, _event(service, name, kind, reason, message))
        except KubeError as exc:
            written = 0
            log.warning("could not record event %s on %s: %s", reason, service.key, exc)
        with self._lock:
            self._counts[name] = written

    def _write(self, service: Service, count: int, event: JSON) -> int:
        """Create or bump the Event; the count it now has."""
        namespace, name = service.namespace, event["metadata"]["name"]
        if count > 1:
            try:
                return self._bump(namespace, name, count)
            except KubeError as exc:
                if exc.status != 404:
                    raise
        try:
            self._client.create_event(namespace, event)
            return 1
        except KubeError as exc:
            if exc.status != 409:
                raise
        return self._bump(
            namespace, name, int(self._client.get_event(namespace, name).get("count") or 1) + 1
        )

    def _bump(self, namespace: str, name: str, count: int) -> int:
        self._client.patch_event(namespace, name, {"count": count, "lastTimestamp": _now()})
        return count


def _event(service: Service, name: str, kind: str, reason: str, message: str) -> JSON:
    now = _now()
    return {
        "metadata": {"name": name, "namespace": service.namespace},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Service",
            "namespace": service.namespace,
            "name": service.name,
            "uid": service.uid,
        },
        "type": kind,
        "reason": reason,
        "message": message[:1024],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
