"""The benchmark suite at its quick size, as a smoke test: it runs, and its invariants hold.

`python -m bench --quick` runs every scenario against an environment of its own
(`.devenv/bench`, started and stopped by the bench unless already up) and writes its results
and a rendered page into this test's temporary folder, never over the published figures.
Only invariants that do not depend on speed are asserted (no timed assertions): every scenario
is there with numbers, a converged resync and a restart write nothing, a node change writes
exactly once per affected target group, every Service got its address, the slim cache is
smaller than the client's models, and the upstream manager (the peer) and the baseline
built (in a burst and one at a time), updated, checked on a restart and deleted their load
balancers with and without AWS's request limits, counted at the proxy.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.runner import SCENARIOS

# the first test also runs the suite (a module fixture): about 2 minutes, bounded here
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One quick run of the suite: its results document and its rendered page."""
    folder = tmp_path_factory.mktemp("bench")
    docs = folder / "docs" / "benchmarks.md"
    env = {k: v for k, v in os.environ.items() if k not in ("LBC_DEVENV_DIR", "LBC_ENV")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--results-dir",
            str(folder),
            "--docs",
            str(docs),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    (path,) = folder.glob("*-quick.json")
    return json.loads(path.read_text()), docs


def _measure(document: dict[str, Any], scenario: str, name: str) -> dict[str, Any]:
    measures = document["scenarios"][scenario]["measures"]
    return next(m for m in measures if m["name"] == name)


def test_every_scenario_has_numbers(results: tuple[dict[str, Any], Path]) -> None:
    document, _ = results
    assert document["meta"]["errors"] == []
    assert list(document["scenarios"]) == list(SCENARIOS)
    for scenario in document["scenarios"].values():
        assert scenario["measures"], scenario["name"]
        for measure in scenario["measures"]:
            values = [measure["ours"]] + [
                measure[key] for key in ("baseline", "peer") if measure[key] is not None
            ]
            assert all(isinstance(v, int | float) and math.isfinite(v) for v in values), measure


def test_steady_state_and_restart_write_nothing(results: tuple[dict[str, Any], Path]) -> None:
    document, _ = results
    for scenario in ("steady", "coldstart"):
        assert _measure(document, scenario, "mutating cloud calls")["ours"] == 0
        assert _measure(document, scenario, "Kubernetes writes")["ours"] == 0
    reads = _measure(document, "coldstart", "read calls per load balancer")["ours"]
    assert reads >= 3  # the load balancer, its tags, its listeners at least


def test_a_node_change_writes_once_per_affected_target_group(
    results: tuple[dict[str, Any], Path],
) -> None:
    document, _ = results
    groups = document["scenarios"]["churn"]["params"]["target_groups"]
    assert groups == 2 * document["scenarios"]["churn"]["params"]["services"]
    for change in ("add", "remove"):
        measure = _measure(document, "churn", f"mutating calls, {change} one node")
        assert measure["ours"] == measure["baseline"] == groups


def test_every_service_got_its_address(results: tuple[dict[str, Any], Path]) -> None:
    document, _ = results
    burst = document["scenarios"]["burst"]
    assert burst["details"]["reconcile_errors"] == 0
    calls = _measure(document, "burst", "cloud calls per Service")
    assert calls["ours"] >= calls["baseline"] > 0  # the baseline is the minimum
    single = document["scenarios"]["single"]
    assert len(single["series"]["ours_seconds"]) == single["params"]["runs"]
    served = _measure(document, "sg_capacity", "Services served")["ours"]
    assert 0 < served < document["scenarios"]["sg_capacity"]["params"]["services"]
    refused = _measure(document, "sg_capacity", "Services refused for the rule quota")["ours"]
    assert served + refused == document["scenarios"]["sg_capacity"]["params"]["services"]
    assert _measure(document, "sg_capacity", "NLBs in the cloud")["ours"] == served


def test_the_slim_cache_is_smaller_than_the_models(results: tuple[dict[str, Any], Path]) -> None:
    document, _ = results
    held = _measure(document, "memory", "cache held, tracemalloc")
    assert 0 < held["ours"] < held["baseline"]
    assert _measure(document, "memory", "controller RSS, caches synced")["ours"] > 0


def test_the_page_and_its_plots_are_rendered(results: tuple[dict[str, Any], Path]) -> None:
    _, docs = results
    page = docs.read_text()
    head = "| scenario | measure | ours | baseline | ratio | peer | ratio to peer | target | met? |"
    assert head in page
    plots = sorted((docs.parent / "benchmarks").glob("*.png"))
    names = ["nodes.png", "peer.png", "services.png", "time_to_address.png"]
    assert [p.name for p in plots] == names
    for plot in plots:
        assert plot.read_bytes()[:8] == PNG and plot.stat().st_size > 10_000
        assert f"benchmarks/{plot.name}" in page


MODES = {"none": "no limits", "aws": "AWS limits"}


def test_the_peer_served_the_same_services_beside_us(results: tuple[dict[str, Any], Path]) -> None:
    document, _ = results
    peer = document["scenarios"]["peer"]
    count, singles = peer["params"]["services"], peer["params"]["singles"]
    made = (
        ("burst", "elbv2:CreateLoadBalancer", count),
        ("single", "elbv2:CreateLoadBalancer", singles),
        ("node", "elbv2:RegisterTargets", 2 * (count + singles)),
        ("delete", "elbv2:DeleteLoadBalancer", count + singles),
    )
    for mode in ("none", "aws"):
        for who in ("ours", "peer", "baseline"):
            ops = peer["details"][mode][who]["ops"]
            for phase, operation, least in made:
                tally = ops[phase][operation]
                assert tally["calls"] - tally.get("limited", 0) >= least, (mode, who, phase)
            restart = ops["restart"]
            assert restart["elbv2:DescribeLoadBalancers"]["calls"] >= 1, (mode, who)
        assert len(peer["series"][f"{mode}_peer_by_time"]) == count
        restart = _measure(document, "peer", f"mutating calls, restart, {MODES[mode]}")
        assert restart["ours"] == 0, restart
    for measure in peer["measures"]:
        assert measure["peer"] is not None and measure["peer"] >= 0, measure
        assert measure["baseline"] is not None and measure["baseline"] >= 0, measure
    throttles = _measure(document, "peer", "throttled requests provoked, AWS limits")
    assert throttles["unit"] == "requests"
