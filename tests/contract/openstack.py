"""The OpenStack kind of the contract suite, on the real Keystone, Octavia and Neutron env-up
started (LBC_ENV=...,openstack).

Nothing is reset between tests, so every provider gets a cluster name of its own, and what is
left tagged or marked with one (load balancers, floating IPs) is deleted when the test ends.
Calls are the provider's own count of them in its metrics (`tests.support.calls.MetricCalls`).
The provider polls Octavia at production pace: the suite does not reach into its settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from lbcontroller.config import OpenStackProvider, RateLimit
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from lbcontroller.spec import LoadBalancerRef
from tests.devenv.openstack_env.support import wait_gone, wait_status
from tests.support.builders import node
from tests.support.calls import MetricCalls

from .kind import Snapshot, built

FAST = RateLimit(qps=1000, burst=1000)
MEMBERS = frozenset({"members.batch_update"})
CLUSTER_TAG = "lbcontroller.io/cluster="


class OpenStackKind:
    """Octavia load balancers (with floating IPs) under this test's cluster names."""

    annotations: Mapping[str, str] = {}
    backend_writes = MEMBERS

    def __init__(self, os_env: dict[str, str], conn: Any) -> None:
        self.os_env, self.conn = os_env, conn
        self.metrics = Metrics()
        self.calls = MetricCalls(self.metrics)
        self.nodes = tuple(node(f"node-{i}", ip=f"10.0.0.{11 + i}") for i in range(3))
        self._clusters: list[str] = []
        self._look_alikes: list[str] = []

    def provider(self, cluster: str) -> Provider:
        """The OpenStack provider on the local cloud, counting its calls in one registry."""
        self._clusters.append(cluster)
        config = OpenStackProvider.model_validate(
            {
                "type": "openstack",
                "name": "os-test",
                "cloud": self.os_env["OS_CLOUD"],
                "vip_subnet_id": self.os_env["OS_VIP_SUBNET_ID"],
                "floating_network_id": self.os_env["OS_FLOATING_NETWORK_ID"],
                "rate_limits": {"read": FAST, "write": FAST},
            }
        )
        return built(config, cluster=cluster, metrics=self.metrics)

    def operation(self, call: str) -> str:
        """The metrics name calls as the provider plans them (`listeners.create`)."""
        return call

    def _ours(self, ref: LoadBalancerRef) -> list[Any]:
        tags = f"{CLUSTER_TAG}{ref.cluster},lbcontroller.io/service={ref.service_key}"
        return list(self.conn.load_balancer.load_balancers(tags=tags))

    def members(self, ref: LoadBalancerRef) -> set[str]:
        """The nodes whose addresses are members of the load balancer's pools."""
        lbs = self.conn.load_balancer
        (lb,) = self._ours(ref)
        addresses = {
            m.address for pool in lbs.pools(loadbalancer_id=lb.id) for m in lbs.members(pool.id)
        }
        return {n.name for n in self.nodes if n.internal_ip in addresses}

    def _marked_ips(self, cluster: str, service_key: str | None = None) -> list[Any]:
        """Floating IPs whose description holds the cluster's (and the Service's) marks."""
        wanted = {f"{CLUSTER_TAG}{cluster}"}
        if service_key is not None:
            wanted.add(f"lbcontroller.io/service={service_key}")
        return [
            ip for ip in self.conn.network.ips() if wanted <= set((ip.description or "").split())
        ]

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        """Load balancers named as `ref`'s with its tags, and floating IPs marked as its."""
        lbs = [lb.name for lb in self._ours(ref) if lb.name.startswith(ref.name)]
        return lbs + [
            ip.floating_ip_address for ip in self._marked_ips(ref.cluster, ref.service_key)
        ]

    def look_alike(self, ref: LoadBalancerRef) -> Snapshot:
        """A same-named load balancer on the VIP subnet, without tags."""
        lbs = self.conn.load_balancer
        made = lbs.create_load_balancer(
            name=ref.name, vip_subnet_id=self.os_env["OS_VIP_SUBNET_ID"]
        )
        self._look_alikes.append(made.id)
        wait_status(lambda: lbs.get_load_balancer(made.id))

        def snapshot() -> object:
            lb = lbs.get_load_balancer(made.id)
            return (lb.name, lb.tags, lb.provisioning_status, lb.updated_at, lb.listeners)

        return snapshot

    def close(self) -> None:
        """Delete the look-alikes, and whatever is tagged or marked with this test's clusters."""
        lbs = self.conn.load_balancer
        doomed = [lbs.find_load_balancer(i) for i in self._look_alikes]
        for cluster in self._clusters:
            for ip in self._marked_ips(cluster):
                self.conn.network.delete_ip(ip.id)
            doomed += list(lbs.load_balancers(tags=f"{CLUSTER_TAG}{cluster}"))
        doomed = [lb for lb in doomed if lb is not None]
        for lb in doomed:
            wait_status(partial(lbs.get_load_balancer, lb.id))
            lbs.delete_load_balancer(lb.id, cascade=True)
        for lb in doomed:
            wait_gone(partial(lbs.find_load_balancer, lb.id))
