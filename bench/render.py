"""Rendering a results file as docs/benchmarks.md: the figures table, the plots, the details.

Where it sits: `python -m bench` calls `render` after writing the results;
`python -m bench.render RESULTS.json [PAGE.md]` re-renders a stored file. The PNGs go to a
folder named after the page (docs/benchmarks/). Everything shown comes from the JSON.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from bench import plots

METHOD = """\
## How it is measured

- **Environment**: the project's own local environment (`devenv`) in a state folder of the
  bench's own (`.devenv/bench`): the real kube-apiserver and etcd, and moto_server as AWS, all
  on 127.0.0.1. The controller is built as `lbcontroller run` builds it (config model,
  `build_router`, `Controller`) and runs in the bench's process, with 4 workers and leader
  election off; for the memory figure it runs as its own process.
- **Counting**: every cloud call is counted by a botocore `before-call` hook on the provider's
  clients (one count per API call, failed ones included; botocore's own retries are off);
  Kubernetes requests by a counting `KubeClient`. Reads are `Describe*` calls.
- **Baselines** (measured in the same run, right after the controller, on the same machine):
  - *cloud work*: the fewest AWS calls that build the same load balancers (same names, tags,
    ports, health check, targets 100 a call, fingerprint tag given at creation), issued straight
    with boto3 on as many threads as the controller has workers, in a region of their own in the
    same moto. It never looks anything up: it is a lower bound, not a controller.
  - *reads*: the fewest reads that check the same parts of the controller's own load balancers,
    batched where AWS allows (descriptions 400 a page, tags 20 resources a call).
  - *node churn*: one RegisterTargets (DeregisterTargets) per affected target group.
  - *memory*: the same Services and Nodes (exported from the API server as JSON) held as the
    Kubernetes client's models, `ApiClient().deserialize(text, "V1Service"/"V1Node",
    "application/json")`, against the controller's slim records (`lbcontroller.model`), each in
    a fresh interpreter; measured with tracemalloc (bytes still allocated) and with RSS growth
    (VmRSS after holding minus after imports). The controller's own RSS is VmRSS of its process.
- **Peer** (the `peer` scenario): the real upstream `aws-cloud-controller-manager` v1.37.1
  (built once by scripts/build-upstream-aws.sh), its service controller only
  (`--controllers=service --concurrent-service-syncs=4`, cloud.conf with the region, VPC,
  subnet, cluster id and `DisableSecurityGroupIngress = true`, as the controller runs here
  without `nodeSecurityGroup`), serving class-less Services annotated `nlb`, on the same Nodes
  (their providerIDs name instances made in moto for it), subnets and Service shapes as the
  controller, which runs beside it at its **shipped defaults** (its client-side rate limits not
  raised, 4 workers). Each runs alone on a freshly emptied moto, once without limits and once
  behind AWS's request limits: the fault proxy (`devenv/faultproxy.py`,
  `devenv/faults/limits.py`: per-account token buckets with the documented ELB and EC2 sizes,
  answering `Throttling` / `RequestLimitExceeded` as AWS does). Both send every call through
  that proxy, which counts them (throttled ones included) and the throttles each provoked.
  Phases, in this order, each standing for one of the other scenarios: the burst (POST all,
  until every address is seen), one more Service three times, one at a time (the mean time to
  its address), one Node added (until every target group has had a successful
  RegisterTargets), a restart (stop, start a new process with nothing changed, until it has
  been silent 5 s: every load balancer re-checked, the steady state's deep check), the delete
  (until every Service is gone). A phase's calls are counted until 2 s pass without one (its
  time stops earlier); the next phase starts then, with AWS's buckets full again (an idle
  account: what one party's previous phase left does not decide its next one's throttles).
- **Ratios** are ours / baseline, and ours / peer. Times are wall-clock on a shared 2-core
  machine (other test runs may be going on: see the load averages above), so the ratios,
  measured minutes apart, are the figures to read; the call counts are exact.
- **Settings that differ from the defaults**: outside the peer scenario, client-side rate limits
  are raised (the AWS load balancer controller's defaults the provider ships, e.g. 3 modify
  calls a second, would measure the token bucket); the scale scenarios run without
  `nodeSecurityGroup` (see the security-group capacity figure); Nodes' instance ids are not
  created in moto (it accepts unknown instances, and with real ones its DescribeTargetHealth
  scans every instance for every target), except the first Nodes', made in the peer's region
  only.
- **In process**: the controller shares the bench's interpreter (and its GIL) with the bench's
  watch and posting threads; the baseline shares it with nothing but its own threads.
- **moto** is not AWS: a few ms a call when idle and far more under concurrency (see the
  per-call times in the burst and churn details), answers that grow with what it holds, no
  throttling of its own (the proxy's buckets stand in for AWS's in the peer scenario), and an
  occasional HTTP 500 when concurrent requests race inside it. Absolute times say little about
  AWS; the calls, and the floors computed from AWS's read rate, say more.
"""


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e9:
        text = f"{int(value):,}"
    else:
        text = f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


def _verdict(measure: dict[str, Any]) -> str:
    if measure["met"] is None:
        return ""
    if measure["met"]:
        return "yes"
    return f"**no**: {measure['shortfall']}"


def table(scenarios: dict[str, Any]) -> list[str]:
    """The figures table."""
    rows = [
        "| scenario | measure | ours | baseline | ratio | peer | ratio to peer | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for scenario in scenarios.values():
        for m in scenario["measures"]:
            rows.append(
                f"| {scenario['name']} | {m['name']} | {_num(m['ours'], m['unit'])} | "
                f"{_num(m['baseline'], m['unit'])} | {_ratio(m.get('ratio'))} | "
                f"{_num(m.get('peer'), m['unit'])} | {_ratio(m.get('peer_ratio'))} | "
                f"{m['target_text']} | {_verdict(m)} |"
            )
    return rows


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


Column = dict[str, float]  # operation -> calls
Marks = dict[str, str]  # operation -> text after its count in one column


def _ops_table(
    title: str, columns: dict[str, Column], marks: dict[str, Marks] | None = None
) -> list[str]:
    """Calls by operation, one column per party (the first sorts the rows)."""
    marks = marks or {}
    first = next(iter(columns.values()))
    names = " | ".join(columns)
    lines = [f"{title}:", "", f"| operation | {names} |", "|---|" + "---:|" * len(columns)]
    every = set().union(*columns.values())
    for op in sorted(every, key=lambda o: (-first.get(o, 0), o)):
        cells = (
            f"{_num(col.get(op, 0))}{marks.get(who, {}).get(op, '')}"
            for who, col in columns.items()
        )
        lines.append(f"| {op} | {' | '.join(cells)} |")
    totals = " | ".join(f"**{_num(sum(col.values()))}**" for col in columns.values())
    lines.append(f"| **total** | {totals} |")
    return [*lines, ""]


def _ops(scenario: dict[str, Any]) -> list[str]:
    d = scenario["details"]
    pairs = (
        ("ops_per_service", "Cloud calls per Service (mean over runs)"),
        ("ops_per_lb", "Calls per load balancer"),
        ("ops_per_service_burst", ""),
    )
    out: list[str] = []
    if "ops_per_service" in d:
        out += _ops_table(pairs[0][1], d["ops_per_service"])
    if "ours_ops_per_service" in d:
        out += _ops_table(
            "Cloud calls per Service",
            {"ours": d["ours_ops_per_service"], "baseline": d.get("baseline_ops_per_service", {})},
        )
    if "ours_ops_per_lb" in d:
        out += _ops_table(
            pairs[1][1], {"ours": d["ours_ops_per_lb"], "baseline": d["baseline_ops_per_lb"]}
        )
    out += _peer_ops(d)
    for label in ("add", "remove"):
        if f"ours_ops_{label}" in d:
            out += _ops_table(
                f"Cloud calls, {label} one node (all load balancers)",
                {"ours": d[f"ours_ops_{label}"], "baseline": d.get(f"baseline_ops_{label}", {})},
            )
    return out


def _peer_ops(details: dict[str, Any]) -> list[str]:
    """The peer scenario's calls, by operation, phase and limits (throttled ones included)."""
    out: list[str] = []
    for mode, label in (("none", "no limits"), ("aws", "AWS limits")):
        runs = details.get(mode)
        if not isinstance(runs, dict) or "peer" not in runs:
            continue
        for phase in runs["ours"]["ops"]:  # in the order the phases ran
            ops = {who: run["ops"][phase] for who, run in runs.items()}
            out += _ops_table(
                f"Cloud calls, {phase}, {label} (throttled requests in brackets when any)",
                {who: {op: t["calls"] for op, t in o.items()} for who, o in ops.items()},
                {who: _throttled(o) for who, o in ops.items()},
            )
    return out


def _throttled(ops: dict[str, dict[str, int]]) -> dict[str, str]:
    return {op: f" ({t['limited']} throttled)" for op, t in ops.items() if t.get("limited")}


_OPERATION = re.compile(r"^[a-z0-9]+\.[A-Z]\w+: ")


def _bullet(text: str) -> str:
    """A line of analysis; one about a single operation nests under the line before it."""
    return f"  - {text}" if _OPERATION.match(text) else f"- {text}"


def section(scenario: dict[str, Any]) -> list[str]:
    """One scenario's details: parameters, notes, calls by operation, analysis."""
    lines = [f"### {scenario['title']}", ""]
    params = ", ".join(f"{k} {v}" for k, v in scenario["params"].items())
    lines += [f"Parameters: {params}; took {scenario['seconds']:.0f} s.", ""]
    notes = [f"- {m['name']}: {m['note']}" for m in scenario["measures"] if m["note"]]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    split = scenario["details"].get("ours_ms_split_p50")
    if split:
        parts = "; ".join(f"{k} {v:g} ms" for k, v in split.items())
        lines += [f"Where the controller's time goes (p50 of each part): {parts}.", ""]
    lines += _ops(scenario)
    if scenario["analysis"]:
        missed = [m for m in scenario["measures"] if m["met"] is False]
        head = "Why the target is missed" if missed else "Reading"
        lines += [f"{head}:", "", *[_bullet(a) for a in scenario["analysis"]], ""]
    return lines


def page(document: dict[str, Any], images: dict[str, str], folder: str) -> str:
    """The whole Markdown page."""
    meta, scenarios = document["meta"], document["scenarios"]
    start, end = meta["load_average_start"][0], meta["load_average_end"][0]
    load = f"{start:.1f} at the start, {end:.1f} at the end"
    lines = [
        "# Benchmarks",
        "",
        "The controller against the project's real servers (kube-apiserver, etcd, moto_server),",
        "each figure beside a baseline measured in the same run (the minimal calls issued",
        "straight with boto3) and, in the `peer` scenario, beside the upstream",
        "aws-cloud-controller-manager, with and without AWS's request limits. Produced by",
        "`make bench`",
        "(`python -m bench`; `make bench BENCH_ARGS=--quick` for the smoke size,",
        "`--only NAME` for one scenario) from `bench/results/*.json`; do not edit by hand.",
        "",
        f"This run: {meta['date']} on `{meta['host']}` ({meta['cpus']} cores), size "
        f"**{meta['size']}**, {meta['seconds'] / 60:.1f} min; load average {load}. "
        f"Python {meta['python']}, moto {meta['moto']}, boto3 {meta['boto3']}.",
        "",
    ]
    if meta["errors"]:
        lines += ["**Failed stages**:", "", *[f"- {e}" for e in meta["errors"]], ""]
    lines += ["## Figures", "", *table(scenarios), ""]
    if images:
        lines += ["## Plots", ""]
        captions = {
            "time_to_address": "One Service, 2 ports: time to address, and its calls by operation",
            "services": "Burst: progress over time, and cloud calls against the number of Services",
            "nodes": "One Service's create: calls and time against the number of Nodes",
            "peer": "Beside the upstream controller: burst progress, and each phase's time",
        }
        for name, file in images.items():
            lines += [f"![{captions[name]}]({folder}/{file})", ""]
    lines += ["## Scenarios", ""]
    for scenario in scenarios.values():
        lines += section(scenario)
    lines += [METHOD]
    return "\n".join(lines).rstrip() + "\n"


def render(results: Path, target: Path) -> Path:
    """Render `results` into the page `target` (and its PNG folder)."""
    document = json.loads(results.read_text())
    folder = target.parent / target.stem
    images = plots.draw(document["scenarios"], folder)
    relative = os.path.relpath(folder, target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page(document, images, relative))
    return target


if __name__ == "__main__":
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("docs/benchmarks.md")
    print(render(Path(sys.argv[1]), out))
