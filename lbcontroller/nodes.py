"""Which Nodes back load balancers: pure predicates, as the upstream service controller has them.

Where it sits: the core filters the cached Nodes through `eligible` before building a spec, and
the node-sync path uses `backend_relevant` to ignore Node updates that change nothing a load
balancer sees (heartbeats, conditions). Readiness is deliberately not used (KEP-3458): a
NotReady node is left to the load balancer's own health checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lbcontroller.model import EXCLUDE_LABEL, TO_BE_DELETED_TAINT, Node

# Go's strconv.ParseBool, which the upstream service controller applies to the exclude label.
_GO_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
# A selector value meaning "the label is present, with any value" (a provider's parsed
# annotation may ask for it); no label value can be "*", so it never clashes with one.
LABEL_PRESENT = "*"


def excluded(node: Node) -> bool:
    """Whether the exclude-from-external-load-balancers label takes the node out, as upstream
    reads it: a false value ("false", "0", "f"...) keeps it; any other value, empty and
    unparsable ones too, takes it out."""
    value = node.labels.get(EXCLUDE_LABEL)
    return value is not None and value not in _GO_FALSE


def eligible(node: Node, selector: Mapping[str, str]) -> bool:
    """Whether `node` may back load balancers whose provider selects `selector` labels."""
    if node.deleting or excluded(node) or TO_BE_DELETED_TAINT in node.taints:
        return False
    return all(_matches(node.labels.get(key), value) for key, value in selector.items())


def _matches(label: str | None, wanted: str) -> bool:
    return label is not None if wanted == LABEL_PRESENT else label == wanted


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
        or old.internal_ips != new.internal_ips
        or old.deleting != new.deleting
    )
