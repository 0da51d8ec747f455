"""What every OpenStack step needs: the API door, the config's settings, how long to wait; and
how the door is made (the openstacksdk connection and the token buckets).

Where it sits: `providers.openstack.build` makes the connection and the buckets with `connect`
and `buckets` once per config entry, hands them to `api.Api`, and builds the `Context` the
provider hands to `converge` and `teardown`. The connection is openstacksdk's usual one:
`config.cloud` names a clouds.yaml entry (OS_CLOUD and the OS_* variables when it is unset), so
passwords, application credentials and tokens stay in clouds.yaml / secure.yaml or the
environment, never in our config. Keystone's catalog gives the endpoints; `config.endpoint`
overrides the load-balancer one (Octavia's API root, as the catalog lists it). Nothing is sent
before the first call: openstacksdk logs in lazily, inside the first `CloudCaller` call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import openstack
from openstack.connection import Connection

from lbcontroller.config import OpenStackProvider, RateLimit
from lbcontroller.ratelimit import Family, TokenBucket, build_buckets
from providers.openstack.api import Api

# Octavia and Neutron publish no request quotas; these keep one controller gentle. Writes are
# serialised per load balancer by Octavia anyway (one change at a time, then PENDING_UPDATE).
DEFAULTS = {"read": Family(qps=20, burst=100), "write": Family(qps=5, burst=20)}


@dataclass(frozen=True, slots=True)
class Settings:
    """Where load balancers go and what happens to them, from the config entry."""

    cluster: str
    vip_subnet_id: str | None = None
    vip_network_id: str | None = None
    vip_ipv6_subnet_id: str | None = None
    floating_network_id: str | None = None
    keep_floating_ip: bool = False
    delete_on_error: bool = True
    upstream_cluster: str = ""  # cloud-provider-openstack's --cluster-name ("": `cluster`)
    compatibility: str = "lbcontroller"  # whose defaults an unannotated Service gets

    @property
    def cpo_cluster(self) -> str:
        """The cluster name in the names cloud-provider-openstack gave its load balancers."""
        return self.upstream_cluster or self.cluster

    @classmethod
    def of(cls, config: OpenStackProvider, *, cluster: str) -> Settings:
        """The settings of one `type: openstack` config entry."""
        return cls(
            cluster=cluster,
            vip_subnet_id=config.vip_subnet_id,
            vip_network_id=config.vip_network_id,
            vip_ipv6_subnet_id=config.vip_ipv6_subnet_id,
            floating_network_id=config.floating_network_id,
            keep_floating_ip=config.keep_floating_ip,
            delete_on_error=config.delete_on_error,
            upstream_cluster=config.upstream_cluster_name or cluster,
            compatibility=config.compatibility,
        )


@dataclass(frozen=True, slots=True)
class Patience:
    """Polling a load balancer out of PENDING_*: after `first` s, then each wait `factor` times
    longer (at most `longest`), `budget` s in all; then RetryAfter(`retry_after`)."""

    first: float = 1.0
    factor: float = 1.2
    longest: float = 10.0
    budget: float = 60.0
    retry_after: float = 5.0

    def delays(self) -> Iterator[float]:
        """The sleeps before each poll, until the budget is spent."""
        spent, delay = 0.0, self.first
        while spent + delay <= self.budget:
            yield delay
            spent += delay
            delay = min(delay * self.factor, self.longest)


@dataclass(frozen=True, slots=True)
class Context:
    """Shared, long-lived collaborators of one OpenStack provider."""

    api: Api
    settings: Settings
    patience: Patience = Patience()


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """A token bucket for reads and one for writes; `rateLimits` in the config overrides."""
    return build_buckets(DEFAULTS, limits)


def connect(config: OpenStackProvider) -> Connection:
    """An openstacksdk connection for the configured cloud (not yet logged in)."""
    overrides: dict[str, Any] = {}
    if config.endpoint:
        overrides["load_balancer_endpoint_override"] = config.endpoint
    return openstack.connect(cloud=config.cloud, **overrides)
