"""Small statistics for the results: percentiles and series thinned for plotting.

Where it sits: scenarios summarise their samples with these before building `Measure`s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linearly interpolated between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def thin(points: Sequence[tuple[float, float]], most: int = 200) -> list[list[float]]:
    """At most `most` points, evenly picked, the last one kept."""
    if len(points) <= most:
        return [[x, y] for x, y in points]
    step = len(points) / most
    picked = [points[int(i * step)] for i in range(most)]
    picked[-1] = points[-1]
    return [[x, y] for x, y in picked]


def rounded(value: float, digits: int = 4) -> float:
    """A float short enough for the JSON."""
    return float(f"{value:.{digits}g}")
