"""The peer: the real upstream aws-cloud-controller-manager's service controller, and the
counting proxy (with or without AWS's request limits) both controllers reach moto through.

Where it sits: the peer scenario (`bench.scenarios.peer`) starts a `Proxy` in the bench's
process, seeds the `PeerWorld` (what the upstream manager needs to find: a VPC, two public
subnets and a nodes' group tagged with the cluster's id, and one moto instance per Node), and
runs the upstream manager (`--controllers=service`, 4 concurrent syncs) as its own process,
its SDK pointed at the proxy, with the command line and environment the tests give it
(tests/support/upstream_aws). Nodes carry these instances' ids: moto's ids are random, so
`seed_peer` seeds moto's generator first (`/moto-api/seed`) and gets the same ids after every
reset (it fails loudly if they ever differ). The binary is built once by
scripts/build-upstream-aws.sh (cached); its cloud.conf is that of tests/support/upstream_aws.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3

from bench.world import World, clients, zones
from devenv.faultproxy import FaultProxy
from devenv.procs import Proc, start, stop, wait_ready
from tests.support.upstream_aws import BUILD_SCRIPT, AwsCluster, manager_argv, manager_env

PEER_REGION = "eu-west-1"
PEER_CLUSTER = "bench-peer"
SEED = 1537
SYNCS = 4  # the upstream's --concurrent-service-syncs, as many as the controller's workers
_HTTP = urllib3.PoolManager(num_pools=2, maxsize=2)


@dataclass(frozen=True)
class PeerWorld:
    """The peer's region as seeded: the `World` both controllers use, and the instances."""

    world: World
    instances: tuple[str, ...]


def _tag(ec2: Any, resource: str, *extra: tuple[str, str]) -> None:
    tags = [(f"kubernetes.io/cluster/{PEER_CLUSTER}", "owned"), *extra]
    ec2.create_tags(Resources=[resource], Tags=[{"Key": k, "Value": v} for k, v in tags])


def _public_route(ec2: Any, vpc: str) -> None:
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    table = tables["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)


def seed_peer(moto: str, endpoint: str, count: int) -> PeerWorld:
    """moto's generator seeded, then the peer's network and `count` instances, in one order."""
    resp = _HTTP.request("POST", f"{moto}/moto-api/seed?a={SEED}", body=b"", timeout=30.0)
    if resp.status >= 300:
        raise RuntimeError(f"moto's seed answered {resp.status}")
    ec2, _ = clients(moto, PEER_REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = []
    for i, zone in enumerate(zones(PEER_REGION), start=1):
        made = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)
        subnets.append(made["Subnet"]["SubnetId"])
        _tag(ec2, subnets[-1], ("kubernetes.io/role/elb", "1"))
    _public_route(ec2, vpc)
    group = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=vpc)
    _tag(ec2, group["GroupId"])
    instances = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=count,
        MaxCount=count,
        SubnetId=subnets[0],
        SecurityGroupIds=[group["GroupId"]],
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": f"kubernetes.io/cluster/{PEER_CLUSTER}", "Value": "owned"}],
            }
        ],
    )["Instances"]
    via_proxy_ec2, via_proxy_elbv2 = clients(endpoint, PEER_REGION)
    world = World(
        region=PEER_REGION,
        endpoint=endpoint,
        vpc_id=vpc,
        subnets=tuple(subnets),
        node_group=group["GroupId"],
        ec2=via_proxy_ec2,
        elbv2=via_proxy_elbv2,
    )
    return PeerWorld(world=world, instances=tuple(i["InstanceId"] for i in instances))


class Proxy:
    """The fault proxy in this process, counting every call; AWS's limits on or off."""

    def __init__(self, moto: str) -> None:
        self.server = FaultProxy(moto, aws_like=True)
        self.server.start_background()
        self.url = self.server.url

    def limits(self, enabled: bool) -> None:
        """AWS's request limits on or off (every bucket starts full)."""
        self.server.limits.configure({"enabled": enabled})

    def reset(self) -> None:
        """Zero the tallies and fill every bucket (an idle account, limits on or off as they
        were)."""
        self.server.injector.reset()
        self.server.limits.configure({})

    def by_operation(self) -> dict[str, dict[str, int]]:
        """Calls since the last reset, by `service.Operation`: calls and those `limited`."""
        stats: dict[str, dict[str, int]] = self.server.injector.stats()["by_operation"]
        return stats

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()


def binary() -> str:
    """The upstream manager's binary (built once into the cache by the script)."""
    out = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], check=True, capture_output=True, text=True, timeout=1800
    )
    return out.stdout.strip().splitlines()[-1]


def start_peer(world: World, kubeconfig: str, logs: Path) -> Proc:
    """The upstream manager with only its service controller, pointed at `world.endpoint`."""
    logs.mkdir(parents=True, exist_ok=True)
    conf = logs / "cloud.conf"
    conf.write_text(
        "[Global]\n"
        f"Region = {world.region}\n"
        f"VPC = {world.vpc_id}\n"
        f"SubnetID = {world.subnets[0]}\n"
        f"KubernetesClusterID = {PEER_CLUSTER}\n"
        # as the controller runs here (no nodeSecurityGroup): no rules on the nodes' groups,
        # whose 60-rule quota would otherwise cap both at a dozen Services (sg_capacity)
        "DisableSecurityGroupIngress = true\n"
    )
    argv = manager_argv(binary(), conf, kubeconfig, "--controllers=service")
    argv.append(f"--concurrent-service-syncs={SYNCS}")
    cluster = AwsCluster(endpoint=world.endpoint, region=world.region, cluster_id=PEER_CLUSTER)
    env = manager_env(cluster)
    manager = start("aws-ccm", argv, logs=logs, env=env)
    started = 'Started "service-lb-controller"'
    wait_ready(manager, lambda: started in Path(manager.log).read_text(), timeout=60)
    return manager


def stop_peer(manager: Proc) -> None:
    """Stop the manager; it must not have panicked."""
    stop(manager)
    if "panic" in Path(manager.log).read_text():
        raise RuntimeError(f"the upstream manager panicked: see {manager.log}")
