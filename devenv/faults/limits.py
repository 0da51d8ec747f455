"""AWS's own API request limits, enforced by the fault proxy in front of moto.

Where it sits: the proxy (`devenv.faultproxy`) asks `AwsLimits.admit` about every recognised
AWS call (`devenv.faults.calls`) before anything else; a call the account's token bucket has no
token for is answered as AWS answers it (`answers.throttled`: elb/elbv2 HTTP 400 `Throttling`,
EC2 HTTP 503 `RequestLimitExceeded`) and never reaches moto. The buckets are shared by every
client of the proxy, as AWS keeps them per account and region; their state depends only on the
clock. Off by default; `POST /_faults/limits` (or `--aws-limits`) turns them on, and `scale`
multiplies every capacity and refill rate (small buckets for tests). The throttles are tallied
by the proxy's `Injector` with the faults (outcome `limited`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from devenv.faults.calls import CloudCall
from devenv.faults.rules import ConfigError


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket's size and its refill (tokens a second)."""

    capacity: float
    refill: float


# ELB: "Request throttling for the ELB API", Elastic Load Balancing User Guide,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html
# Buckets per account and Region, per category of actions; API version 2 (ALB/NLB/GWLB,
# service elbv2) and version 1 (classic, service elb) each have their own buckets. Read from
# the page: non-mutating Describe* hold 40 tokens and refill 10 a second. The other rows of the
# page's table could not be read from the copies at hand: registration 20/4 and the mutating
# categories 20/3 are taken from the AWS Load Balancer Controller's client-side defaults, which
# follow the same page (register 4 qps burst 20, modify 3 burst 20). Check them against it.
ELB_BUCKETS = {
    "describe": Bucket(40, 10),
    "register": Bucket(20, 4),
    "tags": Bucket(20, 3),
    "mutate": Bucket(20, 3),
}
ELB_REGISTER = frozenset(
    {
        "RegisterTargets",
        "DeregisterTargets",
        "RegisterInstancesWithLoadBalancer",
        "DeregisterInstancesFromLoadBalancer",
    }
)
ELB_TAGS = frozenset({"AddTags", "RemoveTags"})

# EC2: "Request throttling for the Amazon EC2 API", Amazon EC2 Developer Guide,
# https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
# Each API has its own bucket, per account and Region, sized by its category. Read from the
# page: a non-mutating action (its example, DescribeHosts) holds 100 tokens and refills 20 a
# second. Recalled from its table, not read here (check them): an unfiltered and unpaginated
# non-mutating call 50/10, a mutating action 50/5, a resource-intensive one 50/5.
EC2_BUCKETS = {
    "describe": Bucket(100, 20),
    "describe-unfiltered": Bucket(50, 10),
    "mutate": Bucket(50, 5),
    "intensive": Bucket(50, 5),
}
EC2_READ_PREFIXES = ("Describe", "Get", "List", "Search")
EC2_INTENSIVE = frozenset(
    {
        "RunInstances",
        "TerminateInstances",
        "StartInstances",
        "StopInstances",
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupEgress",
    }
)


def _elb_category(action: str) -> str:
    if action.startswith("Describe"):
        return "describe"
    if action in ELB_REGISTER:
        return "register"
    return "tags" if action in ELB_TAGS else "mutate"


def _ec2_category(call: CloudCall) -> str:
    if call.operation.startswith(EC2_READ_PREFIXES):
        return "describe-unfiltered" if call.bare else "describe"
    return "intensive" if call.operation in EC2_INTENSIVE else "mutate"


def bucket_of(call: CloudCall) -> tuple[str, Bucket] | None:
    """The bucket a call draws from (its key and size), or None if AWS sets it no limit here."""
    if call.service in ("elbv2", "elb"):
        category = _elb_category(call.operation)
        return f"{call.service}:{category}", ELB_BUCKETS[category]
    if call.service == "ec2":
        category = _ec2_category(call)
        return f"ec2:{call.operation}:{category}", EC2_BUCKETS[category]
    return None


def _enabled(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError("limits.enabled: true or false is needed")
    return value


def _scale(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
        raise ConfigError(
            f"limits.scale: a number above 0 and at most 100 is needed, not {value!r}"
        )
    return float(value)


_FIELDS: dict[str, Callable[[Any], Any]] = {"enabled": _enabled, "scale": _scale}


class AwsLimits:
    """Per-account token buckets, full at (re)configuration, refilled by the clock."""

    def __init__(
        self,
        *,
        enabled: bool = False,
        scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.enabled = _enabled(enabled)
        self.scale = _scale(scale)
        self._tokens: dict[str, tuple[float, float]] = {}  # key -> (tokens, stamp)

    def configure(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Apply `POST /_faults/limits` (keys `enabled`, `scale`); every bucket starts full."""
        unknown = set(spec) - set(_FIELDS)
        if unknown:
            raise ConfigError(f"limits: unknown keys {sorted(unknown)}")
        values = {key: _FIELDS[key](value) for key, value in spec.items()}
        with self._lock:
            self.enabled = values.get("enabled", self.enabled)
            self.scale = values.get("scale", self.scale)
            self._tokens.clear()
        return self.to_json()

    def admit(self, call: CloudCall) -> bool:
        """Take a token for `call`; False when its bucket is empty (AWS would throttle it)."""
        found = bucket_of(call)
        with self._lock:
            if not self.enabled or found is None:
                return True
            key, bucket = found
            capacity = max(1.0, bucket.capacity * self.scale)
            refill = bucket.refill * self.scale
            now = self._clock()
            tokens, stamp = self._tokens.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * refill)
            admitted = tokens >= 1
            self._tokens[key] = (tokens - 1 if admitted else tokens, now)
            return admitted

    def to_json(self) -> dict[str, Any]:
        """`GET /_faults/limits`: on or off, the scale, and the documented sizes it scales."""

        def table(buckets: Mapping[str, Bucket]) -> dict[str, list[float]]:
            return {name: [b.capacity, b.refill] for name, b in buckets.items()}

        return {
            "enabled": self.enabled,
            "scale": self.scale,
            "buckets": {"elb": table(ELB_BUCKETS), "ec2": table(EC2_BUCKETS)},
        }
