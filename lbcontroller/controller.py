"""The running controller: informers, work queue, workers, node sync, resync, leadership.

Where it sits: `lbcontroller run` (the CLI) builds one `Controller` with the configured
providers and calls `run`. Informer callbacks turn Service changes into queued keys and
qualifying Node changes into one debounced node sync, which re-queues the Services we serve so
the reconciler takes the cheap backend path. Workers process keys with per-key backoff; only
the Lease holder runs them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from lbcontroller.cache import Informer
from lbcontroller.config import ControllerSettings
from lbcontroller.errors import InvalidAnnotation, PermanentError, RetryAfter
from lbcontroller.events import EventRecorder
from lbcontroller.kube import Conflict, KubeClient
from lbcontroller.leader import LeaseElector
from lbcontroller.metrics import Metrics
from lbcontroller.model import Node, Service, node_from_json, service_from_json
from lbcontroller.nodes import backend_relevant
from lbcontroller.reconciler import SYNC_FAILED, Reconciler
from lbcontroller.router import Router
from lbcontroller.workqueue import WorkQueue

log = logging.getLogger(__name__)


class Controller:
    """One replica of the controller."""

    def __init__(
        self,
        *,
        client: KubeClient,
        router: Router,
        settings: ControllerSettings,
        metrics: Metrics,
        identity: str,
    ) -> None:
        self.router = router
        self.settings = settings
        self.metrics = metrics
        self.queue = WorkQueue(
            base_delay=settings.retry_base_delay, max_delay=settings.retry_max_delay
        )
        self.services: Informer[Service] = Informer(
            client=client,
            path="/api/v1/services",
            parse=service_from_json,
            key=lambda s: s.key,
            on_change=self._service_changed,
        )
        self.nodes: Informer[Node] = Informer(
            client=client,
            path="/api/v1/nodes",
            parse=node_from_json,
            key=lambda n: n.name,
            on_change=self._node_changed,
        )
        self.events = EventRecorder(client)
        self.reconciler = Reconciler(
            client=client,
            router=router,
            services=self.services.get,
            nodes=self.nodes.items,
            events=self.events,
            metrics=metrics,
        )
        election = settings.leader_election
        self.elector = (
            LeaseElector(
                client=client,
                namespace=election.namespace,
                name=election.name,
                identity=identity,
                lease_duration=election.lease_duration,
                renew_deadline=election.renew_deadline,
                retry_period=election.retry_period,
            )
            if election.enabled
            else None
        )
        self._forced: set[str] = set()
        self._node_sync: tuple[float, set[str]] | None = None
        self._lock = threading.Lock()
        self._node_dirty = threading.Event()
        self._stop = threading.Event()
        self.leading = threading.Event()
        self._threads: list[threading.Thread] = []

    # Informer callbacks: cheap, never blocking.

    def _service_changed(self, old: Service | None, new: Service | None) -> None:
        current = new or old
        if current is not None and (
            self.router.claims(current) or (old and self.router.claims(old))
        ):
            self.queue.add(current.key)

    def _node_changed(self, old: Node | None, new: Node | None) -> None:
        if backend_relevant(old, new):
            self._node_dirty.set()

    # Background loops.

    def _node_sync_loop(self) -> None:
        while not self._stop.is_set():
            if not self._node_dirty.wait(0.5):
                continue
            started = time.monotonic()
            self._stop.wait(self.settings.node_sync_delay)
            self._node_dirty.clear()
            keys = self.reconciler.applied_keys()
            with self._lock:
                self._node_sync = (started, set(keys)) if keys else None
            for key in keys:
                self.queue.add(key)

    def _node_sync_progress(self, key: str) -> None:
        """Observe the node-sync latency when the last affected Service was processed."""
        with self._lock:
            if self._node_sync is None or key not in self._node_sync[1]:
                return
            started, pending = self._node_sync
            pending.discard(key)
            if pending:
                return
            self._node_sync = None
        self.metrics.nodesync_seconds.observe(time.monotonic() - started)

    def _resync_loop(self) -> None:
        while not self._stop.wait(self.settings.resync_period):
            self.resync()

    def resync(self) -> None:
        """Re-ensure every Service we serve (drift repair), even if nothing changed."""
        for service in self.services.items():
            if self.router.wanted(service) or self.router.made_by(service):
                with self._lock:
                    self._forced.add(service.key)
                self.queue.add(service.key)

    def _worker(self) -> None:
        while True:
            key = self.queue.get()
            if key is None:
                return
            self.metrics.queue_depth.set(len(self.queue))
            try:
                self._process(key)
            except Exception:  # never let one key end a worker: back it off instead
                log.exception("processing failed", extra={"service": key})
                self.queue.backoff(key)
            finally:
                self.queue.done(key)
                self._node_sync_progress(key)

    def _process(self, key: str) -> None:
        with self._lock:
            force = key in self._forced
            self._forced.discard(key)
        provider = self._provider_label(key)
        started = time.monotonic()
        result = "success"
        try:
            self.reconciler.reconcile(key, force=force)
            self.queue.forget(key)
        except RetryAfter as exc:
            result = "retry"
            self.queue.add_after(key, exc.delay)
        except PermanentError as exc:
            result = "invalid"
            self.metrics.bad_input.labels(provider).inc()  # counted before the Event is seen
            self._warn(key, _naming_the_field(exc))
            self.queue.forget(key)
        except Conflict:
            result = "conflict"
            self.queue.add_after(key, 0.2)
        except Exception as exc:
            result = "error"
            log.exception("reconcile failed", extra={"service": key})
            self._warn(key, f"{type(exc).__name__}: {exc}", self.reconciler.failure_reason(key))
            self.queue.backoff(key)
        self.metrics.reconciles.labels(provider, result).inc()
        self.metrics.reconcile_seconds.labels(provider).observe(time.monotonic() - started)

    def _provider_label(self, key: str) -> str:
        service = self.services.get(key)
        if service is None:
            return ""
        return self.router.wanted(service) or self.router.made_by(service) or ""

    def _warn(self, key: str, message: str, reason: str = SYNC_FAILED) -> None:
        service = self.services.get(key)
        if service is not None:
            self.events.warning(service, reason, message)

    # Lifecycle.

    def _spawn(self, name: str, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def queue_idle(self) -> bool:
        """Whether the workers have nothing to do right now."""
        return self.queue.idle()

    def healthy(self) -> bool:
        """Whether every thread we started is still running."""
        return all(t.is_alive() for t in self._threads) or self._stop.is_set()

    def ready(self) -> bool:
        """Whether both caches have synced."""
        return self.services.synced.is_set() and self.nodes.synced.is_set()

    def start_informers(self) -> None:
        """Start both informers and wait until their first lists are in."""
        self._spawn("services", self.services.run, self._stop)
        self._spawn("nodes", self.nodes.run, self._stop)
        while not self.ready() and not self._stop.wait(0.05):
            pass

    def run(self) -> bool:
        """Run until `stop()`; False if leadership was lost (the process should exit)."""
        self.start_informers()
        if self.elector is not None and not self.elector.acquire(self._stop):
            return True
        self.leading.set()
        self.metrics.leader.set(1)
        for i in range(self.settings.workers):
            self._spawn(f"worker-{i}", self._worker)
        self._spawn("node-sync", self._node_sync_loop)
        if self.settings.resync_period > 0:
            self._spawn("resync", self._resync_loop)
        for service in self.services.items():
            if self.router.claims(service):
                self.queue.add(service.key)
        kept = self._lead_until_stopped()
        self.leading.clear()
        self.metrics.leader.set(0)
        return kept

    def stop(self) -> None:
        """Ask `run` to finish (SIGTERM)."""
        self._stop.set()

    def _lead_until_stopped(self) -> bool:
        """Work while holding the Lease; False if it was lost.

        On `stop()` the Lease is still renewed while the workers finish what they are doing
        (bounded by shutdownTimeout), and released only once none is left writing: another
        replica never takes over while this one still writes. A lost Lease stops everything
        at once, without waiting for the workers (the process then exits).
        """
        if self.elector is None:
            self._stop.wait()
            self._drain()
            return True
        drained = threading.Event()
        self._spawn("drain", self._drain_on_stop, drained)
        kept = self.elector.keep(drained)
        self._stop.set()  # after a lost Lease: stop taking work now
        if kept and not any(t.is_alive() for t in self._workers()):
            self.elector.release()
        return kept

    def _drain_on_stop(self, drained: threading.Event) -> None:
        self._stop.wait()
        self._drain()
        drained.set()

    def _drain(self) -> None:
        """Stop taking work; wait (bounded) for the workers' reconciles in flight."""
        self.queue.shut_down()
        deadline = time.monotonic() + self.settings.shutdown_timeout
        for thread in self._workers():
            thread.join(max(0.0, deadline - time.monotonic()))

    def _workers(self) -> list[threading.Thread]:
        return [t for t in self._threads if t.name.startswith("worker-")]


def _naming_the_field(exc: PermanentError) -> str:
    """The error's message, led by the field it is about unless it names it already."""
    if exc.field is None or isinstance(exc, InvalidAnnotation) or exc.field in exc.message:
        return exc.message
    return f"{exc.field}: {exc.message}"
