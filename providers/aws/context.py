"""What every AWS flow needs: the API door, the VPC cache and the nodes' security group.

Where it sits: built once by `providers.aws.build`, handed by the provider to the NLB and
classic flows and to `teardown`.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.aws.api import Api
from providers.aws.network import Networks


@dataclass(frozen=True, slots=True)
class Context:
    """Shared, long-lived collaborators of one AWS provider."""

    api: Api
    networks: Networks
    node_group: str | None  # rules for NodePorts go here; None: the operator opens them
    default_subnets: tuple[str, ...]
