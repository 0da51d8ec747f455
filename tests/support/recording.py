"""A provider for tests that records every call and keeps its 'cloud' in memory or in a file.

It implements lbcontroller.provider.Provider faithfully (idempotent verbs, absent-is-success
delete), so the controller can be tested against the real API server without a cloud. With a
state file its cloud outlives the process (for the SIGKILL/restart and leader tests), and every
write names the identity of the process that made it.
"""

from __future__ import annotations

import fcntl
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lbcontroller import annotations as ann
from lbcontroller.errors import Unsupported
from lbcontroller.model import Ingress
from lbcontroller.provider import LoadBalancerStatus, OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec

NODE_LABELS = "test.lbcontroller.io/node-labels"
SIZE = "test.lbcontroller.io/size"
INTERNAL = "test.lbcontroller.io/internal"


@dataclass(frozen=True)
class RecOptions:
    """Options parsed from the test annotations."""

    internal: bool
    node_labels: Mapping[str, str]
    size: int | None


def _describe(spec: LoadBalancerSpec[Any]) -> dict[str, Any]:
    return {
        "listeners": [[x.protocol, x.port, x.node_port] for x in spec.listeners],
        "health": [spec.health_check.protocol, spec.health_check.port, spec.health_check.path],
        "ranges": list(spec.source_ranges),
        "size": spec.options.size,
        "internal": spec.internal,
    }


@dataclass
class RecordingProvider:
    """Records calls; 'writes' lists only the calls that changed its cloud."""

    name: str = "rec"
    needs_node_ports: ClassVar[bool] = True
    state_file: Path | None = None
    identity: str = "test"
    slow_create: float = 0.0
    slow_request: float = 0.0  # seconds an ensure takes before it reaches the cloud
    before_call: Callable[[str, str], None] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    _memory: dict[str, Any] = field(default_factory=lambda: {"lbs": {}, "writes": []})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def _cloud(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            if self.state_file is None:
                yield self._memory
                return
            with self.state_file.with_suffix(".lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                data = (
                    json.loads(self.state_file.read_text())
                    if self.state_file.exists()
                    else {"lbs": {}, "writes": []}
                )
                yield data
                tmp = self.state_file.with_suffix(".tmp")
                tmp.write_text(json.dumps(data))
                tmp.replace(self.state_file)

    def _call(self, verb: str, lb: str) -> None:
        self.calls.append((verb, lb))
        if self.before_call is not None:
            self.before_call(verb, lb)

    def snapshot(self) -> dict[str, Any]:
        """A copy of the cloud: `lbs` by name and the list of `writes`."""
        with self._cloud() as data:
            return json.loads(json.dumps(data))  # type: ignore[no-any-return]

    def writes(self) -> list[tuple[str, str]]:
        """(verb, load balancer) of every write so far."""
        return [(w["verb"], w["lb"]) for w in self.snapshot()["writes"]]

    def parse_options(self, annotations: Mapping[str, str]) -> RecOptions:
        """The test annotations, with the real annotation helpers."""
        return RecOptions(
            internal=ann.get_bool(annotations, INTERNAL),
            node_labels=ann.get_map(annotations, NODE_LABELS),
            size=ann.get_int(annotations, SIZE, default=None, low=1, high=10),
        )

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse SCTP, like most clouds."""
        for listener in spec.listeners:
            if listener.protocol == "SCTP":
                raise Unsupported("SCTP is not supported", field="spec.ports")

    def _write(self, data: dict[str, Any], verb: str, lb: str) -> None:
        data["writes"].append({"verb": verb, "lb": lb, "by": self.identity, "at": time.time()})

    @staticmethod
    def _diff(data: dict[str, Any], spec: LoadBalancerSpec[Any]) -> list[str]:
        """The writes ensure(spec) needs against the recorded cloud."""
        lb = data["lbs"].get(spec.ref.name)
        if lb is None:
            return ["create"]
        verbs = []
        if lb["front"] != _describe(spec):
            verbs.append("update")
        if lb["backends"] != [b.node for b in spec.backends]:
            verbs.append("backends")
        return verbs

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """What ensure would write now."""
        self._call("plan", spec.ref.name)
        with self._cloud() as data:
            verbs = self._diff(data, spec)
        return [
            PlannedChange(
                action="create" if v == "create" else "update",
                kind="load-balancer",
                name=spec.ref.name,
                operation=v,
            )
            for v in verbs
        ]

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """What ensure_deleted would write now."""
        self._call("plan_delete", ref.name)
        with self._cloud() as data:
            present = ref.name in data["lbs"]
        return (
            [
                PlannedChange(
                    action="delete", kind="load-balancer", name=ref.name, operation="delete"
                )
            ]
            if present
            else []
        )

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create or converge; a converged LB costs no write. A slow create returns late; a
        slow request lands late."""
        name = spec.ref.name
        self._call("verify" if verify else "ensure", name)
        time.sleep(self.slow_request)
        with self._cloud() as data:
            verbs = self._diff(data, spec)
            if "create" in verbs:
                data["lbs"][name] = {
                    "ip": f"192.0.2.{len(data['lbs']) + 1}",
                    "service": spec.ref.service_key,
                    "cluster": spec.ref.cluster,
                }
            lb = data["lbs"][name]
            lb["front"], lb["backends"] = _describe(spec), [b.node for b in spec.backends]
            for verb in verbs:
                self._write(data, verb, name)
        if "create" in verbs and self.slow_create:
            time.sleep(self.slow_create)  # the cloud has it; the caller does not know yet
        return LoadBalancerStatus(ingress=_addresses(lb["ip"], spec.ip_families))

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """Only the backends (`previous` unused: the file is read anyway)."""
        name = spec.ref.name
        self._call("update_backends", name)
        backends = [b.node for b in spec.backends]
        with self._cloud() as data:
            lb = data["lbs"][name]
            if lb["backends"] != backends:
                lb["backends"] = backends
                self._write(data, "backends", name)

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Absent is success."""
        self._call("ensure_deleted", ref.name)
        with self._cloud() as data:
            if data["lbs"].pop(ref.name, None) is not None:
                self._write(data, "delete", ref.name)

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every LB in the recorded cloud."""
        with self._cloud() as data:
            return [
                OwnedLoadBalancer(
                    ref=LoadBalancerRef(
                        cluster=lb["cluster"],
                        namespace=lb["service"].split("/")[0],
                        service=lb["service"].split("/")[1],
                        name=name,
                    ),
                    cloud_id=name,
                )
                for name, lb in data["lbs"].items()
            ]


def _addresses(ip: str, families: tuple[str, ...]) -> tuple[Ingress, ...]:
    """A VIP of each family the Service has, IPv4 first whatever its order (as a cloud's API
    answers: the core orders the status)."""
    v6 = f"2001:db8::{ip.rsplit('.', 1)[1]}"
    return tuple(
        Ingress(ip=address, ip_mode="VIP")
        for address, family in ((ip, "IPv4"), (v6, "IPv6"))
        if family in families
    )
