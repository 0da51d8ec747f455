"""parse_options and validate, table-driven; pure, no server."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.errors import InvalidAnnotation, PermanentError, Unsupported
from lbcontroller.spec import SpecSettings, build_spec
from providers.gcp.options import (
    ADDRESSES,
    EXTERNAL_SUBNET,
    GLOBAL_ACCESS,
    LEGACY_TYPE,
    NETWORK_TIER,
    RBS,
    SUBNET,
    TYPE,
    GcpOptions,
    parse_options,
)
from providers.gcp.validate import validate
from tests.support.builders import CLUSTER, service

INTERNAL = {TYPE: "Internal"}


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, GcpOptions()),
        ({TYPE: "Internal"}, GcpOptions(internal=True)),
        ({TYPE: "internal"}, GcpOptions(internal=True)),
        ({TYPE: "External"}, GcpOptions(internal=False)),
        ({LEGACY_TYPE: "Internal"}, GcpOptions(internal=True)),
        ({TYPE: "Internal", LEGACY_TYPE: "Internal"}, GcpOptions(internal=True)),
        ({**INTERNAL, SUBNET: "nodes"}, GcpOptions(internal=True, subnet="nodes")),
        ({**INTERNAL, GLOBAL_ACCESS: "true"}, GcpOptions(internal=True, global_access=True)),
        ({EXTERNAL_SUBNET: "dual"}, GcpOptions(external_subnet="dual")),
        ({ADDRESSES: "my-ip"}, GcpOptions(addresses=("my-ip",))),
        ({ADDRESSES: " my-ip , "}, GcpOptions(addresses=("my-ip",))),
        ({NETWORK_TIER: "Premium"}, GcpOptions()),
        ({NETWORK_TIER: "Standard"}, GcpOptions(tier="STANDARD")),
        ({**INTERNAL, NETWORK_TIER: "Premium"}, GcpOptions(internal=True)),
        ({RBS: "enabled"}, GcpOptions()),
        ({"unrelated.example.com/x": "y"}, GcpOptions()),
    ],
)
def test_parse_options(annotations: dict[str, str], expected: GcpOptions) -> None:
    assert parse_options(annotations) == expected


@pytest.mark.parametrize(
    ("annotations", "culprit", "reason"),
    [
        ({TYPE: "Private"}, TYPE, "expected one of Internal, External"),
        ({TYPE: "Internal", LEGACY_TYPE: "External"}, LEGACY_TYPE, "contradicts"),
        ({SUBNET: "nodes"}, SUBNET, "needs networking.gke.io/load-balancer-type: Internal"),
        ({GLOBAL_ACCESS: "true"}, GLOBAL_ACCESS, "needs"),
        ({**INTERNAL, GLOBAL_ACCESS: "maybe"}, GLOBAL_ACCESS, "expected true or false"),
        ({**INTERNAL, SUBNET: "Nodes_1"}, SUBNET, "is not a resource name"),
        ({**INTERNAL, EXTERNAL_SUBNET: "dual"}, EXTERNAL_SUBNET, "an internal one takes"),
        ({ADDRESSES: "v4,v6,v7"}, ADDRESSES, "at most two names"),
        ({ADDRESSES: "v4,v4"}, ADDRESSES, "at most two names"),
        ({ADDRESSES: "1.2.3.4"}, ADDRESSES, "is not a resource name"),
        ({NETWORK_TIER: "Gold"}, NETWORK_TIER, "expected one of Premium, Standard"),
        ({**INTERNAL, NETWORK_TIER: "Standard"}, NETWORK_TIER, "internal load balancers have no"),
        ({RBS: "disabled"}, RBS, "only 'enabled'"),
        ({"networking.gke.io/weighted-load-balancing": "pods-per-node"}, "networking", "not"),
    ],
)
def test_parse_options_refuses(annotations: dict[str, str], culprit: str, reason: str) -> None:
    with pytest.raises(InvalidAnnotation) as caught:
        parse_options(annotations)
    assert caught.value.annotation.startswith(culprit)
    assert caught.value.value == annotations[caught.value.annotation]
    assert reason in caught.value.message


def _spec(annotations: dict[str, str] | None = None, **raw: Any) -> Any:
    """The spec of a Service with `raw` as its fields (ports as `(port, protocol, nodePort)`)."""
    ports = raw.pop("ports", ((80, "TCP", 30080),))
    svc = service(ports=ports, annotations=annotations, **raw)
    return build_spec(svc, (), SpecSettings(cluster=CLUSTER), parse_options)


@pytest.mark.parametrize(
    ("annotations", "raw"),
    [
        ({}, {}),
        ({}, {"ports": ((80, "TCP", 30080), (53, "UDP", 30053))}),
        ({}, {"load_balancer_ip": "198.51.100.7"}),
        ({ADDRESSES: "mine"}, {}),
        ({}, {"ip_families": ("IPv4", "IPv6"), "source_ranges": ("10.0.0.0/8", "::/0")}),
        ({}, {"ip_families": ("IPv6",)}),
        ({}, {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "RequireDualStack"}),
        (
            {ADDRESSES: "v4,v6"},
            {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "RequireDualStack"},
        ),
        # PreferDualStack is served with the families its ranges open
        (
            {},
            {
                "ip_families": ("IPv6", "IPv4"),
                "ip_family_policy": "PreferDualStack",
                "source_ranges": ("10.0.0.0/8",),
            },
        ),
    ],
)
def test_validate_accepts(annotations: dict[str, str], raw: dict[str, Any]) -> None:
    validate(_spec(annotations, **raw))


@pytest.mark.parametrize(
    ("annotations", "raw", "error", "text"),
    [
        ({}, {"ports": ((80, "SCTP", 30080),)}, Unsupported, "SCTP"),
        ({}, {"source_ranges": ("2001:db8::/32",)}, Unsupported, "no IPv4 range"),
        (
            {},
            {
                "ip_families": ("IPv4", "IPv6"),
                "ip_family_policy": "RequireDualStack",
                "source_ranges": ("10.0.0.0/8",),
            },
            Unsupported,
            "no IPv6 range",
        ),
        (
            {NETWORK_TIER: "Standard"},
            {"ip_families": ("IPv4", "IPv6"), "ip_family_policy": "RequireDualStack"},
            Unsupported,
            "Premium tier only",
        ),
        (
            INTERNAL,
            {"ip_families": ("IPv6",), "ports": ((80, "TCP", 30080), (53, "UDP", 30053))},
            Unsupported,
            "TCP or UDP here, not both",
        ),
        ({ADDRESSES: "mine"}, {"load_balancer_ip": "198.51.100.7"}, PermanentError, "not both"),
        ({}, {"load_balancer_ip": "2001:db8::1"}, PermanentError, "not an IPv4 address"),
        ({}, {"load_balancer_ip": "somewhere"}, PermanentError, "not an IPv4 address"),
    ],
)
def test_validate_refuses(
    annotations: dict[str, str], raw: dict[str, Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        validate(_spec(annotations, **raw))
