"""A controller process for tests that need real processes (leader election, SIGKILL).

`python -m tests.support.run_controller --kubeconfig K --state S --identity I --lb-class C`
runs a Controller with a file-backed RecordingProvider (its cloud outlives the process) and
leader election on a short Lease, until SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from lbcontroller import logs
from lbcontroller.config import LeaderElection
from lbcontroller.kube import KubeClient, load_configuration
from tests.support.harness import make_controller
from tests.support.recording import RecordingProvider


def main() -> int:
    """Run until SIGTERM; exit 1 if leadership was lost."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--lb-class", required=True)
    parser.add_argument("--lease", default="lbcontroller-test")
    parser.add_argument("--lease-namespace", default="default")
    parser.add_argument("--slow-create", type=float, default=0.0)
    parser.add_argument("--slow-request", type=float, default=0.0)
    args = parser.parse_args()
    logs.setup(fmt="json", level="INFO")
    provider = RecordingProvider(
        state_file=args.state,
        identity=args.identity,
        slow_create=args.slow_create,
        slow_request=args.slow_request,
    )
    controller = make_controller(
        KubeClient(load_configuration(args.kubeconfig)),
        {"rec": (provider, args.lb_class)},
        identity=args.identity,
        leader_election=LeaderElection(
            namespace=args.lease_namespace,
            name=args.lease,
            lease_duration=3.0,
            renew_deadline=2.0,
            retry_period=0.5,
        ),
    )
    signal.signal(signal.SIGTERM, lambda *_: controller.stop())
    return 0 if controller.run() else 1


if __name__ == "__main__":
    sys.exit(main())
