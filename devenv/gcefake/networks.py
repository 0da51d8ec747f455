"""regions/{r}/subnetworks: a subnetwork's IPv4 range and, when dual-stack, its IPv6 /64.

Where it sits: the dispatcher (`api.py`) routes subnetworks calls here; `frontends` reads the
ranges this records in `Ipam` (IPv4 pool per subnetwork, IPv6 access type and /64) when an
address or forwarding rule names a subnetwork. A subnetwork nobody inserted still exists for
IPv4 (its range is chosen on first use), never for IPv6: as in GCE, IPv6 needs stackType
IPV4_IPV6 and an ipv6AccessType, EXTERNAL (public, what an external load balancer takes) or
INTERNAL (what an internal one takes).
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from .errors import JSON, in_use, invalid
from .frontends import network_link
from .links import Ref
from .resources import Call, Collection, choice, path_of
from .store import State

STACKS = {"IPV4_ONLY", "IPV4_IPV6"}
ACCESS = {"EXTERNAL", "INTERNAL"}
USERS = ("addresses", "forwardingRules")


class Subnetworks(Collection):
    """regions/{r}/subnetworks: get, list, insert and delete (no expansion or patch)."""

    collection = "subnetworks"
    scope_kind = "regions"
    kind = "compute#subnetwork"
    has_fingerprint = True
    output_only: ClassVar[frozenset[str]] = frozenset(
        {"gatewayAddress", "externalIpv6Prefix", "internalIpv6Prefix"}
    )

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        if not res.get("ipCidrRange"):
            raise invalid("Required field 'resource.ipCidrRange' not specified.")
        try:
            net = ipaddress.IPv4Network(str(res["ipCidrRange"]))
        except ValueError as exc:
            given = res["ipCidrRange"]
            raise invalid(f"Invalid value for field 'resource.ipCidrRange': '{given}'.") from exc
        res["ipCidrRange"], res["gatewayAddress"] = str(net), str(net.network_address + 1)
        res["network"] = network_link(st, call, res.get("network"))
        stack = res["stackType"] = choice(res, "stackType", "IPV4_ONLY", STACKS)
        if stack == "IPV4_ONLY":
            if res.get("ipv6AccessType"):
                raise invalid(
                    "Invalid value for field 'resource.ipv6AccessType': an IPV4_ONLY subnetwork "
                    "has no IPv6 range."
                )
            return res
        access = choice(res, "ipv6AccessType", None, ACCESS)
        res[f"{access.lower()}Ipv6Prefix"] = str(st.ipam.next_ipv6(access))
        return res

    def commit(self, st: State, ref: Ref, new: JSON, old: JSON | None) -> None:
        link = st.links.of(ref)
        st.ipam.define(link, new["ipCidrRange"])
        for access in sorted(ACCESS):
            prefix = new.get(f"{access.lower()}Ipv6Prefix")
            if prefix:
                st.ipam.define_ipv6(link, access, ipaddress.IPv6Network(prefix))

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        link = st.links.of(ref)
        for collection in USERS:
            for _, item in st.each(collection):
                if item.get("subnetwork") == link:
                    raise in_use(ref.path, path_of(st, item["selfLink"]))

    def release(self, st: State, ref: Ref, old: JSON) -> None:
        st.ipam.forget(st.links.of(ref))
