"""parse_options, validate, the desired load balancer and the polling schedule: pure, no server."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from lbcontroller.errors import InvalidAnnotation, PermanentError, Unsupported
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.openstack import options as k
from providers.openstack.context import Patience, Settings
from providers.openstack.desired import desired
from providers.openstack.options import (
    MonitorSettings,
    OpenStackOptions,
    parse_options,
)
from providers.openstack.validate import validate
from tests.support.builders import service

from .support import NODES, TCP_UDP

SETTINGS = Settings(cluster="unit", vip_subnet_id="vip-subnet", floating_network_id="public")
D = OpenStackOptions()


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, D),
        ({k.INTERNAL: "true"}, dataclasses.replace(D, internal=True)),
        (
            {k.NODE_SELECTOR: "pool=web, zone=a"},
            dataclasses.replace(D, node_labels={"pool": "web", "zone": "a"}),
        ),
        ({k.SUBNET_ID: " subnet-1 "}, dataclasses.replace(D, subnet_id="subnet-1")),
        ({k.NETWORK_ID: "net-1"}, dataclasses.replace(D, network_id="net-1")),
        ({k.FLOATING_NETWORK_ID: "ext"}, dataclasses.replace(D, floating_network_id="ext")),
        ({k.KEEP_FLOATING_IP: "true"}, dataclasses.replace(D, keep_floating_ip=True)),
        ({k.KEEP_FLOATING_IP: "false"}, dataclasses.replace(D, keep_floating_ip=False)),
        ({k.PROXY_PROTOCOL: "true"}, dataclasses.replace(D, proxy_protocol="PROXY")),
        ({k.PROXY_PROTOCOL: "v1"}, dataclasses.replace(D, proxy_protocol="PROXY")),
        ({k.PROXY_PROTOCOL: "V2"}, dataclasses.replace(D, proxy_protocol="PROXYV2")),
        ({k.PROXY_PROTOCOL: "false"}, D),
        ({k.LB_METHOD: "source_ip"}, dataclasses.replace(D, lb_method="SOURCE_IP")),
        ({k.CONNECTION_LIMIT: "-1"}, D),
        ({k.CONNECTION_LIMIT: "500"}, dataclasses.replace(D, connection_limit=500)),
        (
            {k.TIMEOUT_CLIENT_DATA: "1", k.TIMEOUT_MEMBER_CONNECT: "2"},
            dataclasses.replace(
                D, timeouts={**D.timeouts, "timeout_client_data": 1, "timeout_member_connect": 2}
            ),
        ),
        (
            {k.TIMEOUT_MEMBER_DATA: "0", k.TIMEOUT_TCP_INSPECT: "31536000000"},
            dataclasses.replace(
                D,
                timeouts={
                    **D.timeouts,
                    "timeout_member_data": 0,
                    "timeout_tcp_inspect": 31_536_000_000,
                },
            ),
        ),
        (
            {k.ENABLE_MONITOR: "false"},
            dataclasses.replace(D, monitor=MonitorSettings(enabled=False)),
        ),
        (
            {k.MONITOR_DELAY: "10", k.MONITOR_TIMEOUT: "10", k.MONITOR_MAX_RETRIES: "2"},
            dataclasses.replace(D, monitor=MonitorSettings(delay=10, timeout=10, max_retries=2)),
        ),
        (
            {k.MONITOR_MAX_RETRIES_DOWN: "10"},
            dataclasses.replace(D, monitor=MonitorSettings(max_retries_down=10)),
        ),
        (
            {k.FLAVOR_ID: "f-1", k.AVAILABILITY_ZONE: "az-1"},
            dataclasses.replace(D, flavor_id="f-1", availability_zone="az-1"),
        ),
        ({k.X_FORWARDED_FOR: "false"}, D),
        ({"loadbalancer.openstack.org/load-balancer-address": "203.0.113.1"}, D),
        ({"unrelated.example.com/x": "y"}, D),
    ],
)
def test_parse_options(annotations: dict[str, str], expected: OpenStackOptions) -> None:
    assert parse_options(annotations) == expected


@pytest.mark.parametrize(
    ("annotations", "culprit", "reason"),
    [
        ({k.INTERNAL: "maybe"}, k.INTERNAL, "expected true or false"),
        ({k.SUBNET_ID: "a b"}, k.SUBNET_ID, "one OpenStack id"),
        ({k.FLOATING_NETWORK_ID: ""}, k.FLOATING_NETWORK_ID, "one OpenStack id"),
        (
            {k.INTERNAL: "true", k.FLOATING_NETWORK_ID: "ext"},
            k.FLOATING_NETWORK_ID,
            "external load balancers only",
        ),
        ({k.PROXY_PROTOCOL: "v3"}, k.PROXY_PROTOCOL, "true, false, v1 or v2"),
        ({k.LB_METHOD: "SOURCE_IP_PORT"}, k.LB_METHOD, "ROUND_ROBIN"),
        ({k.CONNECTION_LIMIT: "0"}, k.CONNECTION_LIMIT, "-1 (unlimited)"),
        ({k.CONNECTION_LIMIT: "-2"}, k.CONNECTION_LIMIT, "between -1"),
        ({k.TIMEOUT_CLIENT_DATA: "5s"}, k.TIMEOUT_CLIENT_DATA, "whole number"),
        ({k.TIMEOUT_MEMBER_DATA: "31536000001"}, k.TIMEOUT_MEMBER_DATA, "between 0"),
        ({k.MONITOR_DELAY: "0"}, k.MONITOR_DELAY, "between 1 and 3600"),
        ({k.MONITOR_TIMEOUT: "6"}, k.MONITOR_TIMEOUT, "must not exceed the delay (5 s)"),
        ({k.MONITOR_MAX_RETRIES: "11"}, k.MONITOR_MAX_RETRIES, "between 1 and 10"),
        ({k.ENABLE_MONITOR: "sometimes"}, k.ENABLE_MONITOR, "expected true or false"),
        ({k.NODE_SELECTOR: "pool"}, k.NODE_SELECTOR, "not key=value"),
        ({k.X_FORWARDED_FOR: "true"}, k.X_FORWARDED_FOR, "needs HTTP listeners"),
        *(({key: "x"}, key, "not supported by lbcontroller") for key in k.UNSUPPORTED),
    ],
)
def test_parse_options_refuses(annotations: dict[str, str], culprit: str, reason: str) -> None:
    with pytest.raises(InvalidAnnotation) as refused:
        parse_options(annotations)
    assert reason in refused.value.message
    assert (refused.value.annotation, refused.value.value) == (
        culprit,
        annotations.get(culprit, refused.value.value),
    )


def _spec(settings: Settings = SETTINGS, **changes: Any) -> LoadBalancerSpec[Any]:
    svc = service(**{"ports": TCP_UDP, **changes})
    return build_spec(svc, NODES, SpecSettings(cluster=settings.cluster), parse_options)


@pytest.mark.parametrize(
    ("changes", "settings"),
    [
        ({}, SETTINGS),
        (
            {"load_balancer_ip": "203.0.113.9"},
            dataclasses.replace(SETTINGS, floating_network_id=None),
        ),
        (
            {"annotations": {k.INTERNAL: "true"}},
            dataclasses.replace(SETTINGS, floating_network_id=None),
        ),
        ({"annotations": {k.NETWORK_ID: "n"}}, dataclasses.replace(SETTINGS, vip_subnet_id=None)),
        ({"source_ranges": ("10.0.0.0/8", "2001:db8::/32")}, SETTINGS),
        ({"annotations": {k.ENABLE_MONITOR: "false"}}, SETTINGS),
    ],
)
def test_validate_accepts(changes: dict[str, Any], settings: Settings) -> None:
    validate(_spec(settings, **changes), settings)


@pytest.mark.parametrize(
    ("changes", "settings", "error", "text"),
    [
        ({"ports": ((80, "SCTP", 30080),)}, SETTINGS, Unsupported, "SCTP ports"),
        ({"source_ranges": ("2001:db8::/32",)}, SETTINGS, Unsupported, r"families \(IPv4\)"),
        ({"load_balancer_ip": "2001:db8::1"}, SETTINGS, Unsupported, "not an IPv4 address"),
        ({}, dataclasses.replace(SETTINGS, vip_subnet_id=None), PermanentError, "no VIP subnet"),
        (
            {},
            dataclasses.replace(SETTINGS, floating_network_id=None),
            PermanentError,
            "no floating network",
        ),
        (
            {
                "external_traffic_policy": "Local",
                "health_check_node_port": 32000,
                "annotations": {k.ENABLE_MONITOR: "false"},
            },
            SETTINGS,
            Unsupported,
            "externalTrafficPolicy Local",
        ),
    ],
)
def test_validate_refuses(
    changes: dict[str, Any], settings: Settings, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        validate(_spec(settings, **changes), settings)


def test_validate_refuses_ipv6_only_without_an_ipv6_subnet() -> None:
    spec = _spec()
    with pytest.raises(Unsupported, match="set vipIpv6SubnetId"):
        validate(dataclasses.replace(spec, ip_families=("IPv6",)), SETTINGS)


def test_desired_ports_members_and_placement() -> None:
    local: dict[str, Any] = {
        "external_traffic_policy": "Local",
        "health_check_node_port": 32000,
        "source_ranges": ("10.0.0.0/8",),
    }
    want = desired(_spec(annotations={k.PROXY_PROTOCOL: "v2", k.FLAVOR_ID: "f"}, **local), SETTINGS)
    assert want.placement == {"vip_subnet_id": "vip-subnet", "flavor_id": "f"}
    assert want.ip_mode == "Proxy" and want.floating is not None and not want.floating.keep
    tcp, udp = want.ports
    assert (tcp.pool_protocol, udp.pool_protocol) == ("PROXYV2", "UDP")
    assert tcp.listener["allowed_cidrs"] == ["10.0.0.0/8"]
    assert tcp.members == (
        {"name": "node-a", "address": "10.0.0.11", "protocol_port": 30080, "monitor_port": 32000},
        {"name": "node-b", "address": "10.0.0.12", "protocol_port": 30080, "monitor_port": 32000},
    )
    assert tcp.monitor is not None and tcp.monitor.settings["url_path"] == "/healthz"


def test_created_with_follows_what_octavia_cannot_change() -> None:
    base = desired(_spec(), SETTINGS)
    assert desired(_spec(source_ranges=("10.0.0.0/8",)), SETTINGS).created_with == base.created_with
    moved = desired(_spec(annotations={k.SUBNET_ID: "other"}), SETTINGS)
    internal = desired(_spec(annotations={k.INTERNAL: "true"}), SETTINGS)
    assert moved.created_with != base.created_with
    assert internal.created_with == base.created_with and internal.floating is None


def test_patience_polls_about_one_second_times_1_2_to_the_n() -> None:
    delays = list(Patience().delays())
    assert delays[:4] == pytest.approx([1.0, 1.2, 1.44, 1.728])
    assert max(delays) == 10.0 and sum(delays) <= 60.0
    assert list(itertools.islice(Patience(first=0.2, budget=1).delays(), 10)) == pytest.approx(
        [0.2, 0.24, 0.288]
    )
