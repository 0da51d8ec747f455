"""The chaos run: many Services over AWS (moto) and GCP (our fake) while everything breaks.

Where it sits: `python -m chaos [--quick]` (`make chaos`; `tests/test_chaos_quick.py` runs the
quick size). It brings up its own local environment (`world`), puts a fault proxy
(`devenv.faultproxy`) between each controller replica and each cloud, runs two real controller
processes with leader election (`replicas`), drives a seeded schedule of Service creates,
changes and deletes interleaved with controller kills, API-server restarts and leader changes
(`schedule`, `workload`), then turns the faults off, waits for convergence and checks the
invariants by reading the clouds directly (`inventory`, `invariants`); `report` prints the
figures and writes them as JSON and as docs/reliability.md.
"""
