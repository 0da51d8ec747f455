"""The GCP provider's Service annotations, parsed into frozen options (pure).

Where it sits: the core's `build_spec` calls the provider's `parse_options` with a Service's
annotations; the result travels in `LoadBalancerSpec.options` to `validate` and `ensure`. The
names are GKE's wherever the meaning is the same; the README's GCP
section documents each one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lbcontroller import annotations as ann
from lbcontroller.errors import InvalidAnnotation
from lbcontroller.spec import LoadBalancerSpec

TYPE = "networking.gke.io/load-balancer-type"
LEGACY_TYPE = "cloud.google.com/load-balancer-type"
SUBNET = "networking.gke.io/internal-load-balancer-subnet"
EXTERNAL_SUBNET = "networking.gke.io/load-balancer-subnet"  # external: the IPv6 range's
ADDRESSES = "networking.gke.io/load-balancer-ip-addresses"
GLOBAL_ACCESS = "networking.gke.io/internal-load-balancer-allow-global-access"
NETWORK_TIER = "cloud.google.com/network-tier"
RBS = "cloud.google.com/l4-rbs"
TIERS = ("Premium", "Standard")
# Accepted by GKE, refused here (silently ignoring them would build something else).
UNSUPPORTED = (
    "networking.gke.io/weighted-load-balancing",
    "networking.gke.io/internal-load-balancer-subnet-ipv6",
    "cloud.google.com/neg",
)
_NAME = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class GcpOptions:
    """Everything the GCP provider reads from a Service's annotations."""

    internal: bool = False
    subnet: str | None = None  # a subnetwork name in the provider's region (internal only)
    external_subnet: str | None = None  # external only: where the IPv6 front end's /96 is from
    # names of reserved regional addresses, at most one a family (read to know which), never
    # released
    addresses: tuple[str, ...] = ()
    global_access: bool = False  # internal only
    tier: str = "PREMIUM"  # external only: the network tier of the rule and address
    # Per-Service node selection is impossible with instance-group backends: a VM may be in
    # only one load-balanced instance group, so every load balancer shares one group a zone.
    node_labels: Mapping[str, str] = field(default_factory=dict)


def parse_options(annotations: Mapping[str, str]) -> GcpOptions:
    """Parse and check the annotations; InvalidAnnotation names the culprit and its value."""
    for key in UNSUPPORTED:
        if key in annotations:
            raise InvalidAnnotation(key, annotations[key], "not supported by lbcontroller (GCP)")
    _only(annotations, RBS, "enabled", "backend service-based load balancers are always built")
    internal = _internal(annotations)
    options = GcpOptions(
        internal=internal,
        subnet=_name(annotations, SUBNET),
        external_subnet=_name(annotations, EXTERNAL_SUBNET),
        addresses=_addresses(annotations),
        global_access=ann.get_bool(annotations, GLOBAL_ACCESS),
        tier=ann.get_choice(annotations, NETWORK_TIER, TIERS, default="Premium").upper(),
    )
    if internal and options.tier != "PREMIUM":
        raise InvalidAnnotation(
            NETWORK_TIER, annotations[NETWORK_TIER], "internal load balancers have no network tier"
        )
    for key in (SUBNET, GLOBAL_ACCESS):
        if key in annotations and not internal:
            raise InvalidAnnotation(key, annotations[key], f"needs {TYPE}: Internal")
    if EXTERNAL_SUBNET in annotations and internal:
        raise InvalidAnnotation(
            EXTERNAL_SUBNET, annotations[EXTERNAL_SUBNET], f"an internal one takes {SUBNET}"
        )
    return options


def _only(annotations: Mapping[str, str], key: str, value: str, reason: str) -> None:
    raw = annotations.get(key)
    if raw is not None and raw.strip().lower() != value.lower():
        raise InvalidAnnotation(key, raw, f"only {value!r} is accepted: {reason}")


def _internal(annotations: Mapping[str, str]) -> bool:
    kinds = ("Internal", "External")
    current = ann.get_choice(annotations, TYPE, kinds, default="")
    legacy = ann.get_choice(annotations, LEGACY_TYPE, kinds, default="")
    if current and legacy and current != legacy:
        raise InvalidAnnotation(LEGACY_TYPE, annotations[LEGACY_TYPE], f"contradicts {TYPE}")
    return (current or legacy) == "Internal"


def _name(annotations: Mapping[str, str], key: str) -> str | None:
    raw = annotations.get(key)
    return None if raw is None else _checked(key, raw, raw.strip())


def _checked(key: str, raw: str, name: str) -> str:
    if _NAME.fullmatch(name) is None:
        raise InvalidAnnotation(key, raw, f"{name!r} is not a resource name (lowercase, max. 63)")
    return name


def _addresses(annotations: Mapping[str, str]) -> tuple[str, ...]:
    names = ann.get_list(annotations, ADDRESSES)
    if len(names) > 2 or len(set(names)) != len(names):
        raise InvalidAnnotation(
            ADDRESSES, annotations[ADDRESSES], "at most two names: an IPv4 and an IPv6 address"
        )
    return tuple(_checked(ADDRESSES, annotations[ADDRESSES], name) for name in names)


def options_of(spec: LoadBalancerSpec[Any]) -> GcpOptions:
    """The spec's options, which this provider's `parse_options` made."""
    if not isinstance(spec.options, GcpOptions):
        raise TypeError(f"{spec.ref.service_key}: options were not parsed by the GCP provider")
    return spec.options
