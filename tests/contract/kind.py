"""What the contract suite needs to know about one provider kind, and nothing of its insides.

Where it sits: `conftest.py` builds one `Kind` per parametrized provider kind; the cases in
`test_contract.py` drive the provider through the `Provider` protocol only and ask the kind to
look at the cloud through the cloud's own SDK (never through the provider's code).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from lbcontroller.config import ProviderConfig
from lbcontroller.metrics import Metrics
from lbcontroller.model import Node
from lbcontroller.provider import Provider
from lbcontroller.registry import factory_for
from lbcontroller.spec import LoadBalancerRef
from tests.support.calls import Recorder

Snapshot = Callable[[], object]


class Kind(Protocol):
    """One provider kind on its local stand-in, freshly emptied (or under fresh cluster names)."""

    @property
    def calls(self) -> Recorder:
        """What records the provider's calls."""
        ...

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Three nodes, with the instances behind them where the cloud needs them."""
        ...

    @property
    def annotations(self) -> Mapping[str, str]:
        """What every Service of this kind carries."""
        ...

    @property
    def backend_writes(self) -> frozenset[str]:
        """The operations that change only members or targets."""
        ...

    def provider(self, cluster: str) -> Provider:
        """The provider as the CLI builds it (`lbcontroller.registry`), for `cluster`."""
        ...

    def operation(self, call: str) -> str:
        """A recorded write as `PlannedChange.operation` names it."""
        ...

    def members(self, ref: LoadBalancerRef) -> set[str]:
        """The names of the nodes behind `ref`'s load balancer, read from the cloud."""
        ...

    def remains(self, ref: LoadBalancerRef) -> list[str]:
        """The cloud resources named after `ref`'s load balancer that exist."""
        ...

    def look_alike(self, ref: LoadBalancerRef) -> Snapshot:
        """Make a load balancer named as `ref`'s but without our marks, through the cloud's
        SDK; return what reads its state (to compare before and after)."""
        ...

    def close(self) -> None:
        """Delete what the test left (where the stand-in is not reset per test)."""
        ...


def built(config: ProviderConfig, *, cluster: str, metrics: Metrics) -> Provider:
    """The provider for one config entry, made as the CLI makes it."""
    return factory_for(config.type)(config, cluster=cluster, metrics=metrics)
