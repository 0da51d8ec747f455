"""The committed docs/conformance.md against the suite, with no server: it must list every
upstream test the suite ports, by its upstream name, with an outcome on every cloud and no
failure; and every case must port a test `upstream.py` names (so neither side drifts).
"""

from __future__ import annotations

import importlib
import re

from .outcomes import CLOUDS, FAILS, NOT_APPLICABLE, PASSES, REFUSED
from .render import DOC, NOT_RUN
from .upstream import NAMES, TESTS

MODULES = ("tests.conformance.test_loadbalancers", "tests.conformance.test_esipp")
OUTCOME = re.compile(rf"^({PASSES}|{REFUSED}|{NOT_APPLICABLE})( \[(\d+)\])?$")


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == len(CLOUDS) + 1:
            rows[cells[0].split(" (at `")[0]] = cells[1:]
    return rows


def test_the_doc_lists_every_ported_test_on_every_cloud() -> None:
    rows = _rows()
    assert set(NAMES) <= set(rows), sorted(set(NAMES) - set(rows))
    for name in NAMES:
        for cloud, cell in zip(CLOUDS, rows[name], strict=True):
            assert cell not in (FAILS, NOT_RUN), f"{name} on {cloud}: {cell}"
            assert OUTCOME.match(cell), f"{name} on {cloud}: {cell!r}"


def test_every_refusal_and_non_applicability_gives_its_reason() -> None:
    text = DOC.read_text()
    numbers = {int(n) for n in re.findall(r"(?:by design|applicable) \[(\d+)\]", text)}
    listed = {int(n) for n in re.findall(r"^(\d+)\. \S", text, flags=re.MULTILINE)}
    assert numbers <= listed


def test_every_case_ports_a_named_test_and_every_name_has_a_case() -> None:
    ported = set()
    for module in MODULES:
        for value in vars(importlib.import_module(module)).values():
            if callable(value) and getattr(value, "__name__", "").startswith("test_"):
                assert hasattr(value, "upstream"), (
                    f"{module}.{value.__name__} names no upstream test"
                )
                ported.add(value.upstream)
    assert ported == set(NAMES)
    assert len(NAMES) == len(TESTS)  # no name twice
