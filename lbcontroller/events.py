"""Kubernetes Events on Services, named as users of the upstream controller know them.

Where it sits: the reconciler records EnsuringLoadBalancer, EnsuredLoadBalancer,
UpdatedLoadBalancer, DeletingLoadBalancer, DeletedLoadBalancer and SyncLoadBalancerFailed
through `EventRecorder`, which writes via the `kube` seam. A repeat of the same reason and
message on the same object bumps the existing Event's count instead of adding another.
"""

from __future__ import annotations

import datetime
import logging
import threading

from lbcontroller.kube import KubeClient, KubeError
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
            if count == 1:
                self._client.create_event(
                    service.namespace, _event(service, name, kind, reason, message)
                )
            else:
                self._client.patch_event(
                    service.namespace, name, {"count": count, "lastTimestamp": _now()}
                )
        except KubeError as exc:
            if exc.status == 409 or (exc.status == 404 and count > 1):
                with self._lock:
                    self._counts[name] = 0
            log.warning("could not record event %s on %s: %s", reason, service.key, exc)


def _event(service: Service, name: str, kind: str, reason: str, message: str) -> dict[str, object]:
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
