"""Read-only views of what Octavia and Neutron hold, for assertions.

They read through the tests' own openstacksdk connection and its resource classes (not the
provider's code), so an assertion never trusts the code under test to report on itself.
"""

from __future__ import annotations

from typing import Any

from lbcontroller.spec import LoadBalancerRef


def tags(ref: LoadBalancerRef) -> list[str]:
    """The ownership tags of `ref`'s resources, as the tests expect them."""
    return [f"lbcontroller.io/cluster={ref.cluster}", f"lbcontroller.io/service={ref.service_key}"]


def load_balancers(conn: Any, ref: LoadBalancerRef) -> list[Any]:
    """The load balancers tagged as `ref`'s."""
    return list(conn.load_balancer.load_balancers(tags=",".join(tags(ref))))


def the_lb(conn: Any, ref: LoadBalancerRef) -> Any:
    """`ref`'s one load balancer."""
    (lb,) = load_balancers(conn, ref)
    return lb


def listeners(conn: Any, lb_id: str) -> dict[tuple[str, int], Any]:
    """The load balancer's listeners by (protocol, port)."""
    lbs = conn.load_balancer
    found = [lbs.get_listener(item["id"]) for item in lbs.get_load_balancer(lb_id).listeners]
    return {(item.protocol, item.protocol_port): item for item in found}


def pools(conn: Any, lb_id: str) -> dict[str, Any]:
    """The load balancer's pools by name."""
    return {p.name: p for p in conn.load_balancer.pools(loadbalancer_id=lb_id)}


def members(conn: Any, pool_id: str) -> list[tuple[str, str, int, int | None]]:
    """(name, address, port, monitor port) of the pool's members, sorted."""
    return sorted(
        (m.name, m.address, m.protocol_port, m.monitor_port)
        for m in conn.load_balancer.members(pool_id)
    )


def monitor(conn: Any, pool: Any) -> Any:
    """The pool's health monitor."""
    return conn.load_balancer.get_health_monitor(pool.health_monitor_id)


def floating_ips(conn: Any, address: str) -> list[Any]:
    """The floating IPs with this address (zero or one)."""
    return list(conn.network.ips(floating_ip_address=address))


def marked_ips(conn: Any, ref: LoadBalancerRef) -> list[Any]:
    """Floating IPs whose description carries `ref`'s ownership marks."""
    mark = " ".join(tags(ref))
    return [ip for ip in conn.network.ips() if (ip.description or "").startswith(mark)]
