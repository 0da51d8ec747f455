"""The GCP provider: backend service-based passthrough network load balancers for Services.

Where it sits: the CLI (through `lbcontroller.registry`) calls `build` once per `type: gcp`
entry of the config; the reconciler then uses the returned `Provider`. Credentials come from
the SDK's own chain only (anonymous when the config overrides the endpoint, e.g. for tests).
"""

from __future__ import annotations

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.config import GcpProvider
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from providers.gcp.api import Api, classify
from providers.gcp.context import Context, Where, buckets, make_clients
from providers.gcp.provider import GcpLoadBalancers

__all__ = ["GcpLoadBalancers", "build"]


def build(config: GcpProvider, *, cluster: str, metrics: Metrics) -> Provider:
    """The GCP provider for one config entry and cluster."""
    limits = buckets(config.rate_limits)
    caller = CloudCaller(provider=config.name, metrics=metrics, classify=classify, limits=limits)
    api = Api(clients=make_clients(config), caller=caller)
    return GcpLoadBalancers(config.name, Context.of(api, Where.of(config, cluster=cluster)))
