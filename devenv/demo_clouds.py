"""The demo's clouds: what `make demo` seeds in moto, the GCE fake and (with DEMO_OPENSTACK=1)
OpenStack, and what it reads back.

Where it sits: `devenv.demo` seeds each cloud with a network and node instances before the
controller starts, and afterwards summarises what each cloud holds (load balancers, target
groups, forwarding rules, ...) for the demo's table and its final leak check.
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

import boto3
import openstack
from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

PROJECT, REGION, ZONES = "demo-project", "us-central1", ("us-central1-a", "us-central1-b")
CLUSTER = "demo"  # clusterName in examples/multicloud.yaml


class Cloud(Protocol):
    """One seeded cloud, as the demo sees it."""

    name: str
    lb_class: str
    nodes: list[tuple[str, str, str]]  # node name, providerID, InternalIP

    def env(self) -> dict[str, str]:
        """The ${...} values the example config reads for this cloud."""
        ...

    def holdings(self) -> str:
        """A one-line summary of the demo cluster's resources there."""
        ...

    def empty(self) -> bool:
        """Whether nothing of the demo cluster is left there."""
        ...


@dataclass
class AwsSeed:
    """A dual-stack VPC with two subnets, the nodes' security group and three instances, on moto."""

    endpoint: str
    subnets: list[str]
    node_group: str
    nodes: list[tuple[str, str, str]] = field(default_factory=list)  # name, providerID, ip
    name: str = "aws"
    lb_class: str = "lbcontroller.io/aws"

    def env(self) -> dict[str, str]:
        """The ${...} values examples/multicloud.yaml reads."""
        return {
            "DEMO_AWS_SUBNET_A": self.subnets[0],
            "DEMO_AWS_SUBNET_B": self.subnets[1],
            "DEMO_AWS_NODE_GROUP": self.node_group,
        }

    def holdings(self) -> str:
        """A one-line summary of the demo cluster's load balancing resources in the account."""
        elbv2 = boto3.client("elbv2", endpoint_url=self.endpoint, region_name="us-east-1")
        lbs = _demo_owned(
            elbv2, elbv2.describe_load_balancers()["LoadBalancers"], "LoadBalancerArn"
        )
        groups = _demo_owned(
            elbv2, elbv2.describe_target_groups()["TargetGroups"], "TargetGroupArn"
        )
        listeners = sum(
            len(elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"])
            for lb in lbs
        )
        kinds = "".join(f" ({lb['IpAddressType']})" for lb in lbs[:1])
        return f"{len(lbs)} NLB{kinds}, {len(groups)} target groups, {listeners} listeners"

    def empty(self) -> bool:
        """Whether no load balancer or target group is left."""
        return self.holdings().startswith("0 NLB, 0 target groups")


def _demo_owned(elbv2: Any, items: list[Any], key: str) -> list[Any]:
    """The items tagged as owned by the demo cluster."""
    owned = []
    for start in range(0, len(items), 20):
        batch = items[start : start + 20]
        tags = elbv2.describe_tags(ResourceArns=[i[key] for i in batch])["TagDescriptions"]
        mine = {
            t["ResourceArn"]
            for t in tags
            if {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "owned"} in t["Tags"]
        }
        owned += [i for i in batch if i[key] in mine]
    return owned


def seed_aws(endpoint: str) -> AwsSeed:
    """Create the AWS side of the demo."""
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    v6 = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    v6_subnets = ipaddress.IPv6Network(v6[0]["Ipv6CidrBlock"]).subnets(new_prefix=64)
    subnets = [
        ec2.create_subnet(
            VpcId=vpc["VpcId"],
            CidrBlock=f"10.0.{i}.0/24",
            Ipv6CidrBlock=str(next(v6_subnets)),
            AvailabilityZone=f"us-east-1{zone}",
        )["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab", start=1)
    ]
    group = ec2.create_security_group(
        GroupName="demo-nodes", Description="nodes", VpcId=vpc["VpcId"]
    )
    seed = AwsSeed(endpoint=endpoint, subnets=subnets, node_group=group["GroupId"])
    for i in range(3):
        made = ec2.run_instances(
            ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnets[i % 2]
        )["Instances"][0]
        zone = made["Placement"]["AvailabilityZone"]
        seed.nodes.append(
            (f"aws-node-{i}", f"aws:///{zone}/{made['InstanceId']}", made["PrivateIpAddress"])
        )
    return seed


@dataclass
class GceSeed:
    """Three instances in two zones of the GCE fake."""

    endpoint: str
    nodes: list[tuple[str, str, str]] = field(default_factory=list)
    name: str = "gcp"
    lb_class: str = "lbcontroller.io/gcp"

    def env(self) -> dict[str, str]:
        """The fake's endpoint is already in the environment."""
        return {}

    def holdings(self) -> str:
        """A one-line summary of the load balancing resources in the project."""
        options = ClientOptions(api_endpoint=self.endpoint)
        anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
        rules = compute_v1.ForwardingRulesClient(client_options=options, credentials=anonymous)
        services = compute_v1.RegionBackendServicesClient(
            client_options=options, credentials=anonymous
        )
        checks = compute_v1.RegionHealthChecksClient(client_options=options, credentials=anonymous)
        firewalls = compute_v1.FirewallsClient(client_options=options, credentials=anonymous)
        counts = (
            len(list(rules.list(project=PROJECT, region=REGION))),
            len(list(services.list(project=PROJECT, region=REGION))),
            len(list(checks.list(project=PROJECT, region=REGION))),
            len(list(firewalls.list(project=PROJECT))),
        )
        return "{} forwarding rules, {} backend services, {} health checks, {} firewalls".format(
            *counts
        )

    def empty(self) -> bool:
        """Whether no load balancing resource is left."""
        return self.holdings().startswith("0 forwarding rules, 0 backend services")


def _dual_stack_default(endpoint: str) -> None:
    """The region's `default` subnetwork, dual-stack with an external IPv6 range (the nodes'
    10.128.0.0/20 and the load balancers' IPv6 /96s), through the Compute API (once: the tests
    that seed the same fake again find it there)."""
    kw: dict[str, Any] = {
        "client_options": ClientOptions(api_endpoint=endpoint),
        "credentials": AnonymousCredentials(),  # type: ignore[no-untyped-call]
    }
    subnet = compute_v1.Subnetwork(
        name="default",
        ip_cidr_range="10.128.0.0/20",
        stack_type="IPV4_IPV6",
        ipv6_access_type="EXTERNAL",
    )
    client = compute_v1.SubnetworksClient(**kw)
    try:
        op = client.insert(project=PROJECT, region=REGION, subnetwork_resource=subnet)
    except exceptions.Conflict:
        return
    compute_v1.RegionOperationsClient(**kw).wait(project=PROJECT, region=REGION, operation=op.name)


def seed_gce(endpoint: str) -> GceSeed:
    """Create the GCE side of the demo: a dual-stack subnetwork (through the API) and the
    nodes' instances (through the fake's admin endpoint)."""
    seed = GceSeed(endpoint=endpoint)
    _dual_stack_default(endpoint)
    for i in range(3):
        zone, name, ip = ZONES[i % 2], f"gce-node-{i}", f"10.128.0.{10 + i}"
        body = json.dumps({"project": PROJECT, "zone": zone, "name": name, "networkIP": ip})
        request = urllib.request.Request(
            f"{endpoint}/_fake/instances",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        seed.nodes.append((name, f"gce://{PROJECT}/{zone}/{name}", ip))
    return seed


@dataclass
class OpenStackSeed:
    """Two nodes by address (Octavia members need no instances)."""

    nodes: list[tuple[str, str, str]] = field(default_factory=list)
    name: str = "openstack"
    lb_class: str = "lbcontroller.io/openstack"

    def env(self) -> dict[str, str]:
        """The cloud's settings are already in the environment (OS_*)."""
        return {}

    def holdings(self) -> str:
        """Octavia load balancers (with their VIPs) and floating IPs of the demo cluster."""
        conn = openstack.connect(cloud=os.environ["OS_CLOUD"])
        mark = f"lbcontroller.io/cluster={CLUSTER}"
        lbs = list(conn.load_balancer.load_balancers(tags=mark))
        listeners = sum(
            len(list(conn.load_balancer.listeners(loadbalancer_id=lb.id))) for lb in lbs
        )
        vips = sum(1 + len(lb.additional_vips or ()) for lb in lbs)
        ips = [ip for ip in conn.network.ips() if (ip.description or "").startswith(mark)]
        return (
            f"{len(lbs)} load balancers ({vips} VIPs), {listeners} listeners, "
            f"{len(ips)} floating IPs"
        )

    def empty(self) -> bool:
        """Whether no load balancer or floating IP of the demo is left."""
        return self.holdings() == "0 load balancers (0 VIPs), 0 listeners, 0 floating IPs"


def seed_openstack() -> OpenStackSeed:
    """Nodes for the OpenStack provider: addresses on the VIP network's side."""
    return OpenStackSeed(
        nodes=[(f"os-node-{i}", f"openstack:///os-node-{i}", f"10.64.1.{10 + i}") for i in range(2)]
    )
