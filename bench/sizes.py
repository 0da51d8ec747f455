"""The two sizes the suite runs at: the full one `make bench` runs, and the `--quick` smoke.

Where it sits: the runner picks one `Size` and hands it to every scenario; nothing else holds a
count. The full size is the one the project's issue names; the quick one keeps each scenario's
shape (2 ports, the same phases) at a size that runs in about a minute.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """Counts and bounds for one run of the suite."""

    name: str
    single_nodes: int  # one Service, 2 ports, over this many nodes
    single_runs: int
    sg_services: int  # Services posted against one nodes' security group
    sweep_runs: int  # single-Service creates at each node count (the nodes plot)
    burst_services: int
    burst_nodes: int
    peer_services: int  # Services each controller builds beside the other (bench.peer)
    churn_services: int
    churn_nodes: int
    memory_services: int
    memory_nodes: int
    workers: int = 4  # the controller's workers, and the baseline's threads
    kube_threads: int = 8  # threads posting objects to the API server
    # every wait is bounded; a scenario that has not converged by then fails loudly
    settle_per_service: float = 1.5
    settle_floor: float = 120.0

    def settle(self, services: int) -> float:
        """How long to wait for `services` load balancers to converge, at most."""
        return max(self.settle_floor, services * self.settle_per_service)


FULL = Size(
    name="full",
    single_nodes=10,
    single_runs=50,
    sg_services=40,
    sweep_runs=5,
    burst_services=1000,
    burst_nodes=100,
    peer_services=60,
    churn_services=500,
    churn_nodes=1000,
    memory_services=10_000,
    memory_nodes=5000,
)

QUICK = Size(
    name="quick",
    single_nodes=10,
    single_runs=5,
    sg_services=34,
    sweep_runs=2,
    burst_services=30,
    burst_nodes=20,
    peer_services=3,
    churn_services=10,
    churn_nodes=50,
    memory_services=400,
    memory_nodes=200,
)
