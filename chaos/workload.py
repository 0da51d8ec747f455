"""Carrying out the schedule's Service steps against the real API server.

Where it sits: the runner (`chaos.run`) hands each create, change and delete step to
`Workload`. Calls are retried (bounded) while the API server is restarting; a create that
already happened (its answer lost in a restart) and a delete of a Service already gone count
as done. The counts feed the figure table.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from chaos.shapes import Shape, body, patches
from lbcontroller.kube import Conflict, KubeClient, KubeError, NotFound

T = TypeVar("T")
log = logging.getLogger(__name__)
RETRY_FOR = 120.0  # seconds a call is retried while the API server is away


@dataclass
class Counts:
    """Services created, changed and deleted, and the API calls retried on the way."""

    created: int = 0
    changed: int = 0
    deleted: int = 0
    retried: int = 0


def _transient(exc: Exception) -> bool:
    if isinstance(exc, KubeError):
        return exc.status >= 500 or exc.status == 429
    return True  # connection refused or reset while the API server restarts


class Workload:
    """Creates, changes and deletes Services."""

    def __init__(self, kube: KubeClient) -> None:
        self._kube = kube
        self.counts = Counts()

    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                return call()
            except (NotFound, Conflict):
                raise
            except Exception as exc:
                if not _transient(exc) or time.monotonic() > deadline:
                    raise
                self.counts.retried += 1
                log.info("retrying %s: %s", what, exc)
                time.sleep(0.5)

    def create(self, key: str, shape: Shape) -> None:
        """POST the Service (already there: done)."""
        namespace, name = key.split("/")
        path = f"/api/v1/namespaces/{namespace}/services"
        with contextlib.suppress(Conflict):
            self._retrying(f"create {key}", lambda: self._post(path, body(name, shape)))
        self.counts.created += 1

    def _post(self, path: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self._kube.request("POST", path, body=obj)

    def create_raw(self, namespace: str, obj: dict[str, Any]) -> None:
        """POST any Service body (the checker's self-test)."""
        self._post(f"/api/v1/namespaces/{namespace}/services", obj)

    def change(self, key: str, old: Shape, new: Shape) -> None:
        """Merge-patch the Service from `old` to `new` (two patches to move clouds)."""
        namespace, name = key.split("/")
        for patch in patches(old, new):
            self._retrying(
                f"change {key}", partial(self._kube.patch_service, namespace, name, patch)
            )
        self.counts.changed += 1

    def delete(self, key: str) -> None:
        """DELETE the Service (the finalizer then holds it until the controller lets go)."""
        namespace, name = key.split("/")
        path = f"/api/v1/namespaces/{namespace}/services/{name}"
        with contextlib.suppress(NotFound):
            self._retrying(f"delete {key}", lambda: self._kube.request("DELETE", path))
        self.counts.deleted += 1

    def services(self, prefix: str) -> list[dict[str, Any]]:
        """Every Service in the namespaces starting with `prefix`."""
        items, _ = self._retrying("list services", lambda: self._kube.list("/api/v1/services"))
        return [s for s in items if s["metadata"]["namespace"].startswith(prefix)]
