"""Services and Nodes as a real cluster has them, posted to the API server in bulk.

Where it sits: scenarios create their Services and Nodes through these helpers (threads, at
most `Size.kube_threads` at once) and clean them up between stages. Nodes are POSTed with their
status (Ready, addresses, capacity, nodeInfo) since there is no kubelet; they carry no image
list, so the client models baseline is, if anything, smaller than in a real cluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lbcontroller.kube import JSON, KubeClient, NotFound

T = TypeVar("T")
R = TypeVar("R")
SERVED_CLASS = "bench.lbcontroller.io/aws"
UNSERVED_CLASS = "bench.example/elsewhere"
NODE_LABEL = "bench.lbcontroller.io/node"
PORTS = ({"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443})


def bulk(fn: Callable[[T], R], items: Iterable[T], threads: int) -> list[R]:
    """`fn` over `items` on `threads` threads, in order; the first failure is raised."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, items))


def new_namespace(kube: KubeClient, prefix: str) -> str:
    """A fresh namespace (namespaces are never reused: without a namespace controller a
    deleted one stays Terminating)."""
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": name}})
    return name


def service_body(
    name: str, *, lb_class: str | None, node_ports: bool = True, annotations: JSON | None = None
) -> JSON:
    """A 2-port `type: LoadBalancer` Service with the labels and selector an app has
    (`lb_class` None: class-less, as the upstream manager serves)."""
    spec: JSON = {
        "type": "LoadBalancer",
        "selector": {"app": name},
        "ports": [{**p, "protocol": "TCP"} for p in PORTS],
        "externalTrafficPolicy": "Cluster",
    }
    if lb_class is not None:
        spec["loadBalancerClass"] = lb_class
    if not node_ports:
        spec["allocateLoadBalancerNodePorts"] = False
    return {
        "metadata": {
            "name": name,
            "labels": {"app": name, "app.kubernetes.io/part-of": "bench", "tier": "web"},
            "annotations": {"bench.lbcontroller.io/owner": "team-a", **(annotations or {})},
        },
        "spec": spec,
    }


def create_service(kube: KubeClient, namespace: str, body: JSON) -> JSON:
    """POST one Service."""
    return kube.request("POST", f"/api/v1/namespaces/{namespace}/services", body=body)


def node_ports(service: JSON) -> tuple[int, ...]:
    """The NodePorts the API server allocated, in port order."""
    return tuple(int(p["nodePort"]) for p in service["spec"]["ports"])


def delete_services(kube: KubeClient, namespace: str, threads: int) -> int:
    """Delete every Service of `namespace`, finalizers stripped first (no controller runs)."""
    items, _ = kube.list(f"/api/v1/namespaces/{namespace}/services")

    def drop(item: JSON) -> None:
        name = item["metadata"]["name"]
        try:
            if item["metadata"].get("finalizers"):
                kube.patch_service(namespace, name, {"metadata": {"finalizers": None}})
            kube.request("DELETE", f"/api/v1/namespaces/{namespace}/services/{name}")
        except NotFound:
            pass

    bulk(drop, items, threads)
    return len(items)


def delete_leftovers(kube: KubeClient, threads: int) -> int:
    """Delete every bench Service in the cluster (a reused environment's last run)."""
    found = kube.request(
        "GET", "/api/v1/services", query={"labelSelector": "app.kubernetes.io/part-of=bench"}
    )
    items = found.get("items") or []

    def drop(item: JSON) -> None:
        meta = item["metadata"]
        path = f"/api/v1/namespaces/{meta['namespace']}/services/{meta['name']}"
        try:
            if meta.get("finalizers"):
                kube.patch_service(
                    meta["namespace"], meta["name"], {"metadata": {"finalizers": None}}
                )
            kube.request("DELETE", path)
        except NotFound:
            pass

    bulk(drop, items, threads)
    return len(items)


_MOTO_INSTANCES: list[str] = []  # the peer's moto instances, node i has the i-th id


def use_instances(ids: Iterable[str]) -> None:
    """Give the first Nodes these instances' ids (the peer's, made in moto by `bench.peer`);
    once given, the same ids must come back (Nodes keep their providerID)."""
    given = list(ids)
    if _MOTO_INSTANCES and given != _MOTO_INSTANCES:
        raise RuntimeError("moto made other instance ids than the Nodes carry (seeded moto?)")
    _MOTO_INSTANCES[:] = given


def instance_id(index: int) -> str:
    """The id of node `index`: the peer's moto instance, else an instance-shaped id never
    created in moto (see `bench.world`)."""
    if index < len(_MOTO_INSTANCES):
        return _MOTO_INSTANCES[index]
    return f"i-{index + 0xB0000:017x}"


def node_name(index: int) -> str:
    """The name of node `index`."""
    return f"bench-node-{index:05d}"


def node_body(index: int, region: str) -> JSON:
    """A Ready Node with an AWS providerID, addresses, capacity and nodeInfo."""
    name, zone = node_name(index), f"{region}{'ab'[index % 2]}"
    ip = f"10.0.{1 + index // 250}.{4 + index % 250}"
    condition = {"lastHeartbeatTime": "2026-01-01T00:00:00Z"}
    condition["lastTransitionTime"] = "2026-01-01T00:00:00Z"
    conditions = [
        {**condition, "type": kind, "status": "False", "reason": f"Kubelet{reason}"}
        for kind, reason in (
            ("MemoryPressure", "HasSufficientMemory"),
            ("DiskPressure", "HasNoDiskPressure"),
            ("PIDPressure", "HasSufficientPID"),
        )
    ]
    conditions.append({**condition, "type": "Ready", "status": "True", "reason": "KubeletReady"})
    resources = {"cpu": "2", "memory": "7868Mi", "pods": "29", "ephemeral-storage": "80Gi"}
    return {
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "m5.large",
                "topology.kubernetes.io/region": region,
                "topology.kubernetes.io/zone": zone,
                NODE_LABEL: "true",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"providerID": f"aws:///{zone}/{instance_id(index)}"},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
                {"type": "InternalDNS", "address": f"{name}.ec2.internal"},
            ],
            "conditions": conditions,
            "capacity": resources,
            "allocatable": resources,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023",
                "kernelVersion": "6.1.0",
                "containerRuntimeVersion": "containerd://1.7.0",
                "kubeletVersion": "v1.37.2",
                "kubeProxyVersion": "v1.37.2",
                "machineID": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex,
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_OID, name)),
            },
        },
    }


class NodePool:
    """The bench's Nodes: indices 0..n-1 exist (less the removed ones), only ever grown."""

    def __init__(self, kube: KubeClient, *, region: str, threads: int) -> None:
        self._kube = kube
        self._region = region
        self._threads = threads
        self.present: set[int] = set()
        self._next = 0

    def _create(self, index: int) -> None:
        self._kube.request("POST", "/api/v1/nodes", body=node_body(index, self._region))

    def grow_to(self, count: int) -> None:
        """Create nodes until `count` exist."""
        missing = count - len(self.present)
        indices = list(range(self._next, self._next + max(0, missing)))
        bulk(self._create, indices, self._threads)
        self.present.update(indices)
        self._next += len(indices)

    def add_one(self) -> int:
        """Create one more node; its index."""
        index = self._next
        self._create(index)
        self.present.add(index)
        self._next += 1
        return index

    def remove(self, index: int) -> None:
        """Delete node `index`."""
        self._kube.request("DELETE", f"/api/v1/nodes/{node_name(index)}")
        self.present.discard(index)

    def instances(self) -> list[str]:
        """The instance ids of the present nodes, sorted."""
        return sorted(instance_id(i) for i in self.present)

    def delete_all(self) -> None:
        """Delete every bench node (one delete-collection call)."""
        self._kube.request("DELETE", "/api/v1/nodes", query={"labelSelector": f"{NODE_LABEL}=true"})
        self.present.clear()
