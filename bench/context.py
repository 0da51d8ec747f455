"""What every scenario is handed: the size, the servers, the cloud worlds and the Nodes.

Where it sits: the runner builds one `Bench` inside the environment and passes it to each
scenario. It owns the stage-level chores: resetting and re-seeding moto (the peer's region
first, so that moto's seeded generator gives its instances the same ids each time: the Nodes
carry them), starting an in-process controller for the controller's world, and clearing a
stage's Services. The counting proxy (`bench.peer.Proxy`) stands in front of moto for the peer
scenario only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes.client import Configuration

from bench.env import reset_moto
from bench.inproc import InProcessController, config
from bench.kubeobjs import NodePool, delete_services, new_namespace, use_instances
from bench.peer import PeerWorld, Proxy, seed_peer
from bench.sizes import Size
from bench.world import BASELINE_REGION, CONTROLLER_REGION, World, seed
from lbcontroller.kube import KubeClient


@dataclass
class Bench:
    """The run's shared state."""

    size: Size
    kube_config: Configuration
    kubeconfig: str
    kube: KubeClient
    moto: str
    work: Path
    nodes: NodePool
    proxy: Proxy
    peer_instances: int  # moto instances made in the peer's region (the first Nodes' ids)
    namespaces: list[str] = field(default_factory=list)
    _ctl_world: World | None = None
    _base_world: World | None = None
    _peer_world: PeerWorld | None = None
    _started: float = field(default_factory=time.monotonic)

    def say(self, message: str) -> None:
        """One progress line on stdout."""
        print(f"[{time.monotonic() - self._started:7.1f} s] {message}", flush=True)

    @property
    def ctl_world(self) -> World:
        """The controller's region, seeded."""
        if self._ctl_world is None:
            self.reset_cloud()
        assert self._ctl_world is not None
        return self._ctl_world

    @property
    def base_world(self) -> World:
        """The baseline's region, seeded."""
        if self._base_world is None:
            self.reset_cloud()
        assert self._base_world is not None
        return self._base_world

    @property
    def peer_world(self) -> World:
        """The peer's region, seeded, reached through the proxy (by both controllers)."""
        if self._peer_world is None:
            self.reset_cloud()
        assert self._peer_world is not None
        return self._peer_world.world

    def reset_cloud(self) -> None:
        """Empty moto and seed the three regions again."""
        if self._peer_world is None:  # moto's first use of a region draws on its generator
            reset_moto(self.moto)
            seed_peer(self.moto, self.proxy.url, self.peer_instances)
        reset_moto(self.moto)
        self._peer_world = seed_peer(self.moto, self.proxy.url, self.peer_instances)
        use_instances(self._peer_world.instances)
        self._ctl_world = seed(self.moto, CONTROLLER_REGION)
        self._base_world = seed(self.moto, BASELINE_REGION)

    def controller(self, *, node_group: bool) -> InProcessController:
        """A started controller for the controller's world."""
        settings = config(self.ctl_world, node_group=node_group, workers=self.size.workers)
        ctl = InProcessController(self.kube_config, settings)
        ctl.start()
        return ctl

    def namespace(self, prefix: str) -> str:
        """A fresh namespace, remembered for `clear_services`."""
        name = new_namespace(self.kube, prefix)
        self.namespaces.append(name)
        return name

    def clear_services(self) -> None:
        """Delete the Services of every namespace used so far (no controller may run)."""
        for namespace in self.namespaces:
            delete_services(self.kube, namespace, self.size.kube_threads)
        self.namespaces.clear()
