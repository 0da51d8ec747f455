"""What to inject: the fault configuration, the seeded decision per call, and the tallies.

Where it sits: the proxy (`devenv.faultproxy`) holds one `Injector`; its admin endpoint
updates the configuration (`POST /_faults`) and reads the tallies (`GET /_faults/stats`) and
the call log (`GET /_faults/log`). A configuration is a rate (the share of cloud calls that
fail), weights per fault kind, optional per-operation overrides (exact names or fnmatch
patterns, matched against `service:Operation` and the bare operation), and a seed: decisions
come from one seeded generator, so one sequence of calls always meets the same faults.
"""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("throttle", "error", "timeout", "drop_before", "drop_after")
DEFAULT_WEIGHTS = {"throttle": 3.0, "error": 3.0, "timeout": 1.0, "drop_before": 1.0}
DEFAULT_WEIGHTS |= {"drop_after": 2.0}
MAX_TIMEOUT = 120.0
LOG_LIMIT = 400_000  # call log entries kept (the oldest go first)


class ConfigError(ValueError):
    """A fault configuration that cannot be used (the admin endpoint answers 400)."""


def _rate(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: a number between 0 and 1 is needed, got {value!r}")
    return float(value)


def _weights(value: object, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: a mapping of fault kind to weight is needed")
    out: dict[str, float] = {}
    for kind, weight in value.items():
        if kind not in KINDS:
            raise ConfigError(f"{where}: unknown fault kind {kind!r} (known: {', '.join(KINDS)})")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ConfigError(f"{where}.{kind}: a non-negative weight is needed")
        out[str(kind)] = float(weight)
    return out


def _codes(value: object, where: str, allowed: set[int]) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or any(c not in allowed for c in value):
        raise ConfigError(f"{where}: a non-empty list drawn from {sorted(allowed)} is needed")
    return tuple(int(c) for c in value)


@dataclass(frozen=True)
class Override:
    """Per-operation rate and/or kind weights (None: the global one)."""

    rate: float | None = None
    kinds: Mapping[str, float] | None = None


def _override(name: str, spec: object) -> Override:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"operations.{name}: a mapping with rate and/or kinds is needed")
    unknown = set(spec) - {"rate", "kinds"}
    if unknown:
        raise ConfigError(f"operations.{name}: unknown keys {sorted(unknown)}")
    rate = _rate(spec["rate"], f"operations.{name}.rate") if "rate" in spec else None
    kinds = _weights(spec["kinds"], f"operations.{name}.kinds") if "kinds" in spec else None
    return Override(rate=rate, kinds=kinds)


@dataclass(frozen=True)
class FaultConfig:
    """The whole configuration, as `GET /_faults` shows it."""

    rate: float = 0.0
    kinds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    operations: Mapping[str, Override] = field(default_factory=dict)
    seed: int | None = None
    timeout_seconds: float = 3.0
    error_codes: tuple[int, ...] = (500, 503)
    throttle_codes: tuple[int, ...] = (429, 403)  # GCE; AWS throttling has one form a service

    def updated(self, spec: Mapping[str, Any]) -> FaultConfig:
        """A copy with the keys of `spec` replaced (each validated); ConfigError if bad."""
        unknown = set(spec) - set(_FIELDS)
        if unknown:
            raise ConfigError(f"unknown keys {sorted(unknown)}")
        return replace(self, **{key: _FIELDS[key](value) for key, value in spec.items()})

    def override_for(self, qualified: str, bare: str) -> Override | None:
        """The override of an operation: exact names first, then patterns, in order."""
        for name in (qualified, bare):
            if name in self.operations:
                return self.operations[name]
        for pattern, override in self.operations.items():
            if fnmatch.fnmatchcase(qualified, pattern) or fnmatch.fnmatchcase(bare, pattern):
                return override
        return None

    def to_json(self) -> dict[str, Any]:
        """The configuration as JSON."""
        return {
            "rate": self.rate,
            "kinds": dict(self.kinds),
            "operations": {
                name: {
                    **({"rate": o.rate} if o.rate is not None else {}),
                    **({"kinds": dict(o.kinds)} if o.kinds is not None else {}),
                }
                for name, o in self.operations.items()
            },
            "seed": self.seed,
            "timeout_seconds": self.timeout_seconds,
            "error_codes": list(self.error_codes),
            "throttle_codes": list(self.throttle_codes),
        }


def _operations(value: object) -> dict[str, Override]:
    if not isinstance(value, Mapping):
        raise ConfigError("operations: a mapping of operation name to override is needed")
    return {str(k): _override(str(k), v) for k, v in value.items()}


def _seed(value: object) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError("seed: an integer (or null) is needed")
    return value


def _hold(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError("timeout_seconds: a number is needed")
    if not 0 < value <= MAX_TIMEOUT:
        raise ConfigError(f"timeout_seconds: between 0 and {MAX_TIMEOUT:.0f} seconds")
    return float(value)


_FIELDS: dict[str, Callable[[Any], Any]] = {
    "rate": lambda v: _rate(v, "rate"),
    "kinds": lambda v: _weights(v, "kinds"),
    "operations": _operations,
    "seed": _seed,
    "timeout_seconds": _hold,
    "error_codes": lambda v: _codes(v, "error_codes", {500, 503}),
    "throttle_codes": lambda v: _codes(v, "throttle_codes", {403, 429}),
}


@dataclass(frozen=True)
class Decision:
    """What to do with one call: a fault kind (None: forward it) and the code to answer."""

    kind: str | None
    code: int = 0
    hold: float = 0.0


class Injector:
    """The configuration, one seeded generator, the tallies and the call log, under a lock."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)  # noqa: S311 - fault injection, not crypto
        self._calls = 0
        self._forwarded = 0
        self._passed = 0
        self._upstream_errors = 0
        self._faults = dict.fromkeys(KINDS, 0)
        self._limited = 0
        self._by_op: dict[str, dict[str, int]] = {}
        self._log: deque[list[Any]] = deque(maxlen=LOG_LIMIT)
        self._logged = 0

    def configure(self, spec: Mapping[str, Any]) -> FaultConfig:
        """Apply `POST /_faults`; a given seed restarts the generator."""
        with self._lock:
            self.config = self.config.updated(spec)
            if "seed" in spec:
                self._rng = random.Random(self.config.seed)  # noqa: S311
            return self.config

    def decide(self, qualified: str, bare: str, *, gce: bool) -> Decision:
        """Draw this call's fault (or none) and count the call."""
        with self._lock:
            config = self.config
            override = config.override_for(qualified, bare)
            rate = config.rate if override is None or override.rate is None else override.rate
            weights = config.kinds if override is None or override.kinds is None else override.kinds
            kinds = [k for k in KINDS if weights.get(k, 0.0) > 0]
            stats = self._count(qualified)
            if not kinds or self._rng.random() >= rate:
                return Decision(kind=None)
            kind = self._rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
            code = 0
            if kind == "error":
                code = self._rng.choice(config.error_codes)
            elif kind == "throttle" and gce:
                code = self._rng.choice(config.throttle_codes)
            self._faults[kind] += 1
            stats[kind] = stats.get(kind, 0) + 1
            return Decision(kind=kind, code=code, hold=config.timeout_seconds)

    def record(self, qualified: str, *, write: bool, outcome: str, status: int | None) -> None:
        """Log one recognised call (time, operation, write, outcome, status)."""
        with self._lock:
            if outcome in ("ok", "drop_after"):
                self._forwarded += 1
            self._log.append([round(time.time(), 3), qualified, write, outcome, status])
            self._logged += 1

    def _count(self, qualified: str) -> dict[str, int]:
        """Count one call of `qualified` (lock held); its tallies."""
        self._calls += 1
        stats = self._by_op.setdefault(qualified, {"calls": 0})
        stats["calls"] += 1
        return stats

    def limited(self, qualified: str, *, write: bool, status: int) -> None:
        """Count and log a call AWS's request limits throttled (`devenv.faults.limits`)."""
        with self._lock:
            stats = self._count(qualified)
            stats["limited"] = stats.get("limited", 0) + 1
            self._limited += 1
        self.record(qualified, write=write, outcome="limited", status=status)

    def passed_through(self) -> None:
        """Count a request that is not a cloud call (admin paths of the stand-ins)."""
        with self._lock:
            self._passed += 1

    def upstream_error(self) -> None:
        """Count a call the upstream could not be reached for (answered 502)."""
        with self._lock:
            self._upstream_errors += 1

    def stats(self) -> dict[str, Any]:
        """`GET /_faults/stats`."""
        with self._lock:
            return {
                "calls": self._calls,
                "forwarded": self._forwarded,
                "passed_through": self._passed,
                "upstream_errors": self._upstream_errors,
                "faults": dict(self._faults),
                "faulted": sum(self._faults.values()),
                "limited": self._limited,
                "by_operation": {op: dict(c) for op, c in sorted(self._by_op.items())},
            }

    def log(self, since: int) -> dict[str, Any]:
        """`GET /_faults/log?since=N`: entries from the N-th on (fewer if dropped), and next."""
        with self._lock:
            first = self._logged - len(self._log)
            start = max(since, first) - first
            return {"entries": list(self._log)[start:], "next": self._logged, "first": first}

    def reset(self) -> None:
        """`POST /_faults/reset`: zero the tallies and the log; the configuration stays."""
        with self._lock:
            self._calls = self._forwarded = self._passed = self._upstream_errors = 0
            self._faults = dict.fromkeys(KINDS, 0)
            self._limited = 0
            self._by_op.clear()
            self._log.clear()
            self._logged = 0
