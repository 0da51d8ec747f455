"""The fake's whole state behind one lock: resources, operations, call log, faults, IPs."""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .errors import JSON, not_found
from .faults import Faults
from .ipam import Ipam
from .links import Links, Ref

if TYPE_CHECKING:
    from .ops import OpRecord

BucketKey = tuple[str, str, str]


def public(resource: JSON) -> JSON:
    """A deep copy without the fake's private bookkeeping keys (those starting with "_")."""
    return {k: copy.deepcopy(v) for k, v in resource.items() if not k.startswith("_")}


class State:
    """Everything the fake knows. Callers hold `lock` around every read and change."""

    def __init__(self, base_url: str, op_delay: float) -> None:
        self.lock = threading.RLock()
        self.links = Links(base_url)
        self.initial_op_delay = op_delay
        self._rng = random.Random()  # noqa: S311 - identifiers, not secrets
        self.reset()

    def reset(self) -> None:
        """Forget everything (configuration goes back to the command-line values)."""
        self.buckets: dict[BucketKey, dict[str, JSON]] = {}
        self.ops: dict[BucketKey, OpRecord] = {}
        self.request_ids: dict[str, BucketKey] = {}
        self.calls: list[JSON] = []
        self.faults = Faults()
        self.ipam = Ipam()
        self.op_delay = self.initial_op_delay
        self.wait_cap = 120.0

    def new_id(self) -> str:
        """A decimal uint64 identifier, as Compute uses for id and targetId."""
        return str(self._rng.randrange(10**18, 2**64))

    def hex(self, digits: int) -> str:
        """Random lower-case hex digits (operation names)."""
        return f"{self._rng.getrandbits(4 * digits):0{digits}x}"

    @staticmethod
    def timestamp(at: float | None = None) -> str:
        """An RFC 3339 timestamp with milliseconds."""
        moment = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
        return moment.isoformat(timespec="milliseconds")

    def bucket(self, project: str, scope: str, collection: str) -> dict[str, JSON]:
        """The resources of one collection in one project and scope, by name."""
        return self.buckets.setdefault((project, scope, collection), {})

    def get(self, ref: Ref) -> JSON | None:
        """The stored resource (not a copy), or None."""
        return self.buckets.get((ref.project, ref.scope, ref.collection), {}).get(ref.name)

    def require(self, ref: Ref) -> JSON:
        """The stored resource, or 404 notFound."""
        found = self.get(ref)
        if found is None:
            raise not_found(ref.path)
        return found

    def put(self, ref: Ref, resource: JSON) -> None:
        """Store (or replace) a resource."""
        self.bucket(ref.project, ref.scope, ref.collection)[ref.name] = resource

    def drop(self, ref: Ref) -> None:
        """Remove a resource."""
        self.buckets.get((ref.project, ref.scope, ref.collection), {}).pop(ref.name, None)

    def each(self, collection: str) -> Iterator[tuple[Ref, JSON]]:
        """Every stored resource of a collection, in every project and scope."""
        for (project, scope, kind), items in self.buckets.items():
            if kind == collection:
                for name, resource in items.items():
                    yield Ref(project, scope, kind, name), resource
