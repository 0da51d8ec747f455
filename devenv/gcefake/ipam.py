"""IP address pools: external addresses from a fake public range, internal ones per subnetwork,
and the IPv6 ranges of dual-stack subnetworks.

Pools are keyed "external" or by a subnetwork selfLink. Subnetworks nobody declared (through
the admin endpoint or subnetworks.insert) get the next free /20 from 10.128.0.0/9; as in a real
subnet, the first two and the last two addresses are never handed out. `peek` chooses without
claiming so a request can be validated first and committed (`claim`) only when it is applied.

A dual-stack subnetwork (stackType IPV4_IPV6) gets a /64: from the documentation range
2001:db8::/32 standing in for Google's public IPv6 space when its ipv6AccessType is EXTERNAL,
from the ULA range fd20::/20 when INTERNAL. As in GCE, a load balancer's IPv6 address is not
one address but a /96 of that /64 (its first address names it); those are pooled under
`pool6(subnetwork)`.
"""

from __future__ import annotations

import ipaddress

from .errors import invalid

EXTERNAL = "external"
EXTERNAL_RANGE = ipaddress.IPv4Network("198.18.0.0/15")
IPV6_RANGES = {
    "EXTERNAL": ipaddress.IPv6Network("2001:db8::/32"),
    "INTERNAL": ipaddress.IPv6Network("fd20::/20"),
}
LB_PREFIX = 96  # the length of a load balancer's IPv6 range


def pool6(subnetwork: str) -> str:
    """The pool of a subnetwork's IPv6 /96 ranges."""
    return f"{subnetwork}#ipv6"


class Ipam:
    """Which IPs each pool has handed out."""

    def __init__(self) -> None:
        self.used: dict[str, set[str]] = {}
        self.ranges: dict[str, ipaddress.IPv4Network] = {}
        self._auto = ipaddress.IPv4Network("10.128.0.0/9").subnets(new_prefix=20)
        self._cursor: dict[str, int] = {}
        self.ipv6: dict[str, tuple[str, ipaddress.IPv6Network]] = {}  # subnet: access, /64
        self._next64 = dict.fromkeys(IPV6_RANGES, 1)

    def define(self, pool: str, cidr: str) -> ipaddress.IPv4Network:
        """Give a subnetwork pool an explicit range."""
        try:
            net = ipaddress.IPv4Network(cidr)
        except ValueError as exc:
            raise invalid(f"Invalid value for field 'ipCidrRange': '{cidr}'.") from exc
        self.ranges[pool] = net
        return net

    def next_ipv6(self, access: str) -> ipaddress.IPv6Network:
        """The /64 the next dual-stack subnetwork of this access type gets (not yet given)."""
        base = int(IPV6_RANGES[access].network_address)
        return ipaddress.IPv6Network((base + (self._next64[access] << 64), 64))

    def define_ipv6(self, subnet: str, access: str, net: ipaddress.IPv6Network) -> None:
        """Give a subnetwork its IPv6 /64 (claimed: the next one goes to the next subnet)."""
        self.ipv6[subnet] = (access, net)
        self._next64[access] += 1

    def forget(self, subnet: str) -> None:
        """A deleted subnetwork's ranges."""
        self.ranges.pop(subnet, None)
        self.ipv6.pop(subnet, None)

    def peek6(self, subnet: str) -> str:
        """The first address of the subnetwork's next free /96, not yet claimed."""
        _, net = self.ipv6[subnet]
        used = self.used.get(pool6(subnet), set())
        for block in range(1, 1 << (LB_PREFIX - 64)):
            candidate = str(ipaddress.IPv6Address(int(net.network_address) + (block << 32)))
            if candidate not in used:
                return candidate
        raise invalid(f"IPv6 space of '{subnet}' is exhausted.")

    def check6(self, subnet: str, ip: str) -> str:
        """Validate a specific IPv6 address (a /96's first address) for the subnetwork."""
        _, net = self.ipv6[subnet]
        try:
            addr = ipaddress.IPv6Address(ip.partition("/")[0])
        except ValueError as exc:
            raise invalid(f"Invalid value for field 'resource.address': '{ip}'.") from exc
        if addr not in net or int(addr) & 0xFFFFFFFF:
            raise invalid(
                f"Invalid value for field 'resource.address': '{ip}'. The address must be "
                f"the start of a /{LB_PREFIX} range of the subnetwork's IPv6 range {net}."
            )
        if str(addr) in self.used.get(pool6(subnet), set()):
            raise invalid(f"IP address '{ip}' is already reserved or in use.")
        return str(addr)

    def range_of(self, pool: str) -> ipaddress.IPv4Network:
        """The pool's range, assigning an automatic /20 to unknown subnetworks."""
        if pool == EXTERNAL:
            return EXTERNAL_RANGE
        if pool not in self.ranges:
            taken = set(self.ranges.values())
            net = next(self._auto)
            while net in taken:
                net = next(self._auto)
            self.ranges[pool] = net
        return self.ranges[pool]

    def _bounds(self, pool: str) -> tuple[int, int]:
        net = self.range_of(pool)
        skip = 1 if pool == EXTERNAL else 2
        return int(net.network_address) + skip, int(net.broadcast_address) - skip

    def peek(self, pool: str) -> str:
        """The next free address in the pool, not yet claimed."""
        used = self.used.get(pool, set())
        first, last = self._bounds(pool)
        span = last - first + 1
        start = self._cursor.get(pool, 0)
        for step in range(span):
            candidate = str(ipaddress.IPv4Address(first + (start + step) % span))
            if candidate not in used:
                return candidate
        raise invalid(f"IP space of '{pool}' is exhausted.")

    def check(self, pool: str, ip: str) -> str:
        """Validate a specific address for the pool (free, and inside an internal range)."""
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError as exc:
            raise invalid(f"Invalid value for field 'resource.address': '{ip}'.") from exc
        if pool != EXTERNAL and addr not in self.range_of(pool):
            raise invalid(
                f"Invalid value for field 'resource.address': '{ip}'. "
                f"The IP is outside the subnetwork range {self.range_of(pool)}."
            )
        if str(addr) in self.used.get(pool, set()):
            raise invalid(f"IP address '{ip}' is already reserved or in use.")
        return str(addr)

    def claim(self, pool: str, ip: str) -> None:
        """Mark an address as handed out."""
        self.used.setdefault(pool, set()).add(ip)
        if ":" in ip:
            return
        first, last = self._bounds(pool)
        value = int(ipaddress.IPv4Address(ip))
        if first <= value <= last:
            self._cursor[pool] = value - first + 1

    def release(self, pool: str, ip: str) -> None:
        """Return an address to the pool."""
        self.used.get(pool, set()).discard(ip)
