"""The one door to AWS: every boto3 call of the provider goes through `Api`, and every AWS
error is mapped here.

Where it sits: built once per provider by `providers.aws.build`. Reads call
`api.run(api.elbv2.describe_load_balancers, Names=[...])`, or `api.maybe` where AWS's "not
found" answer means None; writes are built by `api.step` as `lbcontroller.steps.Step`s, which
a `Journal` runs (ensure) or only lists (plan), by AWS's own operation names. Every call is
rate limited by its API family (describe / register / modify, as the AWS load balancer
controller splits them), retried by `lbcontroller.cloudcall.CloudCaller` when `classify` says
it may pass (throttling, 5xx, still busy), measured, and its final failure translated by
`translate`. A write that needs an earlier write's answer (a new NLB's ARN) takes a `New`
argument, read from the journal's `Made` record when the step runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeAlias, TypeVar, cast

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.parsers import ResponseParserError

from lbcontroller.cloudcall import CloudCaller, Outcome
from lbcontroller.config import AwsProvider, RateLimit
from lbcontroller.errors import PermanentError
from lbcontroller.provider import PlannedChange
from lbcontroller.ratelimit import Family, TokenBucket, build_buckets
from lbcontroller.steps import Made, Step

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elb import ElasticLoadBalancingClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

P = ParamSpec("P")
T = TypeVar("T")

# Each family starts at the AWS load balancer controller's client-side defaults (AWS's
# documented refill rates for registration and mutation) and adapts from AWS's answers
# (lbcontroller.ratelimit.AdaptiveBucket): down at a throttle, back up while none comes. The
# caps are far above AWS's rates on purpose: where the account's buckets hold more (raised
# limits, a quiet account, an endpoint that throttles nothing) the controller must never be
# the slower party; AWS's throttles bring the rate down. `rateLimits` in the config caps lower.
DEFAULT_LIMITS = {
    "describe": Family(qps=50, burst=200, adaptive=True, cap=200),
    "register": Family(qps=4, burst=20, adaptive=True, cap=100),
    "modify": Family(qps=3, burst=20, adaptive=True, cap=100),
}
MAX_PAGES = 50  # a describe loop that has not ended by then never will (moto can loop)

THROTTLE_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
# Still busy: a target group whose listener or load balancer is being deleted, a security
# group still referenced by a load balancer's network interfaces.
BUSY_CODES = frozenset({"ResourceInUse", "DependencyViolation"})
# The Service (its annotations) names something AWS refuses: only the user can fix it.
USER_CODES = frozenset(
    {
        "ValidationError",
        "InvalidConfigurationRequest",
        "SubnetNotFound",
        "InvalidSubnet",
        "InvalidSubnetID.NotFound",
        "InvalidSecurityGroup",
        "InvalidGroup.NotFound",
        "SecurityGroupNotFound",
        "CertificateNotFound",
        "AllocationIdNotFound",
        "InvalidAllocationID.NotFound",
        "UnsupportedProtocol",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a failed call ("" for anything but a service error)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def classify(exc: Exception) -> Outcome:
    """Throttled, transient (5xx, connection trouble, still busy) or final."""
    if isinstance(exc, HTTPClientError | ResponseParserError):  # a 5xx whose body is not XML
        return Outcome.TRANSIENT
    if not isinstance(exc, ClientError):
        return Outcome.FINAL
    code = error_code(exc)
    if code in THROTTLE_CODES:
        return Outcome.THROTTLED
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if status >= 500 or code in BUSY_CODES:
        return Outcome.TRANSIENT
    return Outcome.FINAL


def translate(exc: Exception, *, operation: str) -> Exception:
    """What a finally failed call raises: PermanentError for input only the user can fix."""
    code = error_code(exc)
    if code not in USER_CODES:
        return exc
    message = exc.response["Error"].get("Message", "") if isinstance(exc, ClientError) else ""
    return PermanentError(f"AWS refused {operation}: {code}: {message}")


def family(operation: str) -> str:
    """The rate-limit family of a boto3 method name."""
    if operation.startswith("describe_"):
        return "describe"
    if operation.startswith(("register_", "deregister_")):
        return "register"
    return "modify"


def buckets(limits: Mapping[str, RateLimit]) -> dict[str, TokenBucket]:
    """One adaptive bucket per family; `rateLimits` in the config caps it."""
    return build_buckets(DEFAULT_LIMITS, limits)


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


@dataclass(frozen=True, slots=True, order=True)
class New:
    """The id a write earlier in the same run makes (`key` in the journal's `Made`)."""

    key: str

    def __str__(self) -> str:
        return f"(new {self.key})"


Id: TypeAlias = str | New  # an id read from AWS, or one this run is about to make
Keep = Callable[[Any], Mapping[str, str]]  # what of a write's answer later steps need
# AWS error codes a write expects: None means done already, an exception is raised instead.
Expected = Mapping[str, Exception | None]


def resolve(value: Any, made: Made) -> Any:
    """`value` with every `New` in it (in lists and dicts too) replaced by its answer."""
    if isinstance(value, New):
        return made.get(value.key)
    if isinstance(value, dict):
        return {key: resolve(item, made) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, made) for item in value]
    return value


class Api:
    """The clients plus the caller that every call goes through."""

    def __init__(self, *, clients: Clients, caller: CloudCaller) -> None:
        self.clients = clients
        self.ec2 = clients.ec2
        self.elbv2 = clients.elbv2
        self.elb = clients.elb
        self._caller = caller

    def _call(self, fn: Callable[..., T], call: Callable[[], T], expected: Expected) -> T | None:
        operation = _operation(fn)
        try:
            return self._caller.call(family(fn.__name__), operation, call)
        except ClientError as exc:
            code = error_code(exc)
            if code in expected:
                instead = expected[code]
                if instead is None:
                    return None
                raise instead from None
            translated = translate(exc, operation=operation)
            if translated is exc:
                raise
            raise translated from exc

    def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call `fn` (a bound boto3 client method) under rate limit, retries and metrics."""
        return cast(T, self._call(fn, functools.partial(fn, *args, **kwargs), {}))

    def maybe(
        self, missing: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """Like `run`, but None when AWS answers with the error code `missing` (not found)."""
        return self._call(fn, functools.partial(fn, *args, **kwargs), {missing: None})

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

    def step(
        self,
        made: Made,
        fn: Callable[..., Any],
        /,
        *,
        keep: Keep | None = None,
        expected: Expected | None = None,
        **kwargs: Any,
    ) -> Step:
        """The write `fn(**kwargs)` as a step, its `New` arguments read from `made` as it runs.

        `keep` picks what of the answer later steps need and records it in `made`.
        """

        def run() -> None:
            call = functools.partial(fn, **resolve(kwargs, made))
            answer = self._call(fn, call, expected or {})
            if keep is not None and answer is not None:
                for key, value in keep(answer).items():
                    made.put(key, value)

        return Step(change(fn.__name__, kwargs), run)


_KINDS = (
    ("SecurityGroupIngress", "firewall"),
    ("SecurityGroup", "security-group"),
    ("TargetGroup", "target-group"),
    ("Targets", "targets"),
    ("Instances", "targets"),
    ("Listener", "listener"),
    ("Tags", "tags"),
)
_NAME_KEYS = (
    "Name",
    "LoadBalancerName",
    "GroupName",
    "TargetGroupArn",
    "ListenerArn",
    "LoadBalancerArn",
    "GroupId",
    "ResourceArns",
    "LoadBalancerNames",
)


def _action(operation: str) -> str:
    if operation.startswith(("Create", "Authorize", "Register")):
        return "create"
    if re.match(r"(Delete|Revoke|Deregister|Detach|Remove)", operation):
        return "delete"
    return "update"


def _name(kwargs: Mapping[str, Any]) -> str:
    for key in _NAME_KEYS:
        value = kwargs.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def change(method: str, kwargs: Mapping[str, Any]) -> PlannedChange:
    """How a plan shows the boto3 write `method` (e.g. create_target_group): AWS's own name."""
    operation = "".join(part.capitalize() for part in method.split("_"))
    details = [f"{k}={len(v)}" for k, v in kwargs.items() if isinstance(v, list)]
    details += [
        f"{t['Key']}={t['Value']}"
        for spec in kwargs.get("TagSpecifications", [])
        for t in spec.get("Tags", [])
    ]
    return PlannedChange(
        action=_action(operation),
        kind=next((kind for word, kind in _KINDS if word in operation), "load-balancer"),
        name=_name(kwargs),
        operation=operation,
        detail=", ".join(details),
    )
