"""Classic ELB: create with its own security group, converge in place, two reads when steady."""

from __future__ import annotations

import boto3
import pytest

from providers.aws.options import (
    BACKEND_PROTOCOL,
    CROSS_ZONE,
    IDLE_TIMEOUT,
    INTERNAL,
    PROXY_PROTOCOL,
    SSL_CERT,
    SSL_PORTS,
    TYPE,
)
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker
from tests.support.builders import service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
from .views import instance_ids, rules

pytestmark = pytest.mark.integration

PORTS = ((80, "TCP", 30080), (443, "TCP", 30443))


def _describe(world: World, name: str) -> dict[str, object]:
    (lb,) = world.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"]
    return dict(lb)


def test_create_and_steady_state(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    acm = boto3.session.Session(region_name="us-east-1").client("acm", endpoint_url=world.endpoint)
    cert = acm.request_certificate(DomainName="web.example.com")["CertificateArn"]
    annotations = {TYPE: "classic", SSL_CERT: cert, SSL_PORTS: "443", BACKEND_PROTOCOL: "http"}
    spec = spec_of(provider, service(ports=PORTS, annotations=annotations), world.nodes)
    provider.ensure(spec)
    lb = world.elb.describe_load_balancers(LoadBalancerNames=[spec.ref.name])[
        "LoadBalancerDescriptions"
    ][0]
    found = {
        (
            d["Listener"]["LoadBalancerPort"],
            d["Listener"]["Protocol"],
            d["Listener"]["InstancePort"],
        )
        for d in lb["ListenerDescriptions"]
    }
    assert found == {(80, "HTTP", 30080), (443, "HTTPS", 30443)}
    assert lb["HealthCheck"]["Target"] == "HTTP:10256/healthz"
    assert {i["InstanceId"] for i in lb["Instances"]} == instance_ids(world.nodes)
    (own,) = lb["SecurityGroups"]
    assert rules(world, marker(spec.ref), group=own) == {
        ("tcp", 80, "0.0.0.0/0"),
        ("tcp", 443, "0.0.0.0/0"),
    }
    assert rules(world, marker(spec.ref)) == {
        ("tcp", 30080, own),
        ("tcp", 30443, own),
        ("tcp", 10256, own),
    }
    calls.start()
    provider.ensure(spec)
    assert calls.made == ["elb.DescribeLoadBalancers", "elb.DescribeTags"]  # and no writes


def test_settings_change_in_place(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    provider.ensure(spec_of(provider, service(annotations={TYPE: "classic"}), world.nodes))
    annotations = {TYPE: "classic", CROSS_ZONE: "true", IDLE_TIMEOUT: "300", PROXY_PROTOCOL: "*"}
    spec = spec_of(provider, service(ports=PORTS, annotations=annotations), world.nodes)
    calls.start()
    provider.ensure(spec)
    assert calls.writes() == {
        "ec2.AuthorizeSecurityGroupIngress": 2,
        "elb.CreateLoadBalancerListeners": 1,
        "elb.ModifyLoadBalancerAttributes": 1,
        "elb.CreateLoadBalancerPolicy": 1,
        "elb.SetLoadBalancerPoliciesForBackendServer": 2,
        "elb.AddTags": 1,
    }
    attributes = world.elb.describe_load_balancer_attributes(LoadBalancerName=spec.ref.name)
    assert attributes["LoadBalancerAttributes"]["ConnectionSettings"]["IdleTimeout"] == 300
    calls.start()
    provider.ensure(spec)
    assert calls.writes() == {}


def test_scheme_change_recreates_the_elb(world: World, provider: AwsLoadBalancers) -> None:
    provider.ensure(spec_of(provider, service(annotations={TYPE: "classic"}), world.nodes))
    annotations = {TYPE: "classic", INTERNAL: "true"}
    spec = spec_of(provider, service(annotations=annotations), world.nodes)
    creates = [c for c in provider.plan(spec) if c.operation == "CreateLoadBalancer"]
    assert [c.detail for c in creates] == [f"replaces classic ELB {spec.ref.name}: scheme changes"]
    provider.ensure(spec)
    (lb,) = world.elb.describe_load_balancers()["LoadBalancerDescriptions"]
    assert lb["Scheme"] == "internal"
    assert {i["InstanceId"] for i in lb["Instances"]} == instance_ids(world.nodes)
