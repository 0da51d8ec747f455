"""The shared builders under their old name, for the per-cloud tests that still import them
from here (tests/openstack/support.py); new tests import `tests.support.builders`."""

from __future__ import annotations

from tests.support.builders import HTTP, node, service

__all__ = ["HTTP", "node", "service"]
