"""The figures of a run: the table printed at the end, the JSON file, docs/reliability.md.

Where it sits: the runner (`chaos.run`) assembles the figures (a plain JSON-able dict);
`table` renders them for the terminal, `markdown` for docs/reliability.md (`python -m chaos
--render report.json` re-renders the document from a saved run).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from chaos.wants import INVARIANTS

DESCRIPTIONS = {
    "converged": "every live Service has a load balancer matching its spec, address in status",
    "no_leaks": "nothing of ours left for deleted or moved Services; no stale parts",
    "no_duplicates": "no two load balancers for one Service, no two listeners on one port",
    "no_stuck_finalizers": "no Service stuck with a deletionTimestamp or a needless finalizer",
    "decoys_untouched": "resources without our marks unchanged; their name-holders got nothing",
}


def _faults(figures: dict[str, Any]) -> str:
    faults = figures["faults"]
    kinds = ", ".join(f"{k} {v}" for k, v in faults["by_kind"].items())
    share = 100.0 * faults["faulted"] / max(1, faults["calls"])
    return f"{faults['faulted']} of {faults['calls']} calls ({share:.1f}%): {kinds}"


def rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, value) pairs, in table order."""
    run, svc, chaos = figures["run"], figures["services"], figures["chaos"]
    conv = figures["convergence"]
    converged = (
        f"{conv['seconds']:.0f} s" if conv["converged"] else f"not within {conv['timeout']:.0f} s"
    )
    exits = chaos["unexpected_exits"]
    out = [
        ("size, seed", f"{run['size']}, seed {run['seed']}"),
        (
            "run time (workload / total)",
            f"{run['workload_seconds']:.0f} s / {run['total_seconds']:.0f} s",
        ),
        (
            "Services created / changed / deleted",
            f"{svc['created']} / {svc['changed']} / {svc['deleted']}",
        ),
        (
            "Services live at the end (AWS / GCP / neither)",
            "{aws} / {gcp} / {none}".format(**svc["live_at_end"]),
        ),
        ("controller SIGKILLs", str(chaos["kills"])),
        ("leader SIGTERMs (hand-overs)", str(chaos["terms"])),
        ("kube-apiserver restarts", str(chaos["api_restarts"])),
        ("leader changes observed on the Lease", str(chaos["leader_changes"])),
        ("controller starts (incl. restarts)", str(chaos["starts"])),
        (
            "exits we did not cause",
            f"{len(exits)}" + (f" ({_exit_summary(exits)})" if exits else ""),
        ),
        ("liveness restarts (a dead thread)", str(chaos["liveness_kills"])),
        ("cloud calls faulted", _faults(figures)),
        ("writes reaching a cloud from a non-leader", str(figures["split_brain"]["writes"])),
        ("time to converge, faults off", converged),
        ("`lbcontroller gc` orphans at the end", _orphans(figures["gc_orphans"])),
    ]
    for name in INVARIANTS:
        result = figures["invariants"][name]
        verdict = "holds" if result["ok"] else f"VIOLATED ({result['violations']})"
        out.append((f"invariant {name}", verdict))
    test = figures.get("checker_self_test", {})
    missed = test.get("missed", [])
    verdict = "each planted violation flagged" if test.get("ok") else f"MISSED {missed}"
    out.append(("checker self-test", verdict))
    return out


def _orphans(found: dict[str, int]) -> str:
    total = sum(found.values())
    return f"{total}" + (
        " (" + "; ".join(f"{n}x {r}" for r, n in found.items()) + ")" if found else ""
    )


def _exit_label(item: dict[str, Any]) -> str:
    """`crash: NewConnectionError (Connection refused)`, `exit 1: lost its Lease` or
    `exit 1: <last log line>`."""
    reason = str(item["reason"])
    if '"lost_leadership": true' in reason:
        return f"exit {item['code']}: lost its Lease (by design; restarted)"
    if not reason.startswith("crash: "):
        return f"exit {item['code']}: {reason[:80]}"
    error = reason.removeprefix("crash: ")
    kind = error.split(":", 1)[0].rsplit(".", 1)[-1]
    detail = error.rsplit("] ", 1)[-1] if "] " in error else error.rsplit(": ", 1)[-1]
    return f"crash: {kind} ({detail[:60]})"


def _exit_summary(exits: list[dict[str, Any]]) -> str:
    reasons: dict[str, int] = {}
    for item in exits:
        label = _exit_label(item)
        reasons[label] = reasons.get(label, 0) + 1
    return "; ".join(f"{n}x {label}" for label, n in reasons.items())


def table(figures: dict[str, Any]) -> str:
    """The figure table for the terminal."""
    pairs = rows(figures)
    width = max(len(name) for name, _ in pairs)
    lines = [f"{name:<{width}}  {value}" for name, value in pairs]
    for name in INVARIANTS:
        for example in figures["invariants"][name]["examples"][:5]:
            lines.append(f"  {name}: {example}")
    return "\n".join(lines)


INTRO = """# Reliability: the chaos run

<!-- Rendered by `python -m chaos` from its last default-size run; do not edit by hand. -->

`make chaos` creates, changes and deletes Services over AWS (moto_server) and GCP (our
Compute fake) while 20% of the controller's cloud calls fail, two controller replicas
with leader election are SIGKILLed and restarted, the kube-apiserver is restarted (same
port, same etcd) and the leadership is handed over. Then the faults stop, the controller
gets a bounded time to converge, and the invariants are checked by reading the clouds
directly. `python -m chaos --quick` (part of `make test`) does the same at a small size.

## How it breaks things

- **Cloud faults**: a proxy of ours (`devenv/faultproxy.py`) sits between each replica
  and each stand-in and answers a share of the calls itself: throttling in the service's
  own format (AWS `Throttling`, EC2 `RequestLimitExceeded`; GCE 429 or 403
  `rateLimitExceeded`), 500/503, a request held 2 s then dropped, a connection dropped
  before forwarding (the cloud never sees the call) or after it (the cloud made the
  change; the controller never hears). Weights 3:3:1:1:2 in that order.
{drop_after}
- **Processes**: two real `lbcontroller run` replicas, Lease of 4 s (renew deadline 3 s,
  retry 1 s); a supervisor restarts whatever exits, as a kubelet would, and SIGKILLs a
  replica whose /healthz fails three times in a row.
- **Changes**: ports added and removed (new NodePorts), source ranges, traffic policy,
  health-check interval, NLB <-> classic, GCE External <-> Internal, type LoadBalancer ->
  ClusterIP and back, and moves between the clouds and between the two AWS provider
  entries (through ClusterIP: a loadBalancerClass cannot change); deletes at any time.
- **Two AWS provider entries**: a quarter of the AWS Services use `aws-chaos`, which has a
  `nodeSecurityGroup` (its rules are checked and leak-scanned), the rest `aws-open`, which
  has none. Every NLB Service takes one rule a NodePort and source range on the one nodes'
  group, which holds 60 inbound rules (AWS's default quota; moto enforces it): with all
  AWS Services on it the group fills up and every further Service is refused (a Warning
  naming spec.loadBalancerSourceRanges), which is a scale limit, not what this run tests.
- **Decoys**: before the run, an untagged NLB (holding the name a refused Service's load
  balancer would get) with an untagged target group, and unmarked GCE health checks (one
  holding a refused Service's name), backend service and forwarding rule.
"""


MEANING = """- *exits we did not cause*: a replica that ended without being killed or stopped by the
  run (each is restarted); a crash names the exception that ended it. A leader that could
  not renew its Lease within the renew deadline (the API server was down) stops on
  purpose, as upstream controllers do, so that two replicas never both act.
- *writes reaching a cloud from a non-leader*: mutating calls that reached a stand-in
  from a replica that held the Lease at no moment within 1.5 s of the call (each replica
  has its own proxies, so their logs say who wrote).
- *`lbcontroller gc` orphans*: what `gc` (without `--delete`) lists at the end, by its
  reason: resources of ours that no Service wants. The two AWS entries share one account,
  and `gc` leaves a load balancer that a live Service wants from the other entry alone.
- *checker self-test*: after the final check, one violation of each invariant is planted
  (a leaked target group and GCE health check, a second NLB for a live Service, a live
  NLB's targets removed, a Service held by a finalizer, a tag added to a decoy) and the
  checker must flag each one.
"""


def markdown(figures: dict[str, Any]) -> str:
    """docs/reliability.md, rendered from one run's figures."""
    run = figures["run"]
    lines = [
        INTRO.format(
            drop_after=textwrap.indent(textwrap.fill(figures["notes"]["drop_after"], 90), "  ")
        ),
        f"## Last run ({run['size']} size, seed {run['seed']}, {run['date']})",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value.replace('|', '/')} |" for name, value in rows(figures)]
    lines += ["", "## Invariants", "", "| invariant | what it says | result |", "|---|---|---|"]
    for name in INVARIANTS:
        result = figures["invariants"][name]
        verdict = "holds" if result["ok"] else f"violated ({result['violations']})"
        lines.append(f"| {name} | {DESCRIPTIONS[name]} | {verdict} |")
    examples = [(n, e) for n in INVARIANTS for e in figures["invariants"][n]["examples"][:10]]
    if examples:
        lines += ["", "Violations at the end (up to ten an invariant):", ""]
        lines += [f"- `{name}` {example.replace('|', '/')}" for name, example in examples]
    lines += [
        "",
        "## What the figures mean",
        "",
        MEANING,
        "## Settings of the run",
        "",
        textwrap.fill(figures["notes"]["settings"], width=92),
        "",
        "Reproduce: `make chaos` (default size) or `python -m chaos --seed N [--quick]`; the JSON",
        "figures are written to `.devenv/chaos/report.json`.",
        "",
    ]
    return "\n".join(lines)


def write(figures: dict[str, Any], *, json_path: Path | None, doc_path: Path | None) -> None:
    """Write the JSON figures and the document."""
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    if doc_path is not None:
        doc_path.parent.mkdir(parents=True, exist_ok=True)
        doc_path.write_text(markdown(figures))
