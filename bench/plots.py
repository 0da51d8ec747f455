"""The PNG plots of docs/benchmarks.md, drawn with matplotlib's Agg backend from the results.

Where it sits: `bench.render` calls `draw`, which writes what the results hold data for:
the time-to-address distribution (one Service), calls and time against the number of Services
(the burst) and against the number of Nodes (the scaling sweep), and the controller beside the
upstream one (burst progress and each phase's time, with and without AWS's limits). Returns
file names by plot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

OURS, BASE, PEER = "#1f77b4", "#ff7f0e", "#2ca02c"
WHO = (("ours", "controller", OURS), ("peer", "upstream", PEER), ("baseline", "baseline", BASE))
MODES = (("none", "no limits", "-"), ("aws", "AWS limits", "--"))
PHASES = (("burst", "all addressed"), ("node", "add one node"), ("delete", "all deleted"))


def _save(fig: Figure, folder: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(folder / name, dpi=110)
    plt.close(fig)
    return name


def _ecdf(ax: Axes, values: list[float], label: str, color: str) -> None:
    ordered = sorted(values)
    ys = [(i + 1) / len(ordered) for i in range(len(ordered))]
    ax.step(ordered, ys, where="post", label=label, color=color)


def time_to_address(single: dict[str, Any], folder: Path) -> str:
    """ECDF of time-to-address, and the calls of a create by operation."""
    series = single["series"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    _ecdf(left, [s * 1000 for s in series["ours_seconds"]], "controller (POST -> ingress)", OURS)
    _ecdf(left, [s * 1000 for s in series["baseline_seconds"]], "baseline (boto3 calls only)", BASE)
    left.set_xlabel("time to address (ms)")
    left.set_ylabel("fraction of runs")
    left.set_title(f"One Service: time to address over {len(series['ours_seconds'])} runs")
    left.grid(alpha=0.3)
    left.legend(loc="lower right")
    ops = single["details"]["ops_per_service"]
    names = sorted(set(ops["ours"]) | set(ops["baseline"]), key=lambda op: -ops["ours"].get(op, 0))
    y = list(range(len(names)))
    right.barh(
        [i + 0.2 for i in y],
        [ops["ours"].get(n, 0) for n in names],
        0.4,
        color=OURS,
        label="controller",
    )
    right.barh(
        [i - 0.2 for i in y],
        [ops["baseline"].get(n, 0) for n in names],
        0.4,
        color=BASE,
        label="baseline",
    )
    right.set_yticks(y, names, fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("calls per Service (mean over runs)")
    right.set_title("Cloud calls of one create, by operation")
    right.grid(alpha=0.3, axis="x")
    right.legend(loc="lower right")
    return _save(fig, folder, "time_to_address.png")


def services(burst: dict[str, Any], folder: Path) -> str:
    """Services addressed against time, and calls made against Services addressed."""
    series = burst["series"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, color in (("ours", "controller", OURS), ("baseline", "baseline", BASE)):
        if f"{key}_by_time" in series:
            xs, ys = zip(*series[f"{key}_by_time"], strict=True)
            left.plot(xs, ys, label=label, color=color)
        if f"{key}_calls" in series:
            xs, ys = zip(*series[f"{key}_calls"], strict=True)
            right.plot(xs, ys, label=label, color=color)
    left.set_xlabel("seconds since the first POST (baseline: since its first call)")
    left.set_ylabel("load balancers with an address")
    left.set_title(f"Burst of {burst['params']['services']:,} Services: progress")
    right.set_xlabel("load balancers with an address")
    right.set_ylabel("cloud calls made so far")
    right.set_title("Cloud calls against the number of Services")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    return _save(fig, folder, "services.png")


def nodes(scaling: dict[str, Any], folder: Path) -> str:
    """Calls and time of one create against the number of Nodes."""
    points = scaling["series"]["points"]
    xs = [p["nodes"] for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(xs, [p["ours_calls"] for p in points], "o-", color=OURS, label="controller")
    left.plot(xs, [p["baseline_calls"] for p in points], "s--", color=BASE, label="baseline")
    left.set_ylabel("cloud calls per create (p50)")
    left.set_title("One Service's create: calls against Nodes")
    right.plot(xs, [p["ours_ms"] for p in points], "o-", color=OURS, label="controller")
    right.plot(xs, [p["baseline_ms"] for p in points], "s--", color=BASE, label="baseline")
    right.set_ylabel("time to address, p50 (ms)")
    right.set_title("One Service's create: time against Nodes")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xticks(xs, [f"{x:,}" for x in xs])
        ax.minorticks_off()
        ax.set_xlabel("nodes (log scale)")
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.15, 1))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    return _save(fig, folder, "nodes.png")


def peer(scenario: dict[str, Any], folder: Path) -> str:
    """Beside the upstream controller: burst progress, and each phase's time, per limits."""
    series, details = scenario["series"], scenario["details"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    bars = len(MODES) * len(WHO)
    width = 0.8 / bars
    for m, (mode, label, style) in enumerate(MODES):
        for w, (who, name, color) in enumerate(WHO):
            if who not in details[mode]:  # a run from before the baseline joined
                continue
            points = series.get(f"{mode}_{who}_by_time") or [[0.0, 0.0]]
            xs, ys = zip(*points, strict=True)
            left.plot(xs, ys, style, color=color, label=f"{name}, {label}")
            offset = (len(WHO) * m + w - (bars - 1) / 2) * width
            seconds = [details[mode][who]["seconds"][phase] for phase, _ in PHASES]
            hatch = "" if mode == "none" else "//"
            right.bar(
                [i + offset for i in range(len(PHASES))],
                seconds,
                width,
                color=color,
                hatch=hatch,
                edgecolor="white" if hatch else color,
                label=f"{name}, {label}",
            )
    left.set_xlabel("seconds since the first POST")
    left.set_ylabel("load balancers with an address")
    left.set_title(f"Beside the upstream: {scenario['params']['services']} Services")
    right.set_xticks(range(len(PHASES)), [text for _, text in PHASES])
    right.set_ylabel("seconds")
    right.set_title("Time of each phase")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    return _save(fig, folder, "peer.png")


def draw(scenarios: dict[str, Any], folder: Path) -> dict[str, str]:
    """Every plot the results hold data for: plot name -> file name in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    if "single" in scenarios:
        out["time_to_address"] = time_to_address(scenarios["single"], folder)
    if "burst" in scenarios and "baseline_by_time" in scenarios["burst"]["series"]:
        out["services"] = services(scenarios["burst"], folder)
    if "scaling" in scenarios:
        out["nodes"] = nodes(scenarios["scaling"], folder)
    if "peer" in scenarios:
        out["peer"] = peer(scenarios["peer"], folder)
    return out
