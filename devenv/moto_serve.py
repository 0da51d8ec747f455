"""moto_server with the one answer of ours that makes it closer to AWS: a new classic ELB's
default health check.

    python -m devenv.moto_serve -H 127.0.0.1 -p PORT      (moto_server's own arguments)

Where it sits: `devenv.aws.start_moto` runs this instead of the bare `moto_server`. AWS gives
every classic ELB a health check from its creation on, so DescribeLoadBalancers always holds a
`HealthCheck`; moto holds none until ConfigureHealthCheck, and the upstream
aws-cloud-controller-manager, which compares the described check field by field, dereferences
the missing one and panics (cloud-provider-aws v1.37.1, pkg/providers/v1/aws_loadbalancer.go,
`ensureLoadBalancerHealthCheck`: `actual.Target` with `actual := loadBalancer.HealthCheck`
nil). Here a classic ELB created without one gets AWS's documented defaults (interval 30 s,
timeout 5 s, unhealthy threshold 2, healthy threshold 10) probing TCP on its first listener's
instance port. The README's "The local environment" lists this difference. LocalStack's
bundled moto is left as it is: the upstream manager runs against moto only.
"""

from __future__ import annotations

from typing import Any

from moto.elb.models import FakeHealthCheck, LoadBalancer
from moto.server import main

DEFAULT_TIMING = {"interval": "30", "timeout": "5", "unhealthy_threshold": "2"}
DEFAULT_TIMING |= {"healthy_threshold": "10"}


def default_health_check(balancer: Any) -> FakeHealthCheck | None:
    """The check AWS gives a new classic ELB: TCP on its first listener's instance port."""
    if not balancer.listeners:
        return None
    return FakeHealthCheck(target=f"TCP:{balancer.listeners[0].instance_port}", **DEFAULT_TIMING)


def _patch() -> None:
    created = LoadBalancer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        created(self, *args, **kwargs)
        if self.health_check is None:
            self.health_check = default_health_check(self)

    LoadBalancer.__init__ = init  # type: ignore[method-assign]


if __name__ == "__main__":
    _patch()
    main()
