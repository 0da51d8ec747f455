"""IP address pools: external addresses from a fake public range, internal ones per subnetwork.

Pools are keyed "external" or by a subnetwork selfLink. Subnetworks nobody declared (through
the admin endpoint) get the next free /20 from 10.128.0.0/9; as in a real subnet, the first two
and the last two addresses are never handed out. `peek` chooses without claiming so a request
can be validated first and committed (`claim`) only when it is applied.
"""

from __future__ import annotations

import ipaddress

from .errors import invalid

EXTERNAL = "external"
EXTERNAL_RANGE = ipaddress.IPv4Network("198.18.0.0/15")


class Ipam:
    """Which IPs each pool has handed out."""

    def __init__(self) -> None:
        self.used: dict[str, set[str]] = {}
        self.ranges: dict[str, ipaddress.IPv4Network] = {}
        self._auto = ipaddress.IPv4Network("10.128.0.0/9").subnets(new_prefix=20)
        self._cursor: dict[str, int] = {}

    def define(self, pool: str, cidr: str) -> ipaddress.IPv4Network:
        """Give a subnetwork pool an explicit range."""
        try:
            net = ipaddress.IPv4Network(cidr)
        except ValueError as exc:
            raise invalid(f"Invalid value for field 'ipCidrRange': '{cidr}'.") from exc
        self.ranges[pool] = net
        return net

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
        first, last = self._bounds(pool)
        value = int(ipaddress.IPv4Address(ip))
        if first <= value <= last:
            self._cursor[pool] = value - first + 1

    def release(self, pool: str, ip: str) -> None:
        """Return an address to the pool."""
        self.used.get(pool, set()).discard(ip)
