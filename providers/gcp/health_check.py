"""The regional health check: HTTP on kube-proxy's port, or on the Service's health node port.

Where it sits: the first thing `ensure` converges (the backend service refers to it). An
externalTrafficPolicy switch changes its port (and the prober firewall's) with one patch.
"""

from __future__ import annotations

from google.cloud import compute_v1

from lbcontroller.steps import Step, differences
from providers.gcp.context import Context
from providers.gcp.desired import Desired
from providers.gcp.steps import create, modify

KIND = "health-check"
# Probe every 8 s, 1 s to answer; one success makes a node healthy, three failures unhealthy.
INTERVAL, TIMEOUT, HEALTHY, UNHEALTHY = 8, 1, 1, 3


def read(ctx: Context, d: Desired) -> compute_v1.HealthCheck | None:
    """The load balancer's health check (None when absent), checked to be ours."""
    return d.mark.checked(ctx.api.get(ctx.health_checks, d.names.lb), KIND)


def wanted(d: Desired) -> compute_v1.HealthCheck:
    """The health check `d` asks for."""
    probe = d.health
    check = compute_v1.HealthCheck(
        name=d.names.lb,
        description=d.mark.description,
        type_=probe.protocol,
        check_interval_sec=INTERVAL,
        timeout_sec=TIMEOUT,
        healthy_threshold=HEALTHY,
        unhealthy_threshold=UNHEALTHY,
    )
    if probe.protocol == "HTTP":
        check.http_health_check = compute_v1.HTTPHealthCheck(
            port=probe.port, request_path=probe.path or "/"
        )
    else:
        check.tcp_health_check = compute_v1.TCPHealthCheck(port=probe.port)
    return check


def _view(check: compute_v1.HealthCheck) -> dict[str, object]:
    http = check.type_ == "HTTP"
    return {
        "type": check.type_,
        "port": check.http_health_check.port if http else check.tcp_health_check.port,
        "path": check.http_health_check.request_path if http else "",
        "timing": (
            check.check_interval_sec,
            check.timeout_sec,
            check.healthy_threshold,
            check.unhealthy_threshold,
        ),
    }


def steps(ctx: Context, d: Desired, *, current: compute_v1.HealthCheck | None) -> list[Step]:
    """Create the health check, or patch what differs."""
    want = wanted(d)
    if current is None:
        return [create(ctx.api, ctx.health_checks, want, label=KIND)]
    old, new = _view(current), _view(want)
    if old == new:
        return []
    detail = differences((key, old[key], new[key]) for key in new)
    return [modify(ctx.api, ctx.health_checks, want, verb="patch", label=KIND, detail=detail)]
