"""Node eligibility and which Node changes matter to load balancers."""

from __future__ import annotations

import dataclasses

import pytest

from lbcontroller.model import EXCLUDE_LABEL, TO_BE_DELETED_TAINT, Node, node_from_json
from lbcontroller.nodes import LABEL_PRESENT, backend_relevant, eligible, eligible_nodes
from tests.support.builders import node

LB_POOL = {"pool": "lb"}


@pytest.mark.parametrize(
    ("candidate", "selector", "expected"),
    [
        pytest.param(node("n"), {}, True, id="plain"),
        pytest.param(node("n", labels=LB_POOL), LB_POOL, True, id="selected"),
        pytest.param(node("n", deleting=True), {}, False, id="deleting"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: ""}), {}, False, id="excluded-empty"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: "true"}), {}, False, id="excluded-true"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: "yes"}), {}, False, id="excluded-unparsable"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: "false"}), {}, True, id="kept-false"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: "0"}), {}, True, id="kept-zero"),
        pytest.param(node("n", labels={EXCLUDE_LABEL: "False"}), {}, True, id="kept-False"),
        pytest.param(node("n", taints=(TO_BE_DELETED_TAINT,)), {}, False, id="autoscaler"),
        pytest.param(node("n", taints=("example.com/gpu",)), {}, True, id="other-taint"),
        pytest.param(node("n"), LB_POOL, False, id="label-missing"),
        pytest.param(node("n", labels={"pool": "apps"}), LB_POOL, False, id="label-differs"),
        pytest.param(
            node("n", labels={"pool": "lb"}), {"pool": "lb", "zone": "a"}, False, id="partial"
        ),
        pytest.param(node("n", labels={"pool": ""}), {"pool": LABEL_PRESENT}, True, id="present"),
        pytest.param(node("n"), {"pool": LABEL_PRESENT}, False, id="absent"),
    ],
)
def test_eligible(candidate: Node, selector: dict[str, str], expected: bool) -> None:
    assert eligible(candidate, selector) is expected


def test_readiness_is_not_used() -> None:
    # KEP-3458: a NotReady node stays a backend; the load balancer's health check decides.
    not_ready = node_from_json(
        {
            "metadata": {"name": "n"},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]},
        }
    )
    assert eligible(not_ready, {}) is True


def test_eligible_nodes_filters_and_sorts_by_name() -> None:
    nodes = [node("c"), node("a", deleting=True), node("b"), node("aa")]
    assert [n.name for n in eligible_nodes(nodes, {})] == ["aa", "b", "c"]


BASE = node("n", labels=LB_POOL)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(None, BASE, True, id="added"),
        pytest.param(BASE, None, True, id="removed"),
        pytest.param(BASE, node("n", labels=LB_POOL), False, id="unchanged"),
        pytest.param(BASE, node("n", labels={"pool": "apps"}), True, id="labels"),
        pytest.param(BASE, node("n", labels=LB_POOL, taints=("t",)), True, id="taints"),
        pytest.param(BASE, node("n", labels=LB_POOL, ip="10.9.9.9"), True, id="address"),
        pytest.param(BASE, node("n", labels=LB_POOL, deleting=True), True, id="deleting"),
        pytest.param(
            BASE, dataclasses.replace(BASE, provider_id="aws:///x/i-new"), True, id="provider-id"
        ),
    ],
)
def test_backend_relevant(old: Node | None, new: Node | None, expected: bool) -> None:
    assert backend_relevant(old, new) is expected
