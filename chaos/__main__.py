"""`python -m chaos [--quick] [--services N] [--seed S] ...`: one chaos run, its figures.

Where it sits: the command line over `chaos.run` (`make chaos` runs the default size;
`tests/test_chaos_quick.py` runs `--quick`). Exit code 0 when every invariant holds, 1 when
one is violated, 2 for bad usage. `--render FILE` re-renders docs/reliability.md from a saved
report without running anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from chaos import report
from chaos.run import run, sized
from chaos.settings import DEFAULT, QUICK, Options

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small size (a few minutes)")
    parser.add_argument("--seed", type=int, default=1, help="the schedule's and faults' seed")
    parser.add_argument("--services", type=int, help="Services created over the run")
    parser.add_argument("--changes", type=int, help="changes made")
    parser.add_argument("--deletes", type=int, help="deletes made")
    parser.add_argument("--kills", type=int, help="controller SIGKILLs")
    parser.add_argument("--api-restarts", type=int, help="kube-apiserver restarts")
    parser.add_argument("--leader-changes", type=int, help="leader SIGTERM hand-overs")
    parser.add_argument("--fault-rate", type=float, help="share of cloud calls faulted")
    parser.add_argument("--duration", type=float, help="seconds the schedule spans")
    parser.add_argument("--converge-timeout", type=float, help="seconds allowed to converge")
    parser.add_argument("--resync", type=float, help="the controller's resyncPeriod")
    parser.add_argument(
        "--state-dir", type=Path, default=ROOT / ".devenv" / "chaos", help="its own env folder"
    )
    parser.add_argument("--json", type=Path, help="the figures (default: STATE_DIR/report.json)")
    parser.add_argument(
        "--doc", type=Path, help=f"the Markdown report (default: {DOC} unless --quick)"
    )
    parser.add_argument("--no-doc", action="store_true", help="write no Markdown report")
    parser.add_argument("--keep-env", action="store_true", help="leave the environment running")
    parser.add_argument(
        "--drop-after-everywhere",
        action="store_true",
        help="also drop replies to moto's non-idempotent creates (tests moto, not us)",
    )
    parser.add_argument("--render", type=Path, help="only re-render --doc from this report.json")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through run(), which tears the environment down


def main(argv: list[str] | None = None) -> int:
    """Run, print the figure table, write the reports; 0 when every invariant holds."""
    args = _parser().parse_args(argv)
    doc = None if args.no_doc else args.doc or (None if args.quick else DOC)
    if args.render is not None:
        figures = json.loads(args.render.read_text())
        report.write(figures, json_path=None, doc_path=doc or DOC)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s chaos: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "google"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    size = sized(
        QUICK if args.quick else DEFAULT,
        services=args.services,
        changes=args.changes,
        deletes=args.deletes,
        kills=args.kills,
        api_restarts=args.api_restarts,
        leader_changes=args.leader_changes,
        fault_rate=args.fault_rate,
        duration=args.duration,
        converge_timeout=args.converge_timeout,
        resync=args.resync,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    options = Options(
        size=size,
        seed=args.seed,
        folder=args.state_dir.resolve(),
        json_path=args.json or args.state_dir / "report.json",
        doc_path=doc,
        keep=args.keep_env,
        drop_after_everywhere=args.drop_after_everywhere,
    )
    figures = run(options)
    report.write(figures, json_path=options.json_path, doc_path=options.doc_path)
    print(report.table(figures), flush=True)
    return 0 if all(v["ok"] for v in figures["invariants"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
