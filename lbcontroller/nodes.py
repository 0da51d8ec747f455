"""Which Nodes back load balancers: pure predicates, as the upstream service controller has them.

Where it sits: the core filters the cached Nodes through `eligible` before building a spec, and
the node-sync path uses `backend_relevant` to ignore Node updates that change nothing a load
balancer sees (heartbeats, conditions). Readiness is deliberately not used (KEP-3458): a
NotReady node is left to the load balancer's own health checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lbcontroller.model import EXCLUDE_LABEL, TO_BE_DELETED_TAINT, Node


def eligible(node: Node, selector: Mapping[str, str]) -> bool:
    """Whether `node` may back load balancers whose provider selects `selector` labels."""
    if node.deleting or EXCLUDE_LABEL in node.labels or TO_BE_DELETED_TAINT in node.taints:
        return False
    return all(node.labels.get(key) == value for key, value in selector.items())


def eligible_nodes(nodes: Iterable[Node], selector: Mapping[str, str]) -> list[Node]:
    """The eligible nodes, sorted by name so that specs compare equal across runs."""
    return sorted((n for n in nodes if eligible(n, selector)), key=lambda n: n.name)


def backend_relevant(old: Node | None, new: Node | None) -> bool:
    """Whether a Node change can alter any load balancer's backends."""
    if old is None or new is None:
        return True
    return (
        old.labels != new.labels
        or old.taints != new.taints
        or old.provider_id != new.provider_id
        or old.internal_ip != new.internal_ip
        or old.deleting != new.deleting
    )
