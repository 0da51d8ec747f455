"""parse_options and validate: table-driven, no server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from botocore.parsers import ResponseParserError

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import InvalidAnnotation, PermanentError, Unsupported
from lbcontroller.nodes import LABEL_PRESENT
from lbcontroller.spec import LoadBalancerSpec, SpecSettings, build_spec
from providers.aws import options as k
from providers.aws.api import classify
from providers.aws.desired import Health, desired_for
from providers.aws.options import AwsOptions, HealthOverride, parse_options
from providers.aws.validate import validate
from tests.support.builders import CLUSTER, node, service

SUBNETS = ("subnet-a", "subnet-b")
HTTP = ((80, "TCP", 30080),)


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, AwsOptions()),
        ({k.TYPE: "nlb"}, AwsOptions()),
        ({k.TYPE: "ELB"}, AwsOptions(kind="classic")),
        ({k.TYPE: "classic"}, AwsOptions(kind="classic")),
        ({k.INTERNAL: "true"}, AwsOptions(internal=True)),
        ({k.INTERNAL: "0.0.0.0/0"}, AwsOptions(internal=True)),
        ({k.INTERNAL: "no"}, AwsOptions()),
        ({k.INTERNAL: ""}, AwsOptions()),
        ({k.SCHEME: "internal"}, AwsOptions(internal=True)),
        ({k.SCHEME: "internet-facing", k.INTERNAL: "false"}, AwsOptions()),
        ({k.SUBNETS: "subnet-1, subnet-2"}, AwsOptions(subnets=("subnet-1", "subnet-2"))),
        ({k.SUBNETS: "subnet-1,public-a"}, AwsOptions(subnets=("subnet-1", "public-a"))),
        (
            {k.NODE_LABELS: "pool=edge,zone=a"},
            AwsOptions(node_labels={"pool": "edge", "zone": "a"}),
        ),
        (
            {k.NODE_LABELS: "pool, zone=, tier=web"},
            AwsOptions(node_labels={"pool": LABEL_PRESENT, "zone": LABEL_PRESENT, "tier": "web"}),
        ),
        ({k.PROXY_PROTOCOL: "*"}, AwsOptions(proxy_protocol=True)),
        ({k.CROSS_ZONE: "true"}, AwsOptions(cross_zone=True)),
        (
            {k.EXTRA_TAGS: "team=web, KeyNoValue, empty="},
            AwsOptions(extra_tags={"team": "web", "KeyNoValue": "", "empty": ""}),
        ),
        (
            {k.HC_PROTOCOL: "tcp", k.HC_PORT: "traffic-port", k.HC_INTERVAL: "30"},
            AwsOptions(health=HealthOverride(protocol="TCP", port="traffic-port", interval=30)),
        ),
        (
            {k.HC_PATH: "/ready", k.HC_PORT: "8080", k.HC_HEALTHY: "3", k.HC_UNHEALTHY: "4"},
            AwsOptions(health=HealthOverride(path="/ready", port="8080", healthy=3, unhealthy=4)),
        ),
        (
            {k.EIP_ALLOCATIONS: "eipalloc-1,eipalloc-2"},
            AwsOptions(eip_allocations=("eipalloc-1", "eipalloc-2")),
        ),
        (
            {
                k.TYPE: "classic",
                k.SSL_CERT: "arn:c",
                k.SSL_PORTS: "443,8443",
                k.BACKEND_PROTOCOL: "HTTP",
            },
            AwsOptions(
                kind="classic", ssl_cert="arn:c", ssl_ports=(443, 8443), backend_protocol="http"
            ),
        ),
        (
            {k.TYPE: "classic", k.SECURITY_GROUPS: "sg-1", k.EXTRA_SECURITY_GROUPS: "sg-2,sg-3"},
            AwsOptions(
                kind="classic", security_groups=("sg-1",), extra_security_groups=("sg-2", "sg-3")
            ),
        ),
        ({k.TYPE: "classic", k.IDLE_TIMEOUT: "300"}, AwsOptions(kind="classic", idle_timeout=300)),
        ({k.P + "access-log-enabled": "false"}, AwsOptions()),
    ],
)
def test_parse_options_reads(annotations: Mapping[str, str], expected: AwsOptions) -> None:
    assert parse_options(annotations) == expected


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, AwsOptions(kind="classic", upstream=True)),
        ({k.TYPE: "nlb"}, AwsOptions(upstream=True)),
        # cloud-provider-aws: only an empty value or exactly `false` is internet-facing
        ({k.INTERNAL: "no"}, AwsOptions(kind="classic", upstream=True, internal=True)),
        ({k.INTERNAL: "False"}, AwsOptions(kind="classic", upstream=True, internal=True)),
        ({k.INTERNAL: "false"}, AwsOptions(kind="classic", upstream=True)),
    ],
)
def test_parse_options_with_upstream_compatibility(
    annotations: Mapping[str, str], expected: AwsOptions
) -> None:
    assert parse_options(annotations, upstream=True) == expected


@pytest.mark.parametrize(
    ("annotations", "culprit"),
    [
        ({k.TYPE: "alb"}, k.TYPE),
        ({k.TYPE: "external"}, k.TYPE),
        ({k.SCHEME: "private"}, k.SCHEME),
        ({k.SCHEME: "internal", k.INTERNAL: "false"}, k.SCHEME),
        ({k.SUBNETS: "subnet-1,subnet-1"}, k.SUBNETS),
        ({k.HC_INTERVAL: "often"}, k.HC_INTERVAL),
        ({k.HC_INTERVAL: "301"}, k.HC_INTERVAL),
        ({k.HC_TIMEOUT: "1"}, k.HC_TIMEOUT),
        ({k.TYPE: "classic", k.HC_TIMEOUT: "61", k.HC_INTERVAL: "300"}, k.HC_TIMEOUT),
        ({k.HC_HEALTHY: "11"}, k.HC_HEALTHY),
        ({k.HC_UNHEALTHY: "1"}, k.HC_UNHEALTHY),
        ({k.HC_PROTOCOL: "UDP"}, k.HC_PROTOCOL),
        ({k.HC_PORT: "0"}, k.HC_PORT),
        ({k.HC_PATH: "healthz"}, k.HC_PATH),
        ({k.HC_PROTOCOL: "TCP", k.HC_PATH: "/healthz"}, k.HC_PATH),
        ({k.TYPE: "classic", k.HC_PROTOCOL: "SSL", k.HC_PATH: "/healthz"}, k.HC_PATH),
        ({k.HC_PROTOCOL: "ssl"}, k.HC_PROTOCOL),
        ({k.NODE_LABELS: "=edge"}, k.NODE_LABELS),
        ({k.PROXY_PROTOCOL: "80"}, k.PROXY_PROTOCOL),
        ({k.CROSS_ZONE: "sometimes"}, k.CROSS_ZONE),
        ({k.EXTRA_TAGS: "kubernetes.io/cluster/x=owned"}, k.EXTRA_TAGS),
        ({k.EXTRA_TAGS: "=value"}, k.EXTRA_TAGS),
        ({k.SSL_CERT: "arn:c"}, k.SSL_CERT),
        ({k.SECURITY_GROUPS: "sg-1"}, k.SECURITY_GROUPS),
        ({k.IDLE_TIMEOUT: "30"}, k.IDLE_TIMEOUT),
        ({k.TYPE: "classic", k.EIP_ALLOCATIONS: "eipalloc-1"}, k.EIP_ALLOCATIONS),
        ({k.EIP_ALLOCATIONS: "eipalloc-1", k.INTERNAL: "true"}, k.EIP_ALLOCATIONS),
        ({k.EIP_ALLOCATIONS: "10.0.0.1"}, k.EIP_ALLOCATIONS),
        ({k.TYPE: "classic", k.SSL_PORTS: "443"}, k.SSL_PORTS),
        ({k.TYPE: "classic", k.SSL_CERT: "arn:c", k.SSL_PORTS: "https"}, k.SSL_PORTS),
        ({k.TYPE: "classic", k.BACKEND_PROTOCOL: "grpc"}, k.BACKEND_PROTOCOL),
        ({k.TYPE: "classic", k.IDLE_TIMEOUT: "4001"}, k.IDLE_TIMEOUT),
        ({k.P + "access-log-enabled": "true"}, k.P + "access-log-enabled"),
        ({k.P + "ssl-negotiation-policy": "p"}, k.P + "ssl-negotiation-policy"),
    ],
)
def test_parse_options_refuses(annotations: Mapping[str, str], culprit: str) -> None:
    with pytest.raises(InvalidAnnotation) as caught:
        parse_options(annotations)
    assert caught.value.annotation == culprit
    assert caught.value.value in str(caught.value)


def _spec(
    annotations: Mapping[str, str] | None = None,
    ports: tuple[tuple[int, str, int], ...] = ((80, "TCP", 30080),),
    *,
    upstream: bool = False,
    **changes: Any,
) -> LoadBalancerSpec[Any]:
    svc = service(ports=ports, annotations=annotations, **changes)
    nodes = [node("n", provider_id="aws:///us-east-1a/i-0abc")]
    settings = SpecSettings(cluster=CLUSTER)
    return build_spec(svc, nodes, settings, lambda a: parse_options(a, upstream=upstream))


@pytest.mark.parametrize(
    ("annotations", "ports", "error", "words"),
    [
        ({k.TYPE: "classic"}, ((53, "UDP", 30053),), Unsupported, "spec.ports protocol UDP"),
        ({}, ((9, "SCTP", 30009),), Unsupported, "spec.ports protocol SCTP"),
        ({}, ((53, "TCP", 30053), (53, "UDP", 30054)), PermanentError, "different nodePorts"),
        (
            {k.EIP_ALLOCATIONS: "eipalloc-1"},
            ((80, "TCP", 30080),),
            InvalidAnnotation,
            "one allocation per subnet",
        ),
        ({k.HC_TIMEOUT: "10", k.HC_INTERVAL: "10"}, HTTP, InvalidAnnotation, "less than"),
        # the default interval of an upstream-style NLB check is 30 s, lbcontroller's 10 s
        ({k.HC_TIMEOUT: "12"}, HTTP, InvalidAnnotation, "interval (10)"),
    ],
)
def test_validate_refuses(
    annotations: Mapping[str, str],
    ports: tuple[tuple[int, str, int], ...],
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error) as caught:
        validate(_spec(annotations, ports), default_subnets=SUBNETS)
    assert words in str(caught.value)


def test_validate_accepts_mixed_protocols_and_matching_eips() -> None:
    ports = ((53, "TCP", 30053), (53, "UDP", 30053))
    validate(_spec({k.EIP_ALLOCATIONS: "eipalloc-1,eipalloc-2"}, ports), default_subnets=SUBNETS)


def test_validate_leaves_subnets_to_discovery() -> None:
    validate(_spec({k.EIP_ALLOCATIONS: "eipalloc-1"}), default_subnets=())


def test_an_annotated_timeout_is_checked_against_the_upstream_default_interval() -> None:
    validate(_spec({k.TYPE: "nlb", k.HC_TIMEOUT: "12"}, upstream=True), default_subnets=SUBNETS)


def test_session_affinity_client_ip_is_refused_naming_the_field() -> None:
    with pytest.raises(Unsupported) as caught:
        validate(_spec(session_affinity="ClientIP"), default_subnets=SUBNETS)
    assert caught.value.field == "spec.sessionAffinity"
    assert "ClientIP" in str(caught.value)


LOCAL = {"external_traffic_policy": "Local", "health_check_node_port": 32100}


@pytest.mark.parametrize(
    ("annotations", "upstream", "changes", "expected"),
    [
        # lbcontroller's own defaults, both kinds
        ({}, False, {}, Health("HTTP", "10256", "/healthz", 10, 5, 2, 2)),
        ({k.TYPE: "classic"}, False, {}, Health("HTTP", "10256", "/healthz", 10, 5, 2, 2)),
        ({}, False, LOCAL, Health("HTTP", "32100", "/healthz", 10, 5, 2, 2)),
        # cloud-provider-aws's: NLB TCP on the traffic port 30/10/3/3, Local HTTP on hcnp
        ({k.TYPE: "nlb"}, True, {}, Health("TCP", "traffic-port", None, 30, 10, 3, 3)),
        ({k.TYPE: "nlb"}, True, LOCAL, Health("HTTP", "32100", "/healthz", 10, 6, 2, 2)),
        # classic: TCP on the first NodePort 10/5/2/6 (SSL behind an https backend)
        ({}, True, {}, Health("TCP", "30080", None, 10, 5, 2, 6)),
        ({k.BACKEND_PROTOCOL: "https"}, True, {}, Health("SSL", "30080", None, 10, 5, 2, 6)),
        ({}, True, LOCAL, Health("HTTP", "32100", "/healthz", 10, 5, 2, 6)),
        # annotations still win; an HTTP check on the traffic port probes / as upstream does
        (
            {k.TYPE: "nlb", k.HC_PROTOCOL: "HTTP", k.HC_INTERVAL: "10", k.HC_TIMEOUT: "5"},
            True,
            {},
            Health("HTTP", "traffic-port", "/", 10, 5, 3, 3),
        ),
        (
            {k.HC_PORT: "traffic-port"},
            True,
            LOCAL,
            Health("HTTP", "30080", "/healthz", 10, 5, 2, 6),
        ),
        ({k.HC_PROTOCOL: "ssl"}, True, {}, Health("SSL", "30080", None, 10, 5, 2, 6)),
    ],
)
def test_health_check_defaults(
    annotations: Mapping[str, str], upstream: bool, changes: dict[str, Any], expected: Health
) -> None:
    spec = _spec(annotations, upstream=upstream, **changes)
    assert desired_for(spec, subnets=SUBNETS).health == expected


def test_names_are_short_unique_and_deterministic() -> None:
    ports = ((53, "TCP", 30053), (53, "UDP", 30053), (80, "TCP", 30080), (81, "TCP", 30081))
    plan = desired_for(_spec(ports=ports), subnets=SUBNETS)
    names = [group.name for group in plan.groups]
    assert [g.protocol for g in plan.groups] == ["TCP_UDP", "TCP", "TCP"]
    assert len(set(names)) == 3 and all(len(n) <= 32 for n in names)
    assert names == [g.name for g in desired_for(_spec(ports=ports), subnets=SUBNETS).groups]


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({k.SSL_CERT: "arn:c"}, ("SSL", "TCP", "arn:c")),
        ({k.SSL_CERT: "arn:c", k.BACKEND_PROTOCOL: "http"}, ("HTTPS", "HTTP", "arn:c")),
        ({k.SSL_CERT: "arn:c", k.SSL_PORTS: "443"}, ("TCP", "TCP", None)),
        ({k.BACKEND_PROTOCOL: "http"}, ("HTTP", "HTTP", None)),
        ({}, ("TCP", "TCP", None)),
    ],
)
def test_classic_listener_protocols(annotations: dict[str, str], expected: tuple[Any, ...]) -> None:
    plan = desired_for(_spec({k.TYPE: "classic", **annotations}), subnets=SUBNETS)
    (listener,) = plan.listeners
    assert (listener.protocol, listener.instance_protocol, listener.cert) == expected


def test_an_unparsable_5xx_body_is_retried() -> None:
    assert classify(ResponseParserError("Unable to parse response (500)")) is Outcome.TRANSIENT
