"""The AWS provider: Network Load Balancers and classic ELBs for Services.

Where it sits: the CLI calls `build` once per `type: aws` entry of the config; the reconciler
then uses the returned `Provider`. Credentials come from the SDK's own chain only.
"""

from __future__ import annotations

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.config import AwsProvider
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from providers.aws.api import Api, buckets, classify, make_clients
from providers.aws.context import Context, Networks
from providers.aws.provider import AwsLoadBalancers
from providers.aws.subnets import Subnets

__all__ = ["AwsLoadBalancers", "build"]


def build(config: AwsProvider, *, cluster: str, metrics: Metrics) -> Provider:
    """The AWS provider for one config entry and cluster."""
    caller = CloudCaller(
        provider=config.name,
        metrics=metrics,
        classify=classify,
        limits=buckets(config.rate_limits),
    )
    api = Api(clients=make_clients(config), caller=caller)
    upstream_cluster = config.upstream_cluster_id or cluster
    context = Context(
        api=api,
        networks=Networks(api=api, vpc_id=config.vpc_id),
        node_group=config.node_security_group,
        default_subnets=tuple(config.subnets),
        upstream_cluster=upstream_cluster,
        subnets=Subnets(
            api=api, vpc_id=config.vpc_id, configured=config.subnets, cluster=upstream_cluster
        ),
        upstream=config.compatibility == "upstream",
    )
    return AwsLoadBalancers(name=config.name, cluster=cluster, context=context)
