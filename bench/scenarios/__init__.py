"""The scenarios, one module each; `bench.runner` runs them in stages that share a cluster.

Where it sits: each module exposes functions taking the `bench.context.Bench` (and, within a
stage, the running controller) and returning a `bench.results.Scenario`.
"""
