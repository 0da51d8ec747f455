"""The load balancer's regional address: the user's (never released) or ours.

Where it sits: `ensure` reads the candidates (ours by name, the user's by name or by IP) in
one list call, `choose` decides (pure) which IP the forwarding rules use and whether ours must
be reserved or released; the steps run after the rules on the old IP are gone. A user-reserved
address is only ever read. Ours carries our mark and is released with the Service; a requested
IP that nobody reserved is reserved by us (and so released with the Service too).

IPv6 likewise (`choose6`): the user's IPv6 address when the annotation names one (GKE's way:
the same annotation lists an IPv4 and an IPv6 address), else ours, `<lb>-ipv6`, a /96 of the
IPv6 subnetwork reserved for the load balancer. A family the Service no longer has releases
ours (after its rules are gone).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from google.cloud import compute_v1

from lbcontroller.errors import PermanentError
from lbcontroller.provider import PlannedChange
from lbcontroller.steps import Step
from providers.gcp.api import blame
from providers.gcp.context import Context, path
from providers.gcp.desired import IPV6, Desired
from providers.gcp.options import ADDRESSES
from providers.gcp.steps import delete
from providers.gcp.upstream import tied

KIND = "address"
NEW = "(new address)"  # in a plan: the IP of an address not reserved yet


@dataclass(frozen=True, slots=True)
class Choice:
    """Which IP the rules use (None: ours, once reserved) and what to do with ours."""

    ip: str | None
    reserve: compute_v1.Address | None = None
    release: compute_v1.Address | None = None


def read(ctx: Context, d: Desired) -> list[compute_v1.Address]:
    """Ours (checked) and the user's candidates, in one list call."""
    clauses = [f'(name = "{d.names.lb}")', f'(name = "{d.names.ipv6}")']
    clauses += [f'(name = "{name}")' for name in d.user_addresses]
    if d.wanted_ip:
        clauses.append(f'(address = "{d.wanted_ip}")')
    if d.upstream:
        clauses.append(f'(name = "{d.upstream.lb}")')
    found = ctx.api.listed(ctx.addresses, " OR ".join(clauses))
    for item in found:
        if item.name in (d.names.lb, d.names.ipv6):
            d.mark.check(item, KIND)
    return found


def named(d: Desired, found: list[compute_v1.Address]) -> Desired:
    """`d` told which of the user's addresses is its IPv4 one and which its IPv6 one (each
    address says its version); a missing one, or one a family the Service lacks, is refused."""
    field = f"metadata.annotations[{ADDRESSES}]"
    chosen: dict[str, str] = {}
    for name in d.user_addresses:
        theirs = next((a for a in found if a.name == name), None)
        if theirs is None:
            raise PermanentError(f"{field}: no address {name!r} here", field=field)
        family = "IPv6" if theirs.ip_version == "IPV6" else "IPv4"
        if family in chosen or not d.serves(family):
            why = "a second" if family in chosen else "an"
            raise PermanentError(
                f"{field}: {name!r} is {why} {family} address; the load balancer's families "
                f"are {', '.join(d.families)}",
                field=field,
            )
        chosen[family] = name
    return dataclasses.replace(d, user_address=chosen.get("IPv4"), user_address6=chosen.get(IPV6))


def _ours(d: Desired, found: list[compute_v1.Address]) -> compute_v1.Address | None:
    """Our address, or the one cloud-provider-gcp reserved for the Service (kept as ours)."""
    mine = next((a for a in found if a.name == d.names.lb), None)
    if mine is not None or d.upstream is None:
        return mine
    theirs = (a for a in found if a.name == d.upstream.lb)
    return next((a for a in theirs if tied(a.description, d.mark.service or "")), None)


def _fits(address: compute_v1.Address, d: Desired) -> bool:
    if address.address_type != ("INTERNAL" if d.internal else "EXTERNAL"):
        return False
    if not d.internal and (address.network_tier or "PREMIUM") != d.tier:
        return False
    return not d.subnetwork or path(address.subnetwork) == path(d.subnetwork)


def _wanted(d: Desired, ip: str | None) -> compute_v1.Address:
    address = compute_v1.Address(
        name=d.names.lb, description=d.mark.description, labels=d.mark.labels
    )
    if not d.internal:
        address.network_tier = d.tier
    if d.internal:
        address.address_type = "INTERNAL"
        address.purpose = "SHARED_LOADBALANCER_VIP"  # one IP for the TCP and UDP rules
        if d.subnetwork:
            address.subnetwork = d.subnetwork
    if ip:
        address.address = ip
    return address


def _theirs(d: Desired, address: compute_v1.Address, field: str) -> str:
    """The IP of the user's address, if it can serve this load balancer."""
    if not _fits(address, d):
        kind = "an INTERNAL" if d.internal else "an EXTERNAL"
        raise PermanentError(
            f"{field}: the address {address.name!r} ({address.address}) is not {kind} "
            "address of the load balancer's subnetwork",
            field=field,
        )
    return address.address


def choose(d: Desired, found: list[compute_v1.Address]) -> Choice:
    """The address decision (pure); a missing or unfit user address is a PermanentError."""
    ours = _ours(d, found)
    if not d.serves("IPv4"):
        return Choice(ip=None, release=ours)
    if d.user_address:
        field = f"metadata.annotations[{ADDRESSES}]"
        theirs = next((a for a in found if a.name == d.user_address), None)
        if theirs is None:
            raise PermanentError(f"{field}: no address {d.user_address!r} here", field=field)
        return Choice(ip=_theirs(d, theirs, field), release=None if theirs is ours else ours)
    holder = next((a for a in found if a.address == d.wanted_ip), None)
    if holder is not None and holder is not ours:
        return Choice(ip=_theirs(d, holder, "spec.loadBalancerIP"), release=ours)
    if ours is not None and _fits(ours, d) and d.wanted_ip in (None, ours.address):
        return Choice(ip=ours.address)
    return Choice(ip=None, reserve=_wanted(d, d.wanted_ip), release=ours)


def _fits6(address: compute_v1.Address, d: Desired) -> bool:
    same = address.ip_version == "IPV6" and address.address_type == d.scheme
    return same and path(address.subnetwork) == path(d.subnetwork6)


def _wanted6(d: Desired) -> compute_v1.Address:
    address = compute_v1.Address(
        name=d.names.ipv6,
        description=d.mark.description,
        labels=d.mark.labels,
        ip_version="IPV6",
        address_type=d.scheme,
        subnetwork=d.subnetwork6,
    )
    if not d.internal:
        address.network_tier = d.tier
        address.ipv6_endpoint_type = "NETLB"
    return address


def choose6(d: Desired, found: list[compute_v1.Address]) -> Choice:
    """The IPv6 address decision (pure): the user's, ours when it still fits, or a new one."""
    ours = next((a for a in found if a.name == d.names.ipv6), None)
    if not d.serves(IPV6):
        return Choice(ip=None, release=ours)
    if d.user_address6:
        field = f"metadata.annotations[{ADDRESSES}]"
        theirs = next(a for a in found if a.name == d.user_address6)  # `named` found it
        if not _fits6(theirs, d):
            raise PermanentError(
                f"{field}: the IPv6 address {theirs.name!r} is not {d.scheme} in the "
                f"subnetwork {d.subnetwork6.rsplit('/', 1)[-1]}",
                field=field,
            )
        return Choice(ip=bare(theirs.address), release=ours)
    if ours is not None and _fits6(ours, d):
        return Choice(ip=bare(ours.address))
    return Choice(ip=None, reserve=_wanted6(d), release=ours)


def bare(ip: str) -> str:
    """An address without a prefix length (GCE may show an IPv6 one as its /96)."""
    return ip.partition("/")[0]


def _reserve(ctx: Context, d: Desired, address: compute_v1.Address) -> Step:
    wish = f"the requested IP {d.requested_ip}" if d.requested_ip else "an IP"
    if address.ip_version == "IPV6":
        wish = f"an IPv6 /96 of {d.subnetwork6.rsplit('/', 1)[-1]}"
    elif d.kept_ip and not d.requested_ip:
        wish = f"{d.kept_ip}, cloud-provider-gcp's IP for the Service (kept)"
    change = PlannedChange("create", KIND, address.name, "addresses.insert", f"reserve {wish}")

    def run() -> None:
        mine = d.requested_ip and address.ip_version != "IPV6"  # the Service chose this IP
        field = "spec.loadBalancerIP" if mine else None
        with blame(field, what=f"reserving {d.requested_ip}"):
            ctx.api.insert(ctx.addresses, address)

    return Step(change, run)


def steps(ctx: Context, d: Desired, *, choice: Choice) -> list[Step]:
    """Release ours when it is no longer the one, then reserve ours when needed."""
    out = []
    if choice.release is not None:
        detail = f"release {choice.release.address}"
        out.append(delete(ctx.api, ctx.addresses, choice.release.name, label=KIND, detail=detail))
    if choice.reserve is not None:
        out.append(_reserve(ctx, d, choice.reserve))
    return out


def resolved(ctx: Context, *, choice: Choice, applied: bool) -> str | None:
    """The IP the rules use: known, read back after our reservation, or NEW in a plan; None
    for a family not served."""
    if choice.ip is not None or choice.reserve is None:
        return choice.ip
    if not applied:
        return NEW
    name = choice.reserve.name
    ours = ctx.api.get(ctx.addresses, name)
    if ours is None:
        raise RuntimeError(f"the address {name} vanished right after it was reserved")
    return bare(ours.address)
