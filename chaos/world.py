"""The chaos run's world: its own local environment, the clouds' seeds, proxies and configs.

Where it sits: the runner (`chaos.run`) calls `bring_up` first and `tear_down` last. The
environment (etcd, kube-apiserver, moto, the GCE fake) comes from `devenv.env` in the run's
own state folder (`.devenv/chaos` by default), fresh every run. Each cloud is seeded as the
demo seeds it (a VPC, subnets, a nodes' security group and three instances; three GCE
instances in two zones) and the matching Nodes are registered; decoys are planted
(`chaos.decoys`); one fault proxy per replica and cloud stands between the controller and the
stand-in (so the proxies' logs say which replica wrote what); one config file per replica
points its providers at its proxies.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from chaos import decoys
from chaos.decoys import Decoys
from chaos.settings import (
    AWS_CLASS,
    AWS_OPEN_CLASS,
    AWS_OPEN_PROVIDER,
    AWS_PROVIDER,
    CLUSTER,
    GCP_CLASS,
    GCP_PROVIDER,
    LEASE_DURATION,
    LEASE_NAME,
    LEASE_NAMESPACE,
    NAMESPACE_PREFIX,
    SLOTS,
    Size,
)
from devenv.aws import AWS_ENV
from devenv.demo_clouds import PROJECT, REGION, AwsSeed, GceSeed, seed_aws, seed_gce
from devenv.env import down, up
from devenv.faults.client import FaultAdmin, start_proxy
from devenv.procs import Proc, free_port, stop
from devenv.state import EnvState
from lbcontroller.kube import KubeClient, load_configuration

COMPONENTS = "kube,moto,gcefake"
KINDS = {"throttle": 3, "error": 3, "timeout": 1, "drop_before": 1, "drop_after": 2}
# moto's CreateLoadBalancer and CreateListener are not idempotent (AWS's are: the same call
# again returns the same load balancer or listener), so a reply lost after moto acted would
# test moto, not us: those two never get `drop_after` unless --drop-after-everywhere.
NOT_IDEMPOTENT_IN_MOTO = ("elbv2:CreateLoadBalancer", "elbv2:CreateListener")


@dataclass(frozen=True)
class Proxy:
    """One fault proxy: between replica `slot` and `cloud`."""

    slot: str
    cloud: str  # aws or gce
    proc: Proc
    url: str

    @property
    def admin(self) -> FaultAdmin:
        """Its admin endpoint."""
        return FaultAdmin(self.url)


@dataclass
class World:
    """Everything the run set up."""

    folder: Path
    state: EnvState
    kube: KubeClient
    moto: str
    gce: str
    aws: AwsSeed
    gce_seed: GceSeed
    vpc_id: str
    decoys: Decoys
    baseline: dict[str, Any]
    proxies: list[Proxy] = field(default_factory=list)
    configs: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, int] = field(default_factory=dict)

    @property
    def kubeconfig(self) -> str:
        """The admin kubeconfig."""
        return self.state.env["KUBECONFIG"]

    def client(self, service: str) -> Any:
        """A boto3 client straight to moto (no proxy)."""
        return _direct(service, self.moto)

    def save(self) -> None:
        """Record the processes (so `make env-down` with this folder stops them all)."""
        self.state.save(self.folder)

    def aws_instances(self) -> frozenset[str]:
        """The instance ids behind every AWS load balancer."""
        return frozenset(pid.rsplit("/", 1)[-1] for _, pid, _ in self.aws.nodes)

    def gce_members(self) -> dict[str, frozenset[str]]:
        """The instances in each zone's group."""
        out: dict[str, set[str]] = {}
        for name, pid, _ in self.gce_seed.nodes:
            out.setdefault(pid.split("/")[-2], set()).add(name)
        return {zone: frozenset(names) for zone, names in out.items()}


def _direct(service: str, endpoint: str) -> Any:
    session: Any = boto3.session.Session(region_name=AWS_ENV["AWS_REGION"])
    return session.client(service, endpoint_url=endpoint)


def _nodes(kube: KubeClient, aws: AwsSeed, gce: GceSeed) -> None:
    machines = [("aws", *n) for n in aws.nodes] + [("gcp", *n) for n in gce.nodes]
    for cloud, name, provider_id, ip in machines:
        body = {
            "metadata": {"name": name, "labels": {"lbcontroller.io/cloud": cloud}},
            "spec": {"providerID": provider_id},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
        }
        kube.request("POST", "/api/v1/nodes", body=body)


def fault_spec(cloud: str, *, rate: float, seed: int, everywhere: bool) -> dict[str, Any]:
    """The proxies' fault configuration for the run."""
    ops: dict[str, Any] = {}
    if cloud == "aws" and not everywhere:
        kinds = {k: v for k, v in KINDS.items() if k != "drop_after"}
        ops = {name: {"kinds": kinds} for name in NOT_IDEMPOTENT_IN_MOTO}
    return {"rate": rate, "kinds": KINDS, "operations": ops, "seed": seed, "timeout_seconds": 2.0}


def _provider_configs(world: World, slot: str, size: Size) -> list[dict[str, Any]]:
    urls = {p.cloud: p.url for p in world.proxies if p.slot == slot}
    if slot == "check":
        urls = {"aws": world.moto, "gce": world.gce}
    fast = {"qps": 20, "burst": 40}
    aws = {
        "type": "aws",
        "region": AWS_ENV["AWS_REGION"],
        "endpoint": urls["aws"],
        "subnets": world.aws.subnets,
        "nodeSelector": {"lbcontroller.io/cloud": "aws"},
        "rateLimits": {"describe": {"qps": 100, "burst": 200}, "register": fast} | {"modify": fast},
    }
    return [
        {
            "name": AWS_PROVIDER,
            "classes": [AWS_CLASS],
            "nodeSecurityGroup": world.aws.node_group,
            **aws,
        },
        {"name": AWS_OPEN_PROVIDER, "classes": [AWS_OPEN_CLASS], **aws},
        {
            "name": GCP_PROVIDER,
            "type": "gcp",
            "classes": [GCP_CLASS],
            "project": PROJECT,
            "region": REGION,
            "endpoint": urls["gce"],
            "nodeSelector": {"lbcontroller.io/cloud": "gcp"},
            "rateLimits": {"read": {"qps": 50, "burst": 100}, "write": fast},
        },
    ]


def write_config(world: World, slot: str, size: Size) -> Path:
    """The controller config of replica `slot` (or "check": straight to the clouds, for gc)."""
    port = world.metrics.setdefault(slot, free_port())
    config = {
        "clusterName": CLUSTER,
        "controller": {
            "workers": size.workers,
            "resyncPeriod": size.resync,
            "nodeSyncDelay": 0.5,
            "retryBaseDelay": 1.0,
            "retryMaxDelay": 20.0,
            "metricsAddress": f"127.0.0.1:{port}",
            "logFormat": "json",
            "leaderElection": {
                "namespace": LEASE_NAMESPACE,
                "name": LEASE_NAME,
                "leaseDuration": LEASE_DURATION,
                "renewDeadline": LEASE_DURATION * 0.75,
                "retryPeriod": 1.0,
            },
        },
        "providers": _provider_configs(world, slot, size),
    }
    path = world.folder / "configs" / f"{slot}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")  # JSON is YAML
    return path


def bring_up(folder: Path, size: Size, *, seed: int) -> World:
    """A fresh environment with seeded clouds, Nodes, namespaces, decoys, proxies, configs."""
    os.environ["LBC_DEVENV_DIR"] = str(folder)
    os.environ["LBC_ENV"] = COMPONENTS
    os.environ.update(AWS_ENV)
    down()  # whatever an earlier run left: start afresh
    for old in (folder / "logs").glob("*.log"):
        old.unlink()  # this run's logs only
    state = up()
    kube = KubeClient(load_configuration(state.env["KUBECONFIG"]))
    moto, gce = state.env["MOTO_ENDPOINT_URL"], state.env["GCE_ENDPOINT_URL"]
    aws, gce_seed = seed_aws(moto), seed_gce(gce)
    _nodes(kube, aws, gce_seed)
    for i in range(size.namespaces):
        namespace = {"metadata": {"name": f"{NAMESPACE_PREFIX}{i}"}}
        kube.request("POST", "/api/v1/namespaces", body=namespace)
    ec2, elbv2 = _direct("ec2", moto), _direct("elbv2", moto)
    vpc_id = ec2.describe_subnets(SubnetIds=[aws.subnets[0]])["Subnets"][0]["VpcId"]
    nlb, tg = decoys.plant_aws(ec2, elbv2, subnets=aws.subnets, vpc_id=vpc_id)
    planted = Decoys(nlb, tg, decoys.plant_gce(gce, project=PROJECT, region=REGION))
    baseline = decoys.snapshot(planted, elbv2, gce)
    world = World(folder, state, kube, moto, gce, aws, gce_seed, vpc_id, planted, baseline)
    for i, (slot, cloud) in enumerate((s, c) for s in SLOTS for c in ("aws", "gce")):
        upstream = moto if cloud == "aws" else gce
        name = f"proxy-{slot}-{cloud}"
        proc, url = start_proxy(name, upstream, logs=folder / "logs", seed=seed + i)
        world.proxies.append(Proxy(slot, cloud, proc, url))
        state.procs.append(proc)
    world.save()
    for slot in (*SLOTS, "check"):
        world.configs[slot] = write_config(world, slot, size)
    return world


def faults_on(world: World, *, rate: float, seed: int, everywhere: bool) -> None:
    """Turn the proxies' faults on (each proxy its own seed)."""
    for i, proxy in enumerate(world.proxies):
        spec = fault_spec(proxy.cloud, rate=rate, seed=seed * 100 + i, everywhere=everywhere)
        proxy.admin.reset()  # count from here: the tallies describe the faulty phase
        proxy.admin.configure(**spec)


def faults_off(world: World) -> dict[str, dict[str, Any]]:
    """No more faults; each proxy's tallies of the faulty phase, by proxy name."""
    tallies = {}
    for proxy in world.proxies:
        proxy.admin.off()
        tallies[f"{proxy.slot}-{proxy.cloud}"] = proxy.admin.stats()
    return tallies


def tear_down(world: World) -> None:
    """Stop the proxies and the environment (everything recorded in the run's folder)."""
    for proxy in world.proxies:
        stop(proxy.proc)
    down()
