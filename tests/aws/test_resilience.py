"""Throttling, type switches and refusals: converge without duplicates, leak nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from lbcontroller.errors import InvalidAnnotation, Unsupported
from providers.aws.options import HC_INTERVAL, TYPE
from providers.aws.provider import AwsLoadBalancers
from providers.aws.security_groups import marker
from tests.support.builders import service, spec_of
from tests.support.calls import BotoCalls

from .conftest import World
from .views import listeners, rules, target_groups

pytestmark = pytest.mark.integration

THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>"
)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class Throttler:
    """Answers every third ELB call with a Throttling error before it reaches the server."""

    def __init__(self) -> None:
        self.seen = 0
        self.refused = 0

    def __call__(self, request: Any, **_: Any) -> Any:
        """None lets the call through; a response stands in for the server's."""
        self.seen += 1
        if self.seen % 3:
            return None
        self.refused += 1
        return AWSResponse(request.url, 400, HTTPHeaders(), _Body(THROTTLED))


def test_throttled_calls_are_retried_without_duplicates(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    throttler = Throttler()
    for client in (provider.clients.elbv2, provider.clients.elb):
        client.meta.events.register("before-send", throttler)
    ports = ((80, "TCP", 30080), (443, "TCP", 30443), (53, "UDP", 30053))
    spec = spec_of(provider, service(ports=ports), world.nodes)
    provider.ensure(spec)
    assert throttler.refused >= 5
    lbs = world.elbv2.describe_load_balancers()["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in lbs] == [spec.ref.name]
    assert len(world.elbv2.describe_target_groups()["TargetGroups"]) == 3
    assert sorted(x["Port"] for x in listeners(world, spec.ref.name)) == [53, 80, 443]
    calls.start()
    provider.ensure(spec)
    assert calls.writes() == {}


def test_switching_nlb_to_classic_and_back_leaks_nothing(
    world: World, provider: AwsLoadBalancers
) -> None:
    nlb = spec_of(provider, service(), world.nodes)
    provider.ensure(nlb)
    classic = spec_of(provider, service(annotations={TYPE: "classic"}), world.nodes)
    status = provider.ensure(classic)
    assert world.elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert world.elbv2.describe_target_groups()["TargetGroups"] == []
    (elb,) = world.elb.describe_load_balancers()["LoadBalancerDescriptions"]
    assert status.ingress[0].hostname == elb["DNSName"]
    elb_group = elb["SecurityGroups"][0]
    assert rules(world, marker(nlb.ref)) == {("tcp", 30080, elb_group), ("tcp", 10256, elb_group)}
    provider.ensure(nlb)
    assert world.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    groups = world.ec2.describe_security_groups()["SecurityGroups"]
    assert [g["GroupId"] for g in groups if g["GroupId"] == elb_group] == []
    assert len(target_groups(world, nlb.ref.name)) == 1
    assert rules(world, marker(nlb.ref)) == {("tcp", 30080, "0.0.0.0/0")}


def test_invalid_annotation_names_it_and_creates_nothing(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    svc = service(annotations={HC_INTERVAL: "often"})
    with pytest.raises(InvalidAnnotation) as caught:
        spec_of(provider, svc, world.nodes)
    assert caught.value.annotation == HC_INTERVAL and "often" in str(caught.value)
    assert calls.made == []
    assert world.elbv2.describe_load_balancers()["LoadBalancers"] == []


def test_classic_with_udp_is_unsupported_and_creates_nothing(
    world: World, provider: AwsLoadBalancers, calls: BotoCalls
) -> None:
    ports = ((80, "TCP", 30080), (53, "UDP", 30053))
    spec = spec_of(provider, service(ports=ports, annotations={TYPE: "classic"}), world.nodes)
    with pytest.raises(Unsupported, match=r"spec\.ports protocol UDP"):
        provider.ensure(spec)
    assert calls.made == []
    assert world.elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
