"""Render docs/conformance.md from the outcomes the last conformance runs filed.

Where it sits: after `pytest tests/conformance` (which files every case's outcome per cloud in
`.devenv/conformance.json`, see `outcomes.py`), `python -m tests.conformance.render` writes the
table of every upstream test (`upstream.py`) by cloud. A case not run on a cloud reads
"not run", a failed one "fails": `test_doc.py` refuses a committed table with either.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .outcomes import CLOUDS, FAILS, load
from .upstream import COMMIT, ESIPP, LB, OLDER, OURS, PATH, REPO, TESTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"
NOT_RUN = "not run"

INTRO = f"""# Conformance: the upstream e2e LoadBalancer tests on every cloud

Kubernetes states what it expects of a LoadBalancer implementation as its e2e tests in
[`{PATH}`](https://github.com/{REPO}/blob/{COMMIT}/{PATH}) (read at `{COMMIT[:12]}`), groups
"{LB}" and "{ESIPP}". `tests/conformance/` ports every control-plane assertion of those tests
and runs each one on every cloud lbcontroller serves: AWS NLB and classic ELB (moto), GCP (the
Compute fake in `devenv/`) and OpenStack (the real Octavia, Keystone and Neutron), through the
real controller on the real API server. Two tests that upstream ran on GCE until it dropped its
in-tree cloud providers are read at `{OLDER[:12]}`. Two more rows cover what no upstream
name carries: a requested static IP (a step of upstream's older TCP test, GCE only there) and
TCP and UDP on one Service (mixed protocol).

Upstream sends traffic through the load balancer; no stand-in carries packets, so each such
step is replaced by the cloud state that would carry it: listeners and forwarding rules, the
NodePorts they send to, the health check kube-proxy answers (port 10256, or the Service's
`healthCheckNodePort` with `externalTrafficPolicy: Local`), source ranges, session affinity,
the nodes behind it, and that nothing is left when the Service stops being a load balancer.

- **passes**: every assertion held on that cloud (a number points to a remark below).
- **refused by design**: the cloud cannot do what the test asks; lbcontroller refuses the
  Service with a Warning Event naming the field, builds nothing, and the case asserts exactly
  that.
- **not applicable**: what the test checks does not involve this cloud's load balancer (the
  reason says why); the case still asserts what lbcontroller does.

This page is generated from a test run: run
`LBC_ENV=kube,moto,gcefake,openstack .venv/bin/python -m pytest tests/conformance`, then
`.venv/bin/python -m tests.conformance.render`. `tests/conformance/test_doc.py` checks that it
lists every upstream test the suite ports and that none fails.
"""


def _cell(entry: dict[str, str] | None, reasons: list[str]) -> str:
    if entry is None:
        return NOT_RUN
    if not entry["reason"]:
        return entry["outcome"]
    if entry["reason"] not in reasons:
        reasons.append(entry["reason"])
    return f"{entry['outcome']} [{reasons.index(entry['reason']) + 1}]"


def render(found: dict[str, dict[str, dict[str, str]]]) -> str:
    """The page, for the outcomes `found` (name -> cloud -> outcome)."""
    reasons: list[str] = []
    lines = [INTRO]
    for group in (LB, ESIPP, OURS):
        lines += [f"\n## {group}\n", f"| Upstream test | {' | '.join(CLOUDS)} |"]
        lines.append("|---" * (len(CLOUDS) + 1) + "|")
        for test_group, name, commit in TESTS:
            if test_group != group:
                continue
            older = " (at `" + OLDER[:12] + "`)" if commit == OLDER and group != OURS else ""
            cells = [_cell(found.get(name, {}).get(cloud), reasons) for cloud in CLOUDS]
            lines.append(f"| {name}{older} | {' | '.join(cells)} |")
    lines.append("\n## Reasons and remarks\n")
    lines += [f"{i}. {reason}" for i, reason in enumerate(reasons, start=1)]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write docs/conformance.md; exit 1 (after writing) if a case failed or did not run."""
    page = render(load())
    DOC.write_text(page)
    bad = [line for line in page.splitlines() if f"| {FAILS}" in line or f"| {NOT_RUN}" in line]
    for line in bad:
        print(f"not passing: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
