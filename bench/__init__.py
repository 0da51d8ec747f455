"""The benchmark suite: the controller against real servers, each figure beside a baseline.

Where it sits: `make bench` (`python -m bench`) runs the scenarios in `bench.scenarios` against
the local environment (`devenv`, in its own state folder), writes `bench/results/*.json` and
renders `docs/benchmarks.md` (`bench.render`). `tests/test_bench_quick.py` runs the `--quick`
size as a smoke test. Nothing here is imported by the controller.
"""
