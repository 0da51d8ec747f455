"""Informers: list, then watch, a collection into a store of slim records.

Where it sits: the controller runs one `Informer` for Services and one for Nodes. Each keeps
its store current through the `kube` seam (watch with bookmarks from the last resourceVersion;
on 410 Gone, or any broken watch, a fresh list that is diffed against the store so no change is
missed) and calls `on_change(old, new)` only when the slim record really changed, so Node
heartbeats never wake the reconciler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from lbcontroller.kube import JSON, Gone, KubeClient

T = TypeVar("T")
log = logging.getLogger(__name__)


class Informer(Generic[T]):
    """A watched, cached collection."""

    def __init__(
        self,
        *,
        client: KubeClient,
        path: str,
        parse: Callable[[JSON], T],
        key: Callable[[T], str],
        on_change: Callable[[T | None, T | None], None],
        watch_timeout: int = 300,
        retry_delay: float = 1.0,
    ) -> None:
        self._client = client
        self._path = path
        self._parse = parse
        self._key = key
        self._on_change = on_change
        self._watch_timeout = watch_timeout
        self._retry_delay = retry_delay
        self._store: dict[str, T] = {}
        self._lock = threading.Lock()
        self._rv = ""
        self.synced = threading.Event()
        self.relists = 0
        self.expirations = 0

    def get(self, key: str) -> T | None:
        """The cached record for `key`."""
        with self._lock:
            return self._store.get(key)

    def items(self) -> list[T]:
        """A snapshot of every cached record."""
        with self._lock:
            return list(self._store.values())

    def _put(self, record: T) -> None:
        key = self._key(record)
        with self._lock:
            old = self._store.get(key)
            self._store[key] = record
        if old != record:
            self._on_change(old, record)

    def _delete(self, key: str) -> None:
        with self._lock:
            old = self._store.pop(key, None)
        if old is not None:
            self._on_change(old, None)

    def relist(self) -> None:
        """List everything and reconcile the store with it, emitting the differences.

        Each page is parsed into slim records as it arrives, so the whole list's JSON is
        never held at once.
        """
        fresh: dict[str, T] = {}
        for items, version in self._client.pages(self._path):
            fresh.update((self._key(r), r) for r in map(self._parse, items))
            self._rv = version
        with self._lock:
            gone = [k for k in self._store if k not in fresh]
        for key in gone:
            self._delete(key)
        for record in fresh.values():
            self._put(record)
        self.relists += 1
        self.synced.set()

    def _apply(self, event: JSON) -> None:
        kind, obj = event["type"], event["object"]
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Gone(410, obj.get("reason", "Expired"), obj.get("message", ""))
            raise RuntimeError(f"watch error: {obj.get('message')}")
        self._rv = obj["metadata"]["resourceVersion"]
        if kind == "BOOKMARK":
            return
        record = self._parse(obj)
        if kind == "DELETED":
            self._delete(self._key(record))
        else:
            self._put(record)

    def run(self, stop: threading.Event) -> None:
        """List and watch until `stop` is set."""
        need_list = True
        while not stop.is_set():
            try:
                if need_list:
                    self.relist()
                    need_list = False
                for event in self._client.watch(
                    self._path, resource_version=self._rv, timeout_seconds=self._watch_timeout
                ):
                    self._apply(event)
                    if stop.is_set():
                        return
            except Gone:
                self.expirations += 1
                log.info("watch expired, relisting", extra={"path": self._path})
                need_list = True
            except Exception:
                log.exception("watch failed, relisting", extra={"path": self._path})
                need_list = True
                stop.wait(self._retry_delay)
