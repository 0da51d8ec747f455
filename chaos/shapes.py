"""What a chaos Service asks for (its shape), how it is first drawn, and how it may change.

Where it sits: the schedule (`chaos.schedule`) draws shapes and changes with its seeded
generator; the workload (`chaos.workload`) turns them into Service bodies and merge patches
for the real API server. Everything here is pure. The invariant checker does not read shapes:
it derives what it expects from the Services the API server holds at the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chaos.settings import AWS_CLASS, AWS_OPEN_CLASS, AWS_RULED_SHARE, GCP_CLASS

AWS_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
AWS_INTERVAL = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"
GCP_TYPE = "networking.gke.io/load-balancer-type"
EXPECT = "chaos.lbcontroller.io/expect"  # "refused": a name taken by a decoy
RANGES = ("198.51.100.0/24", "203.0.113.0/24")
MAX_PORTS = 4


@dataclass(frozen=True, slots=True, order=True)
class Port:
    """One Service port."""

    port: int
    protocol: str

    @property
    def name(self) -> str:
        """The port's name, e.g. tcp-80."""
        return f"{self.protocol.lower()}-{self.port}"


@dataclass(frozen=True, slots=True)
class Shape:
    """A Service's load-balancer-relevant spec; `cloud` None means type ClusterIP."""

    cloud: str | None  # aws, gcp or None
    variant: str  # aws: nlb or classic; gcp: external or internal; "" for ClusterIP
    ports: tuple[Port, ...]
    ranges: tuple[str, ...] = ()
    local: bool = False  # externalTrafficPolicy: Local
    interval: int | None = None  # AWS health-check interval annotation
    refused: bool = False  # expected to be refused (its name is taken by a decoy)
    ruled: bool = True  # AWS: served by the provider that opens the nodes' security group

    @property
    def lb_class(self) -> str | None:
        """The loadBalancerClass (None for ClusterIP)."""
        if self.cloud == "aws":
            return AWS_CLASS if self.ruled else AWS_OPEN_CLASS
        return GCP_CLASS if self.cloud == "gcp" else None

    def annotations(self) -> dict[str, str]:
        """The annotations this shape sets."""
        out: dict[str, str] = {}
        if self.cloud == "aws" and self.variant == "classic":
            out[AWS_TYPE] = "classic"
        if self.cloud == "aws" and self.interval is not None:
            out[AWS_INTERVAL] = str(self.interval)
        if self.cloud == "gcp" and self.variant == "internal":
            out[GCP_TYPE] = "Internal"
        if self.refused:
            out[EXPECT] = "refused"
        return out

    def spec(self) -> dict[str, Any]:
        """The `spec` fields this shape sets."""
        ports = [{"name": p.name, "port": p.port, "protocol": p.protocol} for p in self.ports]
        if self.cloud is None:
            return {"type": "ClusterIP", "ports": ports}
        spec: dict[str, Any] = {
            "type": "LoadBalancer",
            "loadBalancerClass": self.lb_class,
            "ports": ports,
            "externalTrafficPolicy": "Local" if self.local else "Cluster",
        }
        if self.ranges:
            spec["loadBalancerSourceRanges"] = list(self.ranges)
        return spec


def body(name: str, shape: Shape) -> dict[str, Any]:
    """The Service to POST."""
    return {"metadata": {"name": name, "annotations": shape.annotations()}, "spec": shape.spec()}


def patches(old: Shape, new: Shape) -> list[dict[str, Any]]:
    """The merge patches that take a Service from `old` to `new`, in order.

    loadBalancerClass cannot change once set, so a move to the other cloud goes through
    type ClusterIP (which drops the class, the NodePorts and the traffic policy).
    """
    out = []
    if old.cloud is not None and new.cloud is not None and old.lb_class != new.lb_class:
        out.append(patches(old, replace(new, cloud=None, variant=""))[0])
        old = replace(new, cloud=None, variant="")
    gone = {key: None for key in old.annotations() if key not in new.annotations()}
    spec: dict[str, Any] = new.spec()
    if new.cloud is None or (old.ranges and not new.ranges):
        spec["loadBalancerSourceRanges"] = None
    out.append({"metadata": {"annotations": {**gone, **new.annotations()}}, "spec": spec})
    return out


AWS_START = (
    (50, Shape("aws", "nlb", (Port(80, "TCP"),))),
    (20, Shape("aws", "nlb", (Port(80, "TCP"), Port(443, "TCP")))),
    (10, Shape("aws", "nlb", (Port(53, "UDP"), Port(80, "TCP")))),
    (20, Shape("aws", "classic", (Port(80, "TCP"),))),
)
GCP_START = (
    (45, Shape("gcp", "external", (Port(80, "TCP"),))),
    (20, Shape("gcp", "external", (Port(53, "UDP"), Port(80, "TCP")))),
    (20, Shape("gcp", "internal", (Port(80, "TCP"),))),
    (15, Shape("gcp", "external", (Port(80, "TCP"), Port(443, "TCP")), ranges=RANGES)),
)


def draw(cloud: str, rng: random.Random) -> Shape:
    """A new Service's shape on `cloud`; one in five starts with externalTrafficPolicy Local."""
    table = AWS_START if cloud == "aws" else GCP_START
    shape = rng.choices([s for _, s in table], weights=[w for w, _ in table])[0]
    ruled = cloud != "aws" or rng.random() < AWS_RULED_SHARE
    return replace(shape, local=rng.random() < 0.2, ruled=ruled)


def _tcp_only(shape: Shape) -> bool:
    return all(p.protocol == "TCP" for p in shape.ports)


def _add_port(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud is None or len(shape.ports) >= MAX_PORTS:
        return None
    used = {p.port for p in shape.ports}
    port = next(p for p in range(8080 + rng.randrange(20), 9000) if p not in used)
    return replace(shape, ports=tuple(sorted((*shape.ports, Port(port, "TCP")))))


def _drop_port(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud is None or len(shape.ports) < 2:
        return None
    gone = rng.randrange(len(shape.ports))
    return replace(shape, ports=tuple(p for i, p in enumerate(shape.ports) if i != gone))


def _ranges(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud is None:
        return None
    return replace(shape, ranges=() if shape.ranges else RANGES[: 1 + rng.randrange(2)])


def _traffic_policy(shape: Shape, rng: random.Random) -> Shape | None:
    return None if shape.cloud is None else replace(shape, local=not shape.local)


def _interval(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud != "aws":
        return None
    return replace(shape, interval=rng.choice([v for v in (10, 20, 30) if v != shape.interval]))


def _aws_kind(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud != "aws" or not _tcp_only(shape):
        return None
    return replace(shape, variant="classic" if shape.variant == "nlb" else "nlb")


def _gcp_scheme(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud != "gcp":
        return None
    return replace(shape, variant="internal" if shape.variant == "external" else "external")


def _to_cluster_ip(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud is None:
        return None
    return replace(shape, cloud=None, variant="", ranges=(), local=False, interval=None, ruled=True)


def _move(shape: Shape, rng: random.Random) -> Shape | None:
    """To the other cloud, or (AWS) to the other AWS provider entry."""
    if shape.cloud is None or not _tcp_only(shape):
        return None
    if shape.cloud == "aws" and rng.random() < 0.5:
        return replace(shape, ruled=not shape.ruled and rng.random() < AWS_RULED_SHARE * 2)
    if shape.cloud == "aws":
        return replace(shape, cloud="gcp", variant="external", interval=None, ruled=True)
    ruled = rng.random() < AWS_RULED_SHARE
    return replace(shape, cloud="aws", variant="nlb", ruled=ruled)


def _back(shape: Shape, rng: random.Random) -> Shape | None:
    if shape.cloud is not None:
        return None
    cloud = rng.choice(("aws", "gcp"))
    ruled = cloud != "aws" or rng.random() < AWS_RULED_SHARE
    return replace(shape, cloud=cloud, variant="nlb" if cloud == "aws" else "external", ruled=ruled)


Change = Callable[[Shape, random.Random], Shape | None]
CHANGES: dict[str, tuple[int, Change]] = {
    "add-port": (14, _add_port),
    "drop-port": (10, _drop_port),
    "source-ranges": (12, _ranges),
    "traffic-policy": (12, _traffic_policy),
    "health-interval": (8, _interval),
    "nlb-classic-switch": (10, _aws_kind),
    "gcp-scheme-switch": (8, _gcp_scheme),
    "to-cluster-ip": (6, _to_cluster_ip),
    "move-cloud": (8, _move),
    "back-to-load-balancer": (12, _back),
}


def change(shape: Shape, rng: random.Random) -> tuple[str, Shape] | None:
    """A random applicable change of `shape`: its name and the new shape (None: none fits)."""
    fits = [(name, new) for name, (_, fn) in CHANGES.items() if (new := fn(shape, rng)) != shape]
    fits = [(name, new) for name, new in fits if new is not None]
    if not fits:
        return None
    name, new = rng.choices(fits, weights=[CHANGES[name][0] for name, _ in fits])[0]
    assert new is not None
    return name, new
