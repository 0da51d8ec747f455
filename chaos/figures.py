"""Assembling the figures of a run from what each part recorded.

Where it sits: the runner (`chaos.run`) calls `assemble` once the final check is done; the
result is the JSON the report (`chaos.report`) renders. It also runs `lbcontroller gc`
(straight to the clouds, no proxy) to list what gc would call orphaned.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from typing import Any

from chaos import splitbrain
from chaos.driver import Driver
from chaos.replicas import ROOT, Replicas
from chaos.settings import NAMESPACE_PREFIX, Options
from chaos.wants import INVARIANTS, Findings, want_of
from chaos.world import NOT_IDEMPOTENT_IN_MOTO, World


def gc_orphans(world: World) -> dict[str, int]:
    """What `lbcontroller gc` (straight to the clouds) lists as orphaned, by its reason."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lbcontroller.cli",
            "gc",
            "--config",
            str(world.configs["check"]),
            "--kubeconfig",
            world.kubeconfig,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    reasons: dict[str, int] = {}
    for line in done.stdout.splitlines()[1:]:
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and not line.endswith("orphaned load balancers"):
            reasons[parts[3]] = reasons.get(parts[3], 0) + 1
    if not re.search(r"^\d+ orphaned load balancers", done.stdout, re.MULTILINE):
        reasons["gc failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]] = 1
    return reasons


def _fault_figures(tallies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The faulty phase's calls and faults, summed over the proxies."""
    by_kind: dict[str, int] = {}
    by_cloud: dict[str, dict[str, int]] = {}
    for name, stats in tallies.items():
        cloud = by_cloud.setdefault(name.split("-")[1], {"calls": 0, "faulted": 0})
        cloud["calls"] += stats["calls"]
        cloud["faulted"] += stats["faulted"]
        for kind, count in stats["faults"].items():
            by_kind[kind] = by_kind.get(kind, 0) + count
    calls = sum(c["calls"] for c in by_cloud.values())
    faulted = sum(c["faulted"] for c in by_cloud.values())
    return {"calls": calls, "faulted": faulted, "by_kind": by_kind, "by_cloud": by_cloud}


def _live(services: list[dict[str, Any]]) -> dict[str, int]:
    wants = [want_of(s) for s in services]
    return {
        "aws": sum(1 for w in wants if w.cloud == "aws"),
        "gcp": sum(1 for w in wants if w.cloud == "gcp"),
        "none": sum(1 for w in wants if w.cloud is None),
    }


def _notes(opts: Options) -> dict[str, str]:
    size = opts.size
    drop_after = (
        "`drop_after` is applied to every operation (--drop-after-everywhere)."
        if opts.drop_after_everywhere
        else f"`drop_after` is never applied to {' and '.join(NOT_IDEMPOTENT_IN_MOTO)}: moto's "
        "are not idempotent while AWS's are (the same call again returns the same load "
        "balancer or listener), so that fault would test moto, not the controller."
    )
    settings = (
        f"{size.services} Services planned ({size.changes} changes, {size.deletes} deletes) over "
        f"{size.duration:.0f} s in {size.namespaces} namespaces; fault rate {size.fault_rate:.0%}; "
        f"{size.kills} SIGKILLs, {size.api_restarts} API-server restarts, {size.leader_changes} "
        f"leader hand-overs; controller: {size.workers} workers, resyncPeriod {size.resync:.0f} s,"
        " retryBaseDelay 1 s, retryMaxDelay 20 s, Lease 4/3/1 s, rate limits raised to 20 "
        "writes/s a cloud (moto and the fake are not the bottleneck being tested); convergence "
        f"allowed {size.converge_timeout:.0f} s."
    )
    return {"drop_after": drop_after, "settings": settings}


def assemble(
    opts: Options,
    *,
    world: World,
    replicas: Replicas,
    driver: Driver,
    outcome: tuple[Findings, float | None, int],
    times: tuple[float, float],
    tallies: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    findings, seconds, checks = outcome
    tally = replicas.tally
    counts = driver.workload.counts
    return {
        "run": {
            "size": opts.size.name,
            "seed": opts.seed,
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "workload_seconds": times[0],
            "total_seconds": times[1],
            "step_errors": driver.counts.step_errors,
            "step_error_examples": driver.errors[:10],
        },
        "services": {
            "created": counts.created,
            "changed": counts.changed,
            "deleted": counts.deleted,
            "api_calls_retried": counts.retried,
            "live_at_end": _live(driver.workload.services(NAMESPACE_PREFIX)),
        },
        "chaos": {
            "kills": tally.kills,
            "terms": driver.counts.leader_terms,
            "api_restarts": driver.counts.api_restarts,
            "leader_changes": tally.leader_changes(),
            "starts": tally.starts,
            "liveness_kills": tally.liveness_kills,
            "unexpected_exits": [vars(e) for e in tally.exits],
        },
        "faults": _fault_figures(tallies),
        "split_brain": splitbrain.analyse(world.proxies, tally.holders),
        "convergence": {
            "converged": seconds is not None,
            "seconds": seconds or 0.0,
            "timeout": opts.size.converge_timeout,
            "checks": checks,
        },
        "gc_orphans": gc_orphans(world),  # by reason
        "invariants": {
            name: {
                "ok": not findings.by[name],
                "violations": len(findings.by[name]),
                "examples": findings.by[name][:50],
            }
            for name in INVARIANTS
        },
        "notes": _notes(opts),
    }
