"""Watching one namespace's Services: when each got its first ingress, and when it was gone.

Where it sits: scenarios start an `IngressWatcher` on their namespace before posting Services;
it records, with a monotonic clock, the moment the API server reported each Service's first
ingress address (and its deletion), so time-to-address is measured to the event, not to a
polling interval. Every wait is bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from lbcontroller.kube import JSON, Gone, KubeClient


class Timeout(Exception):
    """A bounded wait ran out."""


class IngressWatcher:
    """First-ingress and deletion times of the Services of one namespace."""

    def __init__(self, kube: KubeClient, namespace: str) -> None:
        self._kube = kube
        self._path = f"/api/v1/namespaces/{namespace}/services"
        self._cond = threading.Condition()
        self.ingress: dict[str, float] = {}
        self.addresses: dict[str, str] = {}
        self.gone: dict[str, float] = {}
        self.present: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-watch", daemon=True)
        self._rv = ""

    def __enter__(self) -> IngressWatcher:
        self._relist()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(15)

    def _relist(self) -> None:
        items, self._rv = self._kube.list(self._path)
        for item in items:
            self._seen("MODIFIED", item)

    def _seen(self, kind: str, obj: JSON) -> None:
        name = obj["metadata"]["name"]
        now = time.monotonic()
        ingress = (obj.get("status", {}).get("loadBalancer", {}) or {}).get("ingress") or []
        with self._cond:
            if kind == "DELETED":
                self.present.discard(name)
                self.gone[name] = now
            else:
                self.present.add(name)
                self.gone.pop(name, None)
                if ingress and name not in self.ingress:
                    self.ingress[name] = now
                    first = ingress[0]
                    self.addresses[name] = str(first.get("hostname") or first.get("ip"))
            self._cond.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for event in self._kube.watch(
                    self._path, resource_version=self._rv, timeout_seconds=5
                ):
                    obj = event["object"]
                    if event["type"] == "ERROR":
                        if obj.get("code") == 410:
                            raise Gone(410, "Expired", "")
                        raise RuntimeError(obj.get("message"))
                    self._rv = obj["metadata"]["resourceVersion"]
                    if event["type"] != "BOOKMARK":
                        self._seen(event["type"], obj)
                    if self._stop.is_set():
                        return
            except Gone:
                self._relist()
            except Exception:  # a broken stream: relist and watch again
                self._stop.wait(0.2)
                if not self._stop.is_set():
                    self._relist()

    def forget(self, name: str) -> None:
        """Drop what is known of `name` (before a Service of the same name is made again)."""
        with self._cond:
            self.ingress.pop(name, None)
            self.addresses.pop(name, None)
            self.gone.pop(name, None)

    def wait_ingress(self, names: Iterable[str], timeout: float) -> dict[str, float]:
        """Wait until each named Service has had an ingress; their first-ingress times."""
        wanted = set(names)
        with self._cond:
            ok = self._cond.wait_for(lambda: wanted <= self.ingress.keys(), timeout)
            if not ok:
                missing = len(wanted - self.ingress.keys())
                raise Timeout(
                    f"{missing} of {len(wanted)} Services had no ingress after {timeout} s"
                )
            return {name: self.ingress[name] for name in wanted}

    def wait_gone(self, names: Iterable[str], timeout: float) -> None:
        """Wait until each named Service has been deleted from the API server."""
        wanted = set(names)
        with self._cond:
            if not self._cond.wait_for(lambda: not (wanted & self.present), timeout):
                left = len(wanted & self.present)
                raise Timeout(f"{left} Services still present after {timeout} s")

    def count_ingress(self) -> int:
        """How many Services have had an ingress so far."""
        with self._cond:
            return len(self.ingress)
