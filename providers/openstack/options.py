"""The OpenStack provider's Service annotations: their names, and their values parsed into
frozen options (pure).

Where it sits: the core's `build_spec` calls the provider's `parse_options` with a Service's
annotations; the result travels in `LoadBalancerSpec.options` to `validate` and `desired`. The
names are cloud-provider-openstack's wherever the meaning is the same (`validate` names them in
its errors too); the README's OpenStack section documents each one. Every refusal is an
InvalidAnnotation naming the annotation and its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lbcontroller import annotations as ann
from lbcontroller.errors import InvalidAnnotation
from lbcontroller.spec import LoadBalancerSpec

# The annotations' names: cloud-provider-openstack's wherever the meaning is the same.
P = "loadbalancer.openstack.org/"

INTERNAL = "service.beta.kubernetes.io/openstack-internal-load-balancer"
SUBNET_ID = P + "subnet-id"
NETWORK_ID = P + "network-id"
FLOATING_NETWORK_ID = P + "floating-network-id"
KEEP_FLOATING_IP = P + "keep-floatingip"
PROXY_PROTOCOL = P + "proxy-protocol"
LB_METHOD = P + "lb-method"
CONNECTION_LIMIT = P + "connection-limit"
TIMEOUT_CLIENT_DATA = P + "timeout-client-data"
TIMEOUT_MEMBER_CONNECT = P + "timeout-member-connect"
TIMEOUT_MEMBER_DATA = P + "timeout-member-data"
TIMEOUT_TCP_INSPECT = P + "timeout-tcp-inspect"
ENABLE_MONITOR = P + "enable-health-monitor"
MONITOR_DELAY = P + "health-monitor-delay"
MONITOR_TIMEOUT = P + "health-monitor-timeout"
MONITOR_MAX_RETRIES = P + "health-monitor-max-retries"
MONITOR_MAX_RETRIES_DOWN = P + "health-monitor-max-retries-down"
FLAVOR_ID = P + "flavor-id"
AVAILABILITY_ZONE = P + "availability-zone"
NODE_SELECTOR = P + "node-selector"
X_FORWARDED_FOR = P + "x-forwarded-for"  # only "false" is accepted
# Written by cloud-provider-openstack on every Service it served: the load balancer's id (taken
# over in place when it is the one CPO made for this Service; see `upstream`).
LOAD_BALANCER_ID = P + "load-balancer-id"

# cloud-provider-openstack's, refused here: silently ignoring them would build something else.
UNSUPPORTED = (
    P + "default-tls-container-ref",
    P + "port-id",
    P + "member-subnet-id",
    P + "floating-subnet",
    P + "floating-subnet-id",
    P + "floating-subnet-tags",
    P + "class",
    P + "hostname",
)

METHODS = ("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP")
MAX_TIMEOUT_MS = 31_536_000_000  # Octavia's bound: one year
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}")
_PROXY = {"true": "PROXY", "v1": "PROXY", "v2": "PROXYV2", "false": None}
# annotation -> (the listener's field, Octavia's own default in milliseconds)
TIMEOUTS = {
    TIMEOUT_CLIENT_DATA: ("timeout_client_data", 50_000),
    TIMEOUT_MEMBER_CONNECT: ("timeout_member_connect", 5_000),
    TIMEOUT_MEMBER_DATA: ("timeout_member_data", 50_000),
    TIMEOUT_TCP_INSPECT: ("timeout_tcp_inspect", 0),
}


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """The pools' health monitor; the timings' defaults are cloud-provider-openstack's."""

    enabled: bool | None = None  # None: the provider's default (see `desired.monitor_enabled`)
    delay: int = 5  # seconds between probes
    timeout: int = 3  # seconds a probe may take
    max_retries: int = 1  # successes before a member is ONLINE
    max_retries_down: int = 3  # failures before a member is in ERROR


@dataclass(frozen=True, slots=True)
class OpenStackOptions:
    """Everything the OpenStack provider reads from a Service's annotations."""

    internal: bool = False
    node_labels: Mapping[str, str] = field(default_factory=dict)
    subnet_id: str | None = None  # the VIP's subnet (else the config's)
    network_id: str | None = None  # the VIP's network (else the config's)
    floating_network_id: str | None = None  # else the config's
    keep_floating_ip: bool | None = None  # None: the config's keepFloatingIp
    proxy_protocol: str | None = None  # the TCP pools' protocol: PROXY or PROXYV2
    lb_method: str = "ROUND_ROBIN"
    connection_limit: int = -1  # -1: unlimited
    timeouts: Mapping[str, int] = field(default_factory=lambda: dict(TIMEOUTS.values()))
    monitor: MonitorSettings = MonitorSettings()
    flavor_id: str | None = None
    availability_zone: str | None = None
    load_balancer_id: str | None = None  # the one CPO made for this Service


def parse_options(annotations: Mapping[str, str]) -> OpenStackOptions:
    """Parse and check the annotations; InvalidAnnotation names the culprit and its value."""
    _refuse_unsupported(annotations)
    options = OpenStackOptions(
        internal=ann.get_bool(annotations, INTERNAL),
        node_labels=ann.get_map(annotations, NODE_SELECTOR),
        subnet_id=_id(annotations, SUBNET_ID),
        network_id=_id(annotations, NETWORK_ID),
        floating_network_id=_id(annotations, FLOATING_NETWORK_ID),
        keep_floating_ip=_optional_bool(annotations, KEEP_FLOATING_IP),
        proxy_protocol=_proxy_protocol(annotations),
        lb_method=ann.get_choice(annotations, LB_METHOD, METHODS, default="ROUND_ROBIN"),
        connection_limit=_connection_limit(annotations),
        timeouts=_timeouts(annotations),
        monitor=_monitor(annotations),
        flavor_id=_id(annotations, FLAVOR_ID),
        availability_zone=_id(annotations, AVAILABILITY_ZONE),
        load_balancer_id=_id(annotations, LOAD_BALANCER_ID),
    )
    if options.internal and options.floating_network_id is not None:
        raise InvalidAnnotation(
            FLOATING_NETWORK_ID,
            annotations[FLOATING_NETWORK_ID],
            f"applies to external load balancers only ({INTERNAL} is true)",
        )
    return options


def _refuse_unsupported(annotations: Mapping[str, str]) -> None:
    for key in UNSUPPORTED:
        if key in annotations:
            reason = "not supported by lbcontroller's OpenStack provider"
            raise InvalidAnnotation(key, annotations[key], reason)
    if ann.get_bool(annotations, X_FORWARDED_FOR):
        reason = "needs HTTP listeners; lbcontroller builds TCP and UDP listeners only"
        raise InvalidAnnotation(X_FORWARDED_FOR, annotations[X_FORWARDED_FOR], reason)


def _id(annotations: Mapping[str, str], key: str) -> str | None:
    raw = annotations.get(key)
    if raw is None:
        return None
    if _ID.fullmatch(raw.strip()) is None:
        raise InvalidAnnotation(key, raw, "expected one OpenStack id or name")
    return raw.strip()


def _optional_bool(annotations: Mapping[str, str], key: str) -> bool | None:
    return ann.get_bool(annotations, key) if key in annotations else None


def _proxy_protocol(annotations: Mapping[str, str]) -> str | None:
    raw = annotations.get(PROXY_PROTOCOL)
    if raw is None:
        return None
    if raw.strip().lower() not in _PROXY:
        raise InvalidAnnotation(PROXY_PROTOCOL, raw, "expected true, false, v1 or v2")
    return _PROXY[raw.strip().lower()]


def _int(annotations: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    value = ann.get_int(annotations, key, default=default, low=low, high=high)
    return default if value is None else value


def _connection_limit(annotations: Mapping[str, str]) -> int:
    limit = _int(annotations, CONNECTION_LIMIT, -1, -1, 2**31 - 1)
    if limit == 0:
        raise InvalidAnnotation(
            CONNECTION_LIMIT,
            annotations[CONNECTION_LIMIT],
            "-1 (unlimited) or a positive number",
        )
    return limit


def _timeouts(annotations: Mapping[str, str]) -> dict[str, int]:
    """The listeners' timeouts by Octavia field; an absent annotation keeps Octavia's default."""
    return {
        name: _int(annotations, key, default, 0, MAX_TIMEOUT_MS)
        for key, (name, default) in TIMEOUTS.items()
    }


def _monitor(annotations: Mapping[str, str]) -> MonitorSettings:
    ccm = MonitorSettings()
    monitor = MonitorSettings(
        enabled=_optional_bool(annotations, ENABLE_MONITOR),
        delay=_int(annotations, MONITOR_DELAY, ccm.delay, 1, 3600),
        timeout=_int(annotations, MONITOR_TIMEOUT, ccm.timeout, 1, 3600),
        max_retries=_int(annotations, MONITOR_MAX_RETRIES, ccm.max_retries, 1, 10),
        max_retries_down=_int(annotations, MONITOR_MAX_RETRIES_DOWN, ccm.max_retries_down, 1, 10),
    )
    if monitor.timeout > monitor.delay:
        reason = f"must not exceed the delay ({monitor.delay} s)"
        raise InvalidAnnotation(MONITOR_TIMEOUT, str(monitor.timeout), reason)
    return monitor


def options_of(spec: LoadBalancerSpec[Any]) -> OpenStackOptions:
    """The spec's options, which this provider's `parse_options` made."""
    if not isinstance(spec.options, OpenStackOptions):
        raise TypeError(
            f"{spec.ref.service_key}: options were not parsed by the OpenStack provider"
        )
    return spec.options
