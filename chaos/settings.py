"""How big a chaos run is (the quick and default sizes), the run's options, its constants.

Where it sits: `chaos.__main__` picks a `Size` (`--quick` or the default), applies the
command line's overrides and builds `Options`; the schedule (`chaos.schedule`), the runner
(`chaos.run`) and the rest read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Size:
    """Counts, rates and time bounds of one run."""

    name: str
    services: int  # created over the run, half AWS, half GCP (plus two refused ones)
    changes: int
    deletes: int
    kills: int  # controller replicas SIGKILLed
    api_restarts: int  # kube-apiserver stopped and started again
    leader_changes: int  # the leader SIGTERMed (a graceful hand-over)
    fault_rate: float  # share of cloud calls the proxies fault
    duration: float  # seconds over which the schedule is spread
    converge_timeout: float  # seconds allowed, faults off, to converge at the end
    namespaces: int
    workers: int = 4  # controller workers
    resync: float = 600.0  # controller resyncPeriod (the product default)


QUICK = Size(
    name="quick",
    services=24,
    changes=14,
    deletes=10,
    kills=3,
    api_restarts=1,
    leader_changes=1,
    fault_rate=0.2,
    duration=70.0,
    converge_timeout=240.0,
    namespaces=2,
)
DEFAULT = Size(
    name="default",
    services=200,
    changes=110,
    deletes=80,
    kills=10,
    api_restarts=2,
    leader_changes=2,
    fault_rate=0.2,
    duration=480.0,
    converge_timeout=480.0,
    namespaces=4,
)

CLUSTER = "chaos"
NAMESPACE_PREFIX = "chaos-"
AWS_CLASS = "lbcontroller.io/aws"  # served by AWS_PROVIDER, which opens the nodes' group
AWS_OPEN_CLASS = "lbcontroller.io/aws-open"  # served by AWS_OPEN_PROVIDER: no nodeSecurityGroup
GCP_CLASS = "lbcontroller.io/gcp"
AWS_PROVIDER = "aws-chaos"
AWS_OPEN_PROVIDER = "aws-open"
GCP_PROVIDER = "gcp-chaos"
# The share of AWS Services whose provider adds rules to the one nodes' security group: it
# holds 60 inbound rules (AWS's default quota, which moto enforces) and each NLB Service
# takes one a NodePort and source range, so all of them would fill it (see docs/reliability.md).
AWS_RULED_SHARE = 0.25
LEASE_NAMESPACE = "kube-system"
LEASE_NAME = "lbcontroller-chaos"
LEASE_DURATION = 4.0
SLOTS = ("a", "b")  # the two replicas


@dataclass(frozen=True)
class Options:
    """What to run."""

    size: Size
    seed: int
    folder: Path
    json_path: Path | None
    doc_path: Path | None
    keep: bool = False
    drop_after_everywhere: bool = False
