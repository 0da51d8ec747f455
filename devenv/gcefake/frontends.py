"""Front-end collections: regional addresses, regional forwarding rules, global firewalls.

IPv4 and IPv6 (ipVersion IPV6): an IPv6 address or forwarding rule takes a /96 of a dual-stack
subnetwork's IPv6 range whose ipv6AccessType matches its scheme (`networks.Subnetworks`); an
external IPv6 rule names that subnetwork and shows its address as the /96 ("addr/96").
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from .errors import JSON, in_use, invalid
from .ipam import EXTERNAL, LB_PREFIX, pool6
from .links import Ref, from_link, parse_ref
from .resources import Call, Collection, choice, int_field, path_of
from .store import State

SCHEMES = {"EXTERNAL", "INTERNAL", "EXTERNAL_MANAGED", "INTERNAL_MANAGED", "INTERNAL_SELF_MANAGED"}
FR_PROTOCOLS = {"TCP", "UDP", "ESP", "AH", "SCTP", "ICMP", "L3_DEFAULT"}
PORTED = {"TCP", "UDP", "SCTP"}
TARGETS = (
    "targetPools",
    "targetInstances",
    "targetHttpProxies",
    "targetHttpsProxies",
    "targetTcpProxies",
    "targetSslProxies",
    "serviceAttachments",
)
_PORT_RANGE_RE = re.compile(r"(\d{1,5})(?:-(\d{1,5}))?")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _bare(ip: str) -> str:
    """An address without its prefix length (IPv6 rules show "addr/96")."""
    return ip.partition("/")[0]


def ipv6_subnet(st: State, call: Call, value: object, kind: str) -> str:
    """The link of a subnetwork with an IPv6 range of `kind` (EXTERNAL or INTERNAL)."""
    if value is None and kind == "EXTERNAL":  # GCE's own words (for forwarding rules)
        raise invalid(
            "Invalid value for field 'resource.subnetwork': ''. Subnetwork or Ip Collection "
            "must be specified for IPv6 forwarding rules."
        )
    link = subnet_link(st, call, value)
    access, _ = st.ipam.ipv6.get(link, ("", None))
    if access != kind:
        raise invalid(
            f"Invalid value for field 'resource.subnetwork': '{link}'. The subnetwork has no "
            f"{kind.lower()} IPv6 range (it needs stackType IPV4_IPV6 and ipv6AccessType {kind})."
        )
    return link


def subnet_link(st: State, call: Call, value: object, field: str = "subnetwork") -> str:
    """A subnetwork reference in the call's region, as a full link."""
    region = call.scope
    ref = parse_ref(
        value if value is not None else f"{region}/subnetworks/default",
        field=field,
        project=call.project,
        collections=("subnetworks",),
    )
    if ref.scope != region:
        raise invalid(f"Invalid value for field 'resource.{field}': '{value}'. Wrong region.")
    return st.links.of(ref)


def network_link(st: State, call: Call, value: object) -> str:
    """A network reference (default: the project's "default" network), as a full link."""
    ref = parse_ref(
        value if value is not None else "global/networks/default",
        field="network",
        project=call.project,
        collections=("networks",),
    )
    return st.links.of(ref)


class Addresses(Collection):
    """regions/{r}/addresses: reserved IPs, RESERVED until a forwarding rule uses them.

    Reserving the IP that forwarding rules hold as an ephemeral one promotes it: the address
    is IN_USE by them at once (how an IP is kept while a forwarding rule is replaced).
    """

    collection = "addresses"
    scope_kind = "regions"
    kind = "compute#address"
    has_labels = True
    methods = frozenset({"get", "list", "insert", "delete", "setLabels"})
    output_only: ClassVar[frozenset[str]] = frozenset({"status", "users"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        kind = choice(res, "addressType", "EXTERNAL", {"EXTERNAL", "INTERNAL"})
        res["addressType"] = kind
        if choice(res, "ipVersion", "IPV4", {"IPV4", "IPV6"}) == "IPV6":
            return self._ipv6(st, call, res, kind)
        if kind == "EXTERNAL":
            if "subnetwork" in res:
                raise invalid("Invalid value for field 'resource.subnetwork': external address.")
            res["networkTier"] = choice(res, "networkTier", "PREMIUM", {"PREMIUM", "STANDARD"})
            pool = EXTERNAL
        else:
            res["subnetwork"] = pool = subnet_link(st, call, res.get("subnetwork"))
            if "network" in res:
                res["network"] = network_link(st, call, res["network"])
            res.setdefault("purpose", "GCE_ENDPOINT")
        ip = res.get("address")
        holders = _ephemeral_holders(st, call, pool, str(ip)) if ip else []
        if holders:  # promoting the ephemeral IP of forwarding rules to a static address
            res["address"], res["_promotes"] = str(ip), holders
        else:
            res["address"] = st.ipam.check(pool, str(ip)) if ip else st.ipam.peek(pool)
        res["status"] = "RESERVED"
        res["_pool"] = pool
        return res

    def _ipv6(self, st: State, call: Call, res: JSON, kind: str) -> JSON:
        """An IPv6 address: a /96 of the subnetwork's IPv6 range (never a promotion here)."""
        res["subnetwork"] = link = ipv6_subnet(st, call, res.get("subnetwork"), kind)
        if kind == "EXTERNAL":
            if choice(res, "networkTier", "PREMIUM", {"PREMIUM", "STANDARD"}) != "PREMIUM":
                raise invalid("Invalid value for field 'resource.networkTier': IPv6 is Premium.")
            res["networkTier"] = "PREMIUM"
            if not res.get("address"):
                res["ipv6EndpointType"] = choice(res, "ipv6EndpointType", None, {"NETLB", "VM"})
        ip = res.get("address")
        res["address"] = st.ipam.check6(link, str(ip)) if ip else st.ipam.peek6(link)
        res["prefixLength"], res["status"], res["_pool"] = LB_PREFIX, "RESERVED", pool6(link)
        return res

    def commit(self, st: State, ref: Ref, new: JSON, old: JSON | None) -> None:
        st.ipam.claim(new["_pool"], new["address"])
        promoted = new.pop("_promotes", [])
        for link in promoted:
            rule = st.require(from_link(link))
            del rule["_pool"]
            rule["_address"] = st.links.of(ref)
        if promoted:
            new["users"], new["status"] = promoted, "IN_USE"

    def release(self, st: State, ref: Ref, old: JSON) -> None:
        st.ipam.release(old["_pool"], old["address"])

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        if current.get("users"):
            raise in_use(ref.path, path_of(st, current["users"][0]))


def _ephemeral_holders(st: State, call: Call, pool: str, ip: str) -> list[str]:
    """The forwarding rules of the call's region holding `ip` of `pool` as an ephemeral IP."""
    return [
        st.links.of(ref)
        for ref, rule in st.each("forwardingRules")
        if (ref.project, ref.scope) == (call.project, call.scope)
        and rule.get("_pool") == pool
        and rule["IPAddress"] == ip
    ]


def _port_spans(rule: JSON) -> list[tuple[int, int]]:
    if "portRange" in rule:
        low, _, high = str(rule["portRange"]).partition("-")
        return [(int(low), int(high))]
    if rule.get("ports"):
        return [(int(p), int(p)) for p in rule["ports"]]
    return [(1, 65535)]


def _normalise_port_range(value: object) -> str:
    match = _PORT_RANGE_RE.fullmatch(str(value))
    low = int(match[1]) if match else 0
    high = int(match[2] or match[1]) if match else 0
    if not 1 <= low <= high <= 65535:
        raise invalid(f"Invalid value for field 'resource.portRange': '{value}'.")
    return f"{low}-{high}"


class ForwardingRules(Collection):
    """regions/{r}/forwardingRules: a frontend IP, protocol and ports for a target."""

    collection = "forwardingRules"
    scope_kind = "regions"
    kind = "compute#forwardingRule"
    has_fingerprint = True
    has_labels = True
    methods = frozenset({"get", "list", "insert", "delete", "setLabels"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        scheme = res["loadBalancingScheme"] = choice(
            res, "loadBalancingScheme", "EXTERNAL", SCHEMES
        )
        proto = res["IPProtocol"] = choice(res, "IPProtocol", "TCP", FR_PROTOCOLS)
        if bool(res.get("target")) == bool(res.get("backendService")):
            raise invalid("Exactly one of target or backendService must be specified.")
        if res.get("backendService"):
            self._backend_service(st, call, res, scheme, proto)
        else:
            target = parse_ref(
                res["target"], field="target", project=call.project, collections=TARGETS
            )
            res["target"] = st.links.of(target)
        self._ports(res, scheme, proto)
        ipv6 = choice(res, "ipVersion", "IPV4", {"IPV4", "IPV6"}) == "IPV6"
        if scheme == "EXTERNAL":
            if "network" in res or ("subnetwork" in res and not ipv6):
                raise invalid("External IPv4 forwarding rules take no network or subnetwork.")
            res["networkTier"] = choice(res, "networkTier", "PREMIUM", {"PREMIUM", "STANDARD"})
        if ipv6:
            self._address6(st, call, res, scheme)
        else:
            res.pop("ipVersion", None)
            self._address(st, call, res, scheme)
        self._check_conflicts(st, call, res)
        return res

    def _backend_service(self, st: State, call: Call, res: JSON, scheme: str, proto: str) -> None:
        ref = parse_ref(
            res["backendService"],
            field="backendService",
            project=call.project,
            collections=("backendServices",),
        )
        if ref.scope != call.scope:
            raise invalid(
                f"Invalid value for field 'resource.backendService': '{res['backendService']}'. "
                "The backend service must be in the forwarding rule's region."
            )
        service = st.require(ref)
        res["backendService"] = st.links.of(ref)
        if service["loadBalancingScheme"] != scheme:
            raise invalid(
                f"Invalid value for field 'resource.loadBalancingScheme': '{scheme}'. "
                f"It must match the backend service's ({service['loadBalancingScheme']})."
            )
        if service["protocol"] not in ("UNSPECIFIED", proto):
            raise invalid(
                f"Invalid value for field 'resource.IPProtocol': '{proto}'. The backend "
                f"service protocol is {service['protocol']}; use UNSPECIFIED to mix protocols."
            )

    def _ports(self, res: JSON, scheme: str, proto: str) -> None:
        given = [key for key in ("portRange", "ports", "allPorts") if res.get(key)]
        if "allPorts" not in given:
            res.pop("allPorts", None)
        if len(given) > 1:
            raise invalid("portRange, ports and allPorts are mutually exclusive.")
        if given and proto not in PORTED and given != ["allPorts"]:
            raise invalid(f"Ports cannot be specified for protocol {proto}.")
        if "portRange" in given:
            if scheme == "INTERNAL":
                raise invalid("portRange is not valid for INTERNAL forwarding rules; use ports.")
            res["portRange"] = _normalise_port_range(res["portRange"])
        elif "ports" in given:
            ports = res["ports"]
            if (
                not isinstance(ports, list)
                or len(ports) > 5
                or len(set(ports)) != len(ports)
                or not all(str(p).isdigit() and 1 <= int(p) <= 65535 for p in ports)
            ):
                raise invalid(
                    f"Invalid value for field 'resource.ports': {ports}. "
                    "Give at most 5 distinct port numbers."
                )
            res["ports"] = [str(int(p)) for p in ports]
        elif not given:
            if scheme == "INTERNAL" or proto == "L3_DEFAULT":
                raise invalid("One of ports or allPorts must be specified.")
            if proto in PORTED:
                res["portRange"] = "1-65535"

    def _address(self, st: State, call: Call, res: JSON, scheme: str) -> None:
        kind = "INTERNAL" if scheme.startswith("INTERNAL") else "EXTERNAL"
        wanted = res.get("IPAddress")
        address = self._reserved(st, call, str(wanted)) if wanted else None
        if address is not None:
            ref, found = address
            if found.get("ipVersion", "IPV4") != "IPV4":
                raise invalid(f"The address '{ref.path}' is an IPv6 address (ipVersion IPV6).")
            self._use(st, ref, found, kind, res)
            res["IPAddress"] = found["address"]
        if kind == "INTERNAL":
            default = address[1].get("subnetwork") if address else None
            res["subnetwork"] = subnet_link(st, call, res.get("subnetwork", default))
            res["network"] = network_link(st, call, res.get("network"))
            if address and address[1].get("subnetwork") != res["subnetwork"]:
                raise invalid("The address belongs to another subnetwork than the rule.")
        pool = res["subnetwork"] if kind == "INTERNAL" else EXTERNAL
        if address is None:
            if wanted and kind == "EXTERNAL":
                raise invalid(
                    f"Invalid value for field 'resource.IPAddress': '{wanted}'. "
                    "Specified IP address is not reserved in this project and region."
                )
            res["IPAddress"] = st.ipam.check(pool, wanted) if wanted else st.ipam.peek(pool)
            res["_pool"] = pool

    def _address6(self, st: State, call: Call, res: JSON, scheme: str) -> None:
        """An IPv6 rule: its subnetwork's /96, reserved (by name, link or IP) or ephemeral."""
        kind = "INTERNAL" if scheme.startswith("INTERNAL") else "EXTERNAL"
        if kind == "EXTERNAL" and res.get("networkTier") != "PREMIUM":
            raise invalid("Invalid value for field 'resource.networkTier': IPv6 is Premium.")
        res["ipVersion"] = "IPV6"
        res["subnetwork"] = link = ipv6_subnet(st, call, res.get("subnetwork"), kind)
        if kind == "INTERNAL":
            res["network"] = network_link(st, call, res.get("network"))
        wanted = str(res.get("IPAddress") or "")
        if kind == "EXTERNAL" and ":" in wanted and not wanted.endswith(f"/{LB_PREFIX}"):
            raise invalid(
                f"Invalid value for field 'resource.IPAddress': '{wanted}'. An external IPv6 "
                f"forwarding rule's address is its /{LB_PREFIX} range."
            )
        address = self._reserved(st, call, wanted) if wanted else None
        if address is not None:
            ref, found = address
            if found.get("ipVersion") != "IPV6" or found.get("subnetwork") != link:
                raise invalid(f"The address '{ref.path}' is not an IPv6 address of '{link}'.")
            self._use(st, ref, found, kind, res)
            ip = found["address"]
        else:
            if wanted and kind == "EXTERNAL":
                raise invalid(
                    f"Invalid value for field 'resource.IPAddress': '{wanted}'. "
                    "Specified IP address is not reserved in this project and region."
                )
            ip = st.ipam.check6(link, wanted) if wanted else st.ipam.peek6(link)
            res["_pool"] = pool6(link)
        res["IPAddress"] = f"{ip}/{LB_PREFIX}" if kind == "EXTERNAL" else ip

    def _reserved(self, st: State, call: Call, wanted: str) -> tuple[Ref, JSON] | None:
        """The region's address `wanted` names (a name or link), or that holds the IP."""
        if not _is_ip(_bare(wanted)):
            ref = parse_ref(
                wanted,
                field="IPAddress",
                project=call.project,
                collections=("addresses",),
                name_scope=call.scope,
            )
            if ref.scope != call.scope:
                raise invalid(f"Invalid value for field 'resource.IPAddress': '{wanted}'.")
            return ref, st.require(ref)
        for ref, found in st.each("addresses"):
            same_place = (ref.project, ref.scope) == (call.project, call.scope)
            if same_place and found["address"] == _bare(wanted):
                return ref, found
        return None

    def _use(self, st: State, ref: Ref, found: JSON, kind: str, res: JSON) -> None:
        """Check that the rule may use the reserved address, and remember it."""
        if found["addressType"] != kind:
            raise invalid(f"The address '{ref.path}' is not an {kind} address.")
        shared = found.get("purpose") == "SHARED_LOADBALANCER_VIP"
        if kind == "INTERNAL" and found.get("users") and not shared:
            raise in_use(ref.path, path_of(st, found["users"][0]))
        res["_address"] = st.links.of(ref)

    def _check_conflicts(self, st: State, call: Call, res: JSON) -> None:
        for ref, other in st.each(self.collection):
            same_place = (ref.project, ref.scope) == (call.project, call.scope)
            if not same_place or ref.name == res.get("name"):
                continue
            if other["IPAddress"] != res["IPAddress"] or other["IPProtocol"] != res["IPProtocol"]:
                continue
            mine, theirs = _port_spans(res), _port_spans(other)
            if any(a <= d and c <= b for a, b in mine for c, d in theirs):
                raise invalid(
                    f"Invalid value for field 'resource.IPAddress': '{res['IPAddress']}'. "
                    f"The IP, protocol and ports overlap forwarding rule '{ref.path}'."
                )

    def commit(self, st: State, ref: Ref, new: JSON, old: JSON | None) -> None:
        if "_address" in new:
            address = st.require(from_link(new["_address"]))
            address["users"] = [*address.get("users", []), st.links.of(ref)]
            address["status"] = "IN_USE"
        else:
            st.ipam.claim(new["_pool"], _bare(new["IPAddress"]))

    def release(self, st: State, ref: Ref, old: JSON) -> None:
        if "_address" in old:
            address = st.get(from_link(old["_address"]))
            if address is not None:
                users = [u for u in address.get("users", []) if u != st.links.of(ref)]
                address["users"] = users
                if not users:
                    del address["users"]
                    address["status"] = "RESERVED"
        else:
            st.ipam.release(old["_pool"], _bare(old["IPAddress"]))


class Firewalls(Collection):
    """global/firewalls: VPC firewall rules."""

    collection = "firewalls"
    scope_kind = "global"
    kind = "compute#firewall"
    methods = frozenset({"get", "list", "insert", "delete", "patch", "update"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        res["network"] = network_link(st, call, res.get("network"))
        res["direction"] = choice(res, "direction", "INGRESS", {"INGRESS", "EGRESS"})
        res["priority"] = int_field(res, "priority", 1000, 0, 65535)
        res.setdefault("disabled", False)
        rules = [key for key in ("allowed", "denied") if res.get(key)]
        if len(rules) != 1:
            raise invalid("Exactly one of allowed or denied must be specified.")
        for index, rule in enumerate(res[rules[0]]):
            where = f"{rules[0]}[{index}]"
            if not isinstance(rule, dict) or not rule.get("IPProtocol"):
                raise invalid(f"Required field 'resource.{where}.IPProtocol' not specified.")
            for port in rule.get("ports", []):
                _normalise_port_range(port)
        for key in ("sourceRanges", "destinationRanges"):
            for cidr in res.get(key, []):
                try:
                    ipaddress.ip_network(cidr, strict=False)
                except ValueError as exc:
                    raise invalid(f"Invalid value for field 'resource.{key}': '{cidr}'.") from exc
        if res["direction"] == "EGRESS" and res.get("sourceTags"):
            raise invalid("sourceTags cannot be used in EGRESS firewall rules.")
        return res
