"""`python -m bench [--quick] [--only NAME]`: run the suite, write the results, render the docs.

Where it sits: the Makefile's `bench` target (`make bench`, `BENCH_ARGS=--quick`) and the smoke
test call this. The full size writes `bench/results/<date>-<host>.json` and renders
`docs/benchmarks.md`; `--quick` writes both under `.devenv/bench-quick/` unless told otherwise,
so a smoke run never replaces the published figures. Exit code 1 if any stage failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import render, runner
from bench.env import ROOT, env_dir
from bench.inproc import quiet_logs
from bench.sizes import FULL, QUICK


def main(argv: list[str]) -> int:
    """Parse the arguments, run, write, render."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smoke size (about a minute)")
    parser.add_argument(
        "--only", action="append", choices=runner.SCENARIOS, help="run only this (repeatable)"
    )
    parser.add_argument("--results-dir", type=Path, help="where the results JSON goes")
    parser.add_argument("--docs", type=Path, help="the Markdown page to render (PNGs beside it)")
    parser.add_argument("--env-dir", help="the environment's state folder (default .devenv/bench)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    out = ROOT / ".devenv" / "bench-quick"
    results_dir = args.results_dir or (out if args.quick else ROOT / "bench" / "results")
    docs = args.docs or (out / "benchmarks.md" if args.quick else ROOT / "docs" / "benchmarks.md")
    folder = env_dir(args.env_dir)
    work = folder.parent / f"{folder.name}-work"
    quiet_logs(work)
    document = runner.run(size, set(args.only or runner.SCENARIOS), folder, work)
    path = runner.write(document, results_dir, size)
    print(f"results: {path}")
    page = render.render(path, docs)
    print(f"docs: {page}")
    errors = document["meta"]["errors"]
    for error in errors:
        print(f"FAILED {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
