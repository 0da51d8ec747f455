"""The one door to AWS: every boto3 call of the provider goes through `Api.run`.

Where it sits: built once per provider by `providers.aws.build`; every module that talks to AWS
receives the `Api` and calls `api.run(api.elbv2.describe_load_balancers, Names=[...])`. The
call is rate limited by its API family (describe / register / modify, as the AWS load
balancer controller splits them), retried by `lbcontroller.cloudcall.CloudCaller` when
`sdk.classify` says it may pass, measured, and its final failure translated by `sdk.translate`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.config import AwsProvider, RateLimit
from lbcontroller.provider import PlannedChange
from lbcontroller.ratelimit import TokenBucket
from providers.aws import dryrun
from providers.aws.sdk import translate

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elb import ElasticLoadBalancingClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

P = ParamSpec("P")
T = TypeVar("T")

# The AWS load balancer controller's client-side defaults.
DEFAULT_LIMITS = {
    "describe": RateLimit(qps=50, burst=200),
    "register": RateLimit(qps=4, burst=20),
    "modify": RateLimit(qps=3, burst=20),
}
MAX_PAGES = 50  # a describe loop that has not ended by then never will (moto can loop)


def family(operation: str) -> str:
    """The rate-limit family of a boto3 method name."""
    if operation.startswith("describe_"):
        return "describe"
    if operation.startswith(("register_", "deregister_")):
        return "register"
    return "modify"


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """One token bucket per family: the defaults, overridden by `rateLimits` in the config."""
    unknown = sorted(set(limits) - set(DEFAULT_LIMITS))
    if unknown:
        raise ValueError(
            f"rateLimits: unknown API families {unknown} (expected describe, register, modify)"
        )
    merged = {**DEFAULT_LIMITS, **limits}
    return {name: TokenBucket(limit.qps, limit.burst) for name, limit in merged.items()}


@dataclass(frozen=True, slots=True)
class Clients:
    """The three boto3 clients the provider uses."""

    ec2: EC2Client
    elbv2: ElasticLoadBalancingv2Client
    elb: ElasticLoadBalancingClient

    def all(self) -> tuple[BaseClient, ...]:
        """Every client (for tests and diagnostics that hook botocore events)."""
        return (self.ec2, self.elbv2, self.elb)


def make_clients(config: AwsProvider) -> Clients:
    """Clients for the configured region and endpoint; credentials from the SDK's own chain.

    botocore's own retries are off: `CloudCaller` retries, so each attempt is counted once.
    """
    session = boto3.session.Session(region_name=config.region)
    settings = Config(retries={"mode": "standard", "total_max_attempts": 1})
    endpoint = config.endpoint
    return Clients(
        ec2=session.client("ec2", endpoint_url=endpoint, config=settings),
        elbv2=session.client("elbv2", endpoint_url=endpoint, config=settings),
        elb=session.client("elb", endpoint_url=endpoint, config=settings),
    )


def _operation(fn: Callable[..., object]) -> str:
    client = getattr(fn, "__self__", None)
    service = client.meta.service_model.service_name if client is not None else "aws"
    return f"{service}.{fn.__name__}"


class Api:
    """The clients plus the caller that every call goes through."""

    def __init__(
        self, *, clients: Clients, caller: CloudCaller, planned: list[PlannedChange] | None = None
    ) -> None:
        self.clients = clients
        self.ec2 = clients.ec2
        self.elbv2 = clients.elbv2
        self.elb = clients.elb
        self._caller = caller
        self.planned = planned

    def dry(self) -> Api:
        """An Api that reads as this one does but records its writes in `planned` instead."""
        return Api(clients=self.clients, caller=self._caller, planned=[])

    def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call `fn` (a bound boto3 client method) under rate limit, retries and metrics."""
        operation = _operation(fn)
        if self.planned is not None and family(fn.__name__) != "describe":
            self.planned.append(dryrun.change(fn.__name__, kwargs))
            return cast(T, dryrun.stand_in(self.planned[-1]))
        try:
            return self._caller.call(
                family(fn.__name__), operation, functools.partial(fn, *args, **kwargs)
            )
        except ClientError as exc:
            translated = translate(exc, operation=operation)
            if translated is exc:
                raise
            raise translated from exc

    def collect(self, fn: Callable[..., Mapping[str, Any]], items: str, **kwargs: Any) -> list[Any]:
        """Every item of a Marker/NextMarker (or NextToken) paginated describe, capped."""
        out: list[Any] = []
        for _ in range(MAX_PAGES):
            page = self.run(fn, **kwargs)
            out.extend(page.get(items, []))
            marker = page.get("NextMarker") or page.get("NextToken")
            if not marker:
                return out
            kwargs["NextToken" if "NextToken" in page else "Marker"] = marker
        raise RuntimeError(f"{_operation(fn)}: still paginating after {MAX_PAGES} pages")
