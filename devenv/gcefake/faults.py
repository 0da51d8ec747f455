"""Injected faults: failing calls or operations on purpose, and throttling.

A fail rule matches an API method (insert, delete, get, list, patch, update, setLabels,
addInstances, ..., or "*"), a collection (or "*") and optionally a resource name; it fires
`count` times (-1: forever). Reads always fail synchronously; a mutation by default is accepted
and its operation ends DONE with an error (the change is not applied), or, with "sync": true,
the request itself is answered with the error. Throttling answers a fraction of API calls with
403 or 429 rateLimitExceeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .errors import JSON, ApiError, invalid

OPERATION_CODES: dict[int, str] = {
    400: "INVALID_FIELD_VALUE",
    403: "QUOTA_EXCEEDED",
    404: "RESOURCE_NOT_FOUND",
    409: "RESOURCE_ALREADY_EXISTS",
    412: "CONDITION_NOT_MET",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def _int(spec: JSON, key: str, default: int) -> int:
    value: Any = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(f"'{key}' must be an integer.")
    return value


@dataclass
class FailRule:
    """One armed failure."""

    method: str
    collection: str
    name: str | None
    count: int
    code: int
    reason: str | None
    message: str
    sync: bool

    @classmethod
    def from_json(cls, spec: JSON) -> FailRule:
        """Build from the admin endpoint's JSON."""
        code = _int(spec, "code", 500)
        if not 400 <= code <= 599:
            raise invalid("'code' must be an HTTP error status (400-599).")
        reason = spec.get("reason")
        return cls(
            method=str(spec.get("method", "*")),
            collection=str(spec.get("collection", "*")),
            name=None if spec.get("name") is None else str(spec["name"]),
            count=_int(spec, "count", 1),
            code=code,
            reason=None if reason is None else str(reason),
            message=str(spec.get("message", f"Injected failure ({code}).")),
            sync=bool(spec.get("sync", False)),
        )

    def matches(self, method: str, collection: str, name: str | None) -> bool:
        """Whether this rule applies to the call."""
        return (
            self.count != 0
            and self.method in ("*", method)
            and self.collection in ("*", collection)
            and (self.name is None or self.name == name)
        )

    def http_error(self) -> ApiError:
        """The error a synchronous failure answers with."""
        return ApiError(self.code, self.message, self.reason)

    def operation_error(self) -> JSON:
        """The `error` member of a failed operation."""
        code = self.reason or OPERATION_CODES.get(self.code, "INTERNAL_ERROR")
        return {"errors": [{"code": code, "message": self.message}]}


@dataclass
class Faults:
    """Armed fail rules and the throttle setting."""

    rules: list[FailRule] = field(default_factory=list)
    rate: float = 0.0
    codes: tuple[int, ...] = (403, 429)
    rng: random.Random = field(default_factory=random.Random)

    def take(self, method: str, collection: str, name: str | None) -> FailRule | None:
        """The first matching rule, spending one of its shots."""
        for rule in self.rules:
            if rule.matches(method, collection, name):
                if rule.count > 0:
                    rule.count -= 1
                return rule
        return None

    def set_throttle(self, spec: JSON) -> None:
        """Configure throttling from {"rate": 0..1, "codes": [403, 429], "seed": n}."""
        rate = spec.get("rate", 0.0)
        if not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
            raise invalid("'rate' must be a number between 0 and 1.")
        codes = spec.get("codes", [403, 429])
        if not isinstance(codes, list) or not codes or any(c not in (403, 429) for c in codes):
            raise invalid("'codes' must be a non-empty list of 403 and/or 429.")
        self.rate, self.codes = float(rate), tuple(codes)
        if "seed" in spec:
            self.rng = random.Random(spec["seed"])  # noqa: S311 - test fault injection

    def throttled(self) -> ApiError | None:
        """A rate-limit error for this call, or None."""
        if self.rate <= 0.0 or self.rng.random() >= self.rate:
            return None
        code = self.rng.choice(self.codes)
        return ApiError(code, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")
