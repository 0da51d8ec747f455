"""The result model: measures with their baseline, ratio and target, and the JSON they become.

Where it sits: every scenario returns a `Scenario` of `Measure`s (plus free-form `series` for
the plots and `details` for the docs); the runner writes them to `bench/results/*.json` and
`bench.render` reads that file back. A target is evaluated here, once, so the JSON, the docs
and the smoke test agree on what was met and by how much it was missed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TargetKind = Literal["ratio_max", "ratio_min", "max", "equal_baseline", "none"]
Against = Literal["baseline", "peer"]
JSON = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """What a measure should reach: a ratio bound, an absolute bound, or the baseline itself."""

    kind: TargetKind
    value: float = 0.0
    against: Against = "baseline"  # what a ratio target divides by

    def text(self, unit: str) -> str:
        """How the docs state the target."""
        texts = {
            "ratio_max": f"<= {self.value:g}x {self.against}",
            "ratio_min": f">= {self.value:g}x {self.against}",
            "max": f"<= {self.value:g} {unit}".rstrip(),
            "equal_baseline": f"= {self.against}",
            "none": "",
        }
        return texts[self.kind]


NO_TARGET = Target("none")


def ratio(ours: float, baseline: float | None) -> float | None:
    """ours / baseline, None when there is no baseline (or it is zero)."""
    if baseline is None or baseline == 0:
        return None
    return ours / baseline


def _met(target: Target, ours: float, baseline: float | None) -> bool | None:
    r = ratio(ours, baseline)
    if target.kind == "none":
        return None
    if target.kind == "max":
        return ours <= target.value
    if target.kind == "equal_baseline":
        return baseline is not None and math.isclose(ours, baseline)
    if r is None:
        return None
    return r <= target.value if target.kind == "ratio_max" else r >= target.value


def _shortfall(target: Target, ours: float, baseline: float | None) -> str:
    """By how much a missed target was missed, in words."""
    r = ratio(ours, baseline)
    if target.kind == "max" and target.value == 0:
        return f"{ours:+.4g} over the bound of 0"
    if target.kind == "max":
        return f"{ours - target.value:+.4g} over the bound ({ours / target.value:.2f}x it)"
    if target.kind == "equal_baseline" and baseline is not None:
        return f"{ours - baseline:+.4g} vs the baseline ({(r or 0):.2f}x)"
    if r is not None and target.kind == "ratio_max":
        over = r / target.value
        by = f"{over - 1:.0%} over" if over < 2 else f"{over:.1f}x the bound"
        return f"ratio {r:.2f}x vs {target.value:g}x: {by}"
    if r is not None and target.kind == "ratio_min":
        return f"ratio {r:.2f}x vs {target.value:g}x: {1 - r / target.value:.0%} short"
    return ""


@dataclass(frozen=True)
class Measure:
    """One row of the figures table."""

    name: str
    unit: str
    ours: float
    baseline: float | None = None
    target: Target = NO_TARGET
    note: str = ""
    # "higher is better" measures (throughput) invert the ratio's meaning; the docs say so
    higher_is_better: bool = False
    peer: float | None = None  # the upstream controller's figure (bench.scenarios.peer)

    @property
    def ratio(self) -> float | None:
        """ours / baseline."""
        return ratio(self.ours, self.baseline)

    @property
    def peer_ratio(self) -> float | None:
        """ours / peer."""
        return ratio(self.ours, self.peer)

    @property
    def _reference(self) -> float | None:
        return self.peer if self.target.against == "peer" else self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the target was met (None: no target)."""
        return _met(self.target, self.ours, self._reference)

    @property
    def shortfall(self) -> str:
        """By how much a missed target was missed ("" when met or untargeted)."""
        return _shortfall(self.target, self.ours, self._reference) if self.met is False else ""

    def to_json(self) -> JSON:
        """The JSON form, with the evaluated ratio, verdict and shortfall."""
        out = asdict(self)
        out["target"] = asdict(self.target)
        out["target_text"] = self.target.text(self.unit)
        out["ratio"] = self.ratio
        out["peer_ratio"] = self.peer_ratio
        out["met"] = self.met
        out["shortfall"] = self.shortfall
        return out


@dataclass
class Scenario:
    """What one scenario measured."""

    name: str
    title: str
    params: JSON
    measures: list[Measure] = field(default_factory=list)
    details: JSON = field(default_factory=dict)
    series: JSON = field(default_factory=dict)
    analysis: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, measure: Measure) -> Measure:
        """Append a measure and return it."""
        self.measures.append(measure)
        return measure

    def measure(self, name: str) -> Measure:
        """The measure called `name`."""
        return next(m for m in self.measures if m.name == name)

    def to_json(self) -> JSON:
        """The JSON form."""
        return {
            "name": self.name,
            "title": self.title,
            "params": self.params,
            "measures": [m.to_json() for m in self.measures],
            "details": self.details,
            "series": self.series,
            "analysis": self.analysis,
            "seconds": round(self.seconds, 2),
        }
