"""The OpenStack provider: Octavia load balancers (and Neutron floating IPs) for Services.

Where it sits: the CLI (through `lbcontroller.registry`) calls `build` once per
`type: openstack` entry of the config; the reconciler then uses the returned `Provider`.
Credentials come from openstacksdk's own configuration only (clouds.yaml, OS_CLOUD, the OS_*
variables, application credentials); the config names a clouds.yaml entry, never a password.
"""

from __future__ import annotations

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.config import OpenStackProvider
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from providers.openstack.api import Api, classify
from providers.openstack.context import Context, Settings, buckets, connect
from providers.openstack.provider import OpenStackLoadBalancers

__all__ = ["OpenStackLoadBalancers", "build"]


def build(config: OpenStackProvider, *, cluster: str, metrics: Metrics) -> Provider:
    """The OpenStack provider for one config entry and cluster."""
    limits = buckets(config.rate_limits)
    caller = CloudCaller(provider=config.name, metrics=metrics, classify=classify, limits=limits)
    api = Api(conn=connect(config), caller=caller)
    return OpenStackLoadBalancers(config.name, Context(api, Settings.of(config, cluster=cluster)))
