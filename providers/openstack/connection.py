"""The openstacksdk connection and the token buckets of one OpenStack provider.

Where it sits: `providers.openstack.build` makes both once per config entry and hands them to
`api.Api`. The connection is openstacksdk's usual one: `config.cloud` names a clouds.yaml entry
(OS_CLOUD and the OS_* variables when it is unset), so passwords, application credentials and
tokens stay in clouds.yaml / secure.yaml or the environment, never in our config. Keystone's
catalog gives the endpoints; `config.endpoint` overrides the load-balancer one (Octavia's API
root, as the catalog lists it). Nothing is sent before the first call: openstacksdk logs in
lazily, inside the first `CloudCaller` call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openstack
from openstack.connection import Connection

from lbcontroller.config import OpenStackProvider, RateLimit
from lbcontroller.ratelimit import TokenBucket

# Octavia and Neutron publish no request quotas; these keep one controller gentle. Writes are
# serialised per load balancer by Octavia anyway (one change at a time, then PENDING_UPDATE).
DEFAULTS = {"read": RateLimit(qps=20, burst=100), "write": RateLimit(qps=5, burst=20)}


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """A token bucket for reads and one for writes; `rateLimits` in the config overrides."""
    unknown = sorted(set(limits) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"rateLimits: unknown API families {unknown} (expected read, write)")
    chosen = {family: limits.get(family, default) for family, default in DEFAULTS.items()}
    return {family: TokenBucket(limit.qps, limit.burst) for family, limit in chosen.items()}


def connect(config: OpenStackProvider) -> Connection:
    """An openstacksdk connection for the configured cloud (not yet logged in)."""
    overrides: dict[str, Any] = {}
    if config.endpoint:
        overrides["load_balancer_endpoint_override"] = config.endpoint
    return openstack.connect(cloud=config.cloud, **overrides)
