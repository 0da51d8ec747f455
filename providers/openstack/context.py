"""What every OpenStack step needs: the API door, the config's settings, how long to wait.

Where it sits: built once by `providers.openstack.build`; the provider hands it to the flows,
`teardown` and `owned`. `plan` uses a copy whose `Api` only records writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from lbcontroller.config import OpenStackProvider
from providers.openstack.api import Api


@dataclass(frozen=True, slots=True)
class Settings:
    """Where load balancers go and what happens to them, from the config entry."""

    cluster: str
    vip_subnet_id: str | None = None
    vip_network_id: str | None = None
    floating_network_id: str | None = None
    keep_floating_ip: bool = False
    delete_on_error: bool = True

    @classmethod
    def of(cls, config: OpenStackProvider, *, cluster: str) -> Settings:
        """The settings of one `type: openstack` config entry."""
        return cls(
            cluster=cluster,
            vip_subnet_id=config.vip_subnet_id,
            vip_network_id=config.vip_network_id,
            floating_network_id=config.floating_network_id,
            keep_floating_ip=config.keep_floating_ip,
            delete_on_error=config.delete_on_error,
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

    def dry(self) -> Context:
        """The same context with an Api that records its writes instead of sending them."""
        return dataclasses.replace(self, api=self.api.dry())
