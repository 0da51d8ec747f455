"""Prometheus metrics: one registry per controller, named as upstream users expect.

Where it sits: the reconciler, node sync, work queue and every provider's cloud-call wrapper
(`cloudcall`) record here; the health server (`health`) serves the registry on `/metrics`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_SECONDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    """The controller's metrics, in their own registry (tests make as many as they like)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reconciles = Counter(
            "lbcontroller_loadbalancer_sync_total",
            "Reconciles, by provider and result",
            ["provider", "result"],
            registry=r,
        )
        self.reconcile_seconds = Histogram(
            "lbcontroller_reconcile_duration_seconds",
            "Reconcile duration by provider",
            ["provider"],
            buckets=_SECONDS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "lbcontroller_workqueue_depth", "Keys waiting in the work queue", registry=r
        )
        self.cloud_calls = Counter(
            "lbcontroller_cloud_api_requests_total",
            "Cloud API calls by provider, operation and outcome (ok, error, throttled)",
            ["provider", "operation", "outcome"],
            registry=r,
        )
        self.cloud_rate = Gauge(
            "lbcontroller_cloud_api_rate_limit",
            "The client-side rate limit (calls a second) of each provider's API family now",
            ["provider", "family"],
            registry=r,
        )
        self.cloud_throttles = Counter(
            "lbcontroller_cloud_api_throttles_total",
            "Calls the cloud answered with throttling, by provider and API family",
            ["provider", "family"],
            registry=r,
        )
        self.cloud_seconds = Histogram(
            "lbcontroller_cloud_api_request_duration_seconds",
            "Cloud API call duration",
            ["provider", "operation"],
            buckets=_SECONDS,
            registry=r,
        )
        self.time_to_ingress = Histogram(
            "lbcontroller_service_ingress_latency_seconds",
            "From Service creation to its first ingress being written",
            ["provider"],
            buckets=_SECONDS,
            registry=r,
        )
        self.nodesync_seconds = Histogram(
            "lbcontroller_nodesync_latency_seconds",
            "From a node change to the backends of every affected load balancer converged",
            buckets=_SECONDS,
            registry=r,
        )
        self.nodesync_errors = Counter(
            "lbcontroller_nodesync_error_total",
            "Backend updates after a node change that failed (retried with backoff), by provider",
            ["provider"],
            registry=r,
        )
        self.host_update_seconds = Histogram(
            "lbcontroller_update_loadbalancer_host_latency_seconds",
            "Duration of one load balancer's backend update after a node change",
            ["provider"],
            buckets=_SECONDS,
            registry=r,
        )
        self.bad_input = Counter(
            "lbcontroller_invalid_service_total",
            "Services refused for bad input (a Warning Event was posted), by provider",
            ["provider"],
            registry=r,
        )
        self.leader = Gauge(
            "lbcontroller_leader", "1 while this replica holds the Lease", registry=r
        )
