"""The AWS provider's Service annotations: their names, and parsing them into frozen options
(pure).

Where it sits: the core's `build_spec` calls the provider's `parse_options` with a Service's
annotations; the result travels in `LoadBalancerSpec.options` to `validate` and `ensure`. The
names are cloud-provider-aws's wherever the meaning is the same; the README's AWS section
documents each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lbcontroller import annotations as ann
from lbcontroller.errors import InvalidAnnotation
from lbcontroller.nodes import LABEL_PRESENT
from lbcontroller.spec import LoadBalancerSpec

P = "service.beta.kubernetes.io/aws-load-balancer-"
TYPE, INTERNAL, SCHEME, SUBNETS = P + "type", P + "internal", P + "scheme", P + "subnets"
HC = P + "healthcheck-"
HC_PROTOCOL, HC_PORT, HC_PATH = HC + "protocol", HC + "port", HC + "path"
HC_INTERVAL, HC_TIMEOUT = HC + "interval", HC + "timeout"
HC_HEALTHY, HC_UNHEALTHY = HC + "healthy-threshold", HC + "unhealthy-threshold"
NODE_LABELS, PROXY_PROTOCOL = P + "target-node-labels", P + "proxy-protocol"
CROSS_ZONE = P + "cross-zone-load-balancing-enabled"
EXTRA_TAGS = P + "additional-resource-tags"
SECURITY_GROUPS, EXTRA_SECURITY_GROUPS = P + "security-groups", P + "extra-security-groups"
SSL_CERT, SSL_PORTS, BACKEND_PROTOCOL = P + "ssl-cert", P + "ssl-ports", P + "backend-protocol"
EIP_ALLOCATIONS, IDLE_TIMEOUT = P + "eip-allocations", P + "connection-idle-timeout"
IP_ADDRESS_TYPE = P + "ip-address-type"  # the AWS Load Balancer Controller's: ipv4 | dualstack
UNSUPPORTED = tuple(
    P + name
    for name in (
        "access-log-enabled",
        "access-log-emit-interval",
        "access-log-s3-bucket-name",
        "access-log-s3-bucket-prefix",
        "connection-draining-enabled",
        "connection-draining-timeout",
        "ssl-negotiation-policy",
        "nlb-target-type",
        "private-ipv4-addresses",
        "target-group-attributes",
        "attributes",
    )
)
CLASSIC_ONLY = (
    SSL_CERT,
    SSL_PORTS,
    BACKEND_PROTOCOL,
    SECURITY_GROUPS,
    EXTRA_SECURITY_GROUPS,
    IDLE_TIMEOUT,
)
NLB_ONLY = (EIP_ALLOCATIONS, IP_ADDRESS_TYPE)
TRAFFIC_PORT = "traffic-port"


@dataclass(frozen=True, slots=True)
class HealthOverride:
    """Health-check settings from annotations; None keeps the default (`desired.health_of`)."""

    protocol: str | None = None
    port: str | None = None
    path: str | None = None
    interval: int | None = None
    timeout: int | None = None
    healthy: int | None = None
    unhealthy: int | None = None


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """Everything the AWS provider reads from a Service's annotations."""

    kind: str = "nlb"  # "nlb" or "classic"
    upstream: bool = False  # compatibility: upstream (cloud-provider-aws's defaults)
    internal: bool = False
    node_labels: Mapping[str, str] = field(default_factory=dict)
    subnets: tuple[str, ...] = ()
    health: HealthOverride = HealthOverride()
    proxy_protocol: bool = False
    cross_zone: bool = False
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    security_groups: tuple[str, ...] = ()
    extra_security_groups: tuple[str, ...] = ()
    ssl_cert: str | None = None
    ssl_ports: tuple[int, ...] = ()  # empty: every port
    backend_protocol: str | None = None
    eip_allocations: tuple[str, ...] = ()
    idle_timeout: int = 60
    ip_address_type: str | None = None  # "ipv4" or "dualstack"; None: from spec.ipFamilies


def parse_options(annotations: Mapping[str, str], *, upstream: bool = False) -> AwsOptions:
    """Parse and check the annotations; InvalidAnnotation names the culprit and its value.

    `upstream` (the provider's `compatibility: upstream`): an unannotated Service gets what
    cloud-provider-aws would build (a classic ELB), and `P-internal` is read exactly as it
    reads it.
    """
    _refuse_unsupported(annotations)
    kind = _kind(annotations, "classic" if upstream else "nlb")
    options = AwsOptions(
        kind=kind,
        upstream=upstream,
        internal=_internal(annotations, upstream=upstream),
        node_labels=_node_labels(annotations),
        subnets=_unique(annotations, SUBNETS),
        health=_health(annotations, kind),
        proxy_protocol=_proxy_protocol(annotations),
        cross_zone=ann.get_bool(annotations, CROSS_ZONE),
        extra_tags=_extra_tags(annotations),
        security_groups=_ids(annotations, SECURITY_GROUPS, "sg-"),
        extra_security_groups=_ids(annotations, EXTRA_SECURITY_GROUPS, "sg-"),
        ssl_cert=annotations.get(SSL_CERT, "").strip() or None,
        ssl_ports=_ssl_ports(annotations),
        backend_protocol=_backend_protocol(annotations),
        eip_allocations=_ids(annotations, EIP_ALLOCATIONS, "eipalloc-"),
        idle_timeout=_int(annotations, IDLE_TIMEOUT, 60, 1, 4000),
        ip_address_type=_ip_address_type(annotations),
    )
    _check_combinations(annotations, options)
    return options


def _check_combinations(annotations: Mapping[str, str], options: AwsOptions) -> None:
    only = CLASSIC_ONLY if options.kind == "nlb" else NLB_ONLY
    for key in only:
        if key in annotations:
            other = "classic ELBs" if options.kind == "nlb" else "NLBs"
            raise InvalidAnnotation(key, annotations[key], f"applies to {other} only ({TYPE})")
    if options.eip_allocations and options.internal:
        raise InvalidAnnotation(
            EIP_ALLOCATIONS,
            annotations[EIP_ALLOCATIONS],
            "needs an internet-facing load balancer",
        )
    if options.ssl_ports and options.ssl_cert is None:
        raise InvalidAnnotation(SSL_PORTS, annotations[SSL_PORTS], f"needs {SSL_CERT}")
    protocol = options.health.protocol
    if options.health.path is not None and protocol in ("TCP", "SSL"):
        raise InvalidAnnotation(
            HC_PATH, options.health.path, f"a {protocol} health check has no path"
        )
    if protocol == "SSL" and options.kind == "nlb":
        raise InvalidAnnotation(
            HC_PROTOCOL, annotations[HC_PROTOCOL], "SSL applies to classic ELBs only"
        )


def _refuse_unsupported(annotations: Mapping[str, str]) -> None:
    for key in UNSUPPORTED:
        value = annotations.get(key)
        if value is None or (key.endswith("-enabled") and value.strip().lower() == "false"):
            continue
        raise InvalidAnnotation(key, value, "not supported by lbcontroller's AWS provider")


def _kind(annotations: Mapping[str, str], default: str) -> str:
    raw = annotations.get(TYPE, default).strip().lower()
    if raw == "nlb":
        return "nlb"
    if raw in ("classic", "elb"):
        return "classic"
    reason = "expected nlb, classic or elb"
    if raw in ("external", "nlb-ip"):
        reason = "served by the AWS Load Balancer Controller, not lbcontroller; " + reason
    raise InvalidAnnotation(TYPE, annotations[TYPE], reason)


def _internal_value(annotations: Mapping[str, str], *, upstream: bool) -> bool:
    """cloud-provider-aws: empty or exactly `false` is internet-facing, any other value
    (`true`, `0.0.0.0/0`...) internal. lbcontroller's own reading differs only in taking its
    boolean words for false too (`no`, `0`, `off`, `False`): those stay internet-facing."""
    raw = annotations.get(INTERNAL, "").strip()
    if upstream or not raw:
        return raw not in ("", "false")
    try:
        return ann.get_bool(annotations, INTERNAL)
    except InvalidAnnotation:
        return True  # any other value, as upstream reads it


def _internal(annotations: Mapping[str, str], *, upstream: bool) -> bool:
    internal = _internal_value(annotations, upstream=upstream)
    if SCHEME not in annotations:
        return internal
    scheme = ann.get_choice(annotations, SCHEME, ("internet-facing", "internal"), default="")
    if INTERNAL in annotations and internal != (scheme == "internal"):
        raise InvalidAnnotation(SCHEME, annotations[SCHEME], f"contradicts {INTERNAL}")
    return scheme == "internal"


def _ids(annotations: Mapping[str, str], key: str, prefix: str) -> tuple[str, ...]:
    items = _unique(annotations, key)
    for item in items:
        if not item.startswith(prefix):
            raise InvalidAnnotation(key, annotations[key], f"{item!r} is not a {prefix}... id")
    return items


def _unique(annotations: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A list of ids or names, none twice (subnets: ids or `Name` tags, resolved later)."""
    items = ann.get_list(annotations, key)
    if len(set(items)) != len(items):
        raise InvalidAnnotation(key, annotations[key], "an item is listed twice")
    return items


def _node_labels(annotations: Mapping[str, str]) -> dict[str, str]:
    """`k=v,k2=v2`; a bare `key` or `key=` means "the label is present", as cloud-provider-aws
    reads it (`LABEL_PRESENT`)."""
    labels: dict[str, str] = {}
    for item in ann.get_list(annotations, NODE_LABELS):
        name, _, value = (part.strip() for part in item.partition("="))
        if not name:
            raise InvalidAnnotation(NODE_LABELS, annotations[NODE_LABELS], f"{item!r} has no key")
        labels[name] = value or LABEL_PRESENT
    return labels


def _int(annotations: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    value = ann.get_int(annotations, key, default=default, low=low, high=high)
    return default if value is None else value


def _health(annotations: Mapping[str, str], kind: str) -> HealthOverride:
    protocol = annotations.get(HC_PROTOCOL)
    health = HealthOverride(
        protocol=None if protocol is None else _hc_protocol(annotations),
        port=_hc_port(annotations),
        path=annotations.get(HC_PATH, "").strip() or None,
        interval=ann.get_int(annotations, HC_INTERVAL, default=None, low=5, high=300),
        timeout=ann.get_int(
            annotations, HC_TIMEOUT, default=None, low=2, high=60 if kind == "classic" else 120
        ),
        healthy=ann.get_int(annotations, HC_HEALTHY, default=None, low=2, high=10),
        unhealthy=ann.get_int(annotations, HC_UNHEALTHY, default=None, low=2, high=10),
    )
    if health.path is not None and not health.path.startswith("/"):
        raise InvalidAnnotation(HC_PATH, health.path, "must start with /")
    return health


def _hc_protocol(annotations: Mapping[str, str]) -> str:
    choices = ("TCP", "HTTP", "HTTPS", "SSL")
    return ann.get_choice(annotations, HC_PROTOCOL, choices, default="TCP")


def _hc_port(annotations: Mapping[str, str]) -> str | None:
    raw = annotations.get(HC_PORT)
    if raw is None or raw.strip() == TRAFFIC_PORT:
        return None if raw is None else TRAFFIC_PORT
    return str(_int(annotations, HC_PORT, 0, 1, 65535))


def _proxy_protocol(annotations: Mapping[str, str]) -> bool:
    raw = annotations.get(PROXY_PROTOCOL)
    if raw is not None and raw.strip() != "*":
        raise InvalidAnnotation(PROXY_PROTOCOL, raw, 'only "*" (every port) is supported')
    return raw is not None


def _extra_tags(annotations: Mapping[str, str]) -> dict[str, str]:
    """`Key1=Val1,Key2=Val2,KeyNoValue`, as cloud-provider-aws reads it."""
    tags: dict[str, str] = {}
    for item in ann.get_list(annotations, EXTRA_TAGS):
        key, _, value = (part.strip() for part in item.partition("="))
        reserved = key.startswith(("aws:", "kubernetes.io/", "lbcontroller.io/"))
        if not key or reserved or len(key) > 128 or len(value) > 256:
            reason = f"tag {item!r} is empty, reserved or too long"
            raise InvalidAnnotation(EXTRA_TAGS, annotations[EXTRA_TAGS], reason)
        tags[key] = value
    return tags


def _ssl_ports(annotations: Mapping[str, str]) -> tuple[int, ...]:
    items = ann.get_list(annotations, SSL_PORTS)
    if not items or "*" in items:
        return ()
    if not all(item.isdigit() and 0 < int(item) < 65536 for item in items):
        reason = "expected * or port numbers (port names are not supported)"
        raise InvalidAnnotation(SSL_PORTS, annotations[SSL_PORTS], reason)
    return tuple(sorted({int(item) for item in items}))


def _backend_protocol(annotations: Mapping[str, str]) -> str | None:
    if BACKEND_PROTOCOL not in annotations:
        return None
    return ann.get_choice(
        annotations, BACKEND_PROTOCOL, ("http", "https", "ssl", "tcp"), default=""
    )


def _ip_address_type(annotations: Mapping[str, str]) -> str | None:
    """`ipv4` or `dualstack`, as the AWS Load Balancer Controller reads it (its third value,
    `dualstack-without-public-ipv4`, is an ALB's only: AWS refuses it on an NLB)."""
    if IP_ADDRESS_TYPE not in annotations:
        return None
    return ann.get_choice(annotations, IP_ADDRESS_TYPE, ("ipv4", "dualstack"), default="")


def options_of(spec: LoadBalancerSpec[Any]) -> AwsOptions:
    """The spec's options, which this provider's `parse_options` made."""
    if not isinstance(spec.options, AwsOptions):
        raise TypeError(f"{spec.ref.service_key}: options were not parsed by the AWS provider")
    return spec.options
