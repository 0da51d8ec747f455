"""The real upstream aws-cloud-controller-manager, for the tests that run it beside us.

Where it sits: `scripts/build-upstream-aws.sh` builds the binary once into the cache (`make
prereqs` runs it too); this module seeds moto the way the upstream manager needs to find its
instances (a VPC, a subnet, a node security group and instances, all tagged with the
cluster's id), writes its cloud.conf `[Global]` section (region, VPC, subnet, cluster id: no
metadata service is asked), and gives the command line of the manager with its service
controller off, as sidecar mode has it. Nodes are registered the way a kubelet started with
`--cloud-provider=external` registers them: no providerID, no addresses, and the
`uninitialized` taint, which the manager's node controller removes once it has filled them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from devenv.procs import Proc, start, stop, wait_ready
from lbcontroller.config import AwsProvider
from lbcontroller.kube import KubeClient
from lbcontroller.metrics import Metrics
from lbcontroller.model import Service, node_from_json
from lbcontroller.provider import Provider
from lbcontroller.registry import factory_for
from lbcontroller.spec import SpecSettings, build_spec
from tests.support.harness import wait_for
from tests.support.objects import Nodes, create_service, get_service

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build-upstream-aws.sh"
UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
TEST_MANAGER = "sidecar-test"  # the field manager of what the test itself writes
JSON = dict[str, Any]


@dataclass
class AwsCluster:
    """What was seeded in moto for one cluster id."""

    endpoint: str
    region: str
    cluster_id: str
    vpc: str = ""
    subnet: str = ""
    node_group: str = ""
    instances: dict[str, str] = field(default_factory=dict)  # private DNS name -> instance id

    def ec2(self) -> Any:
        """An EC2 client of moto in the cluster's region."""
        return boto3.client("ec2", endpoint_url=self.endpoint, region_name=self.region)

    def elbv2(self) -> Any:
        """An ELBv2 client of moto in the cluster's region."""
        return boto3.client("elbv2", endpoint_url=self.endpoint, region_name=self.region)

    def elb(self) -> Any:
        """A classic ELB client of moto in the cluster's region."""
        return boto3.client("elb", endpoint_url=self.endpoint, region_name=self.region)


def seed_cluster(endpoint: str, region: str, cluster_id: str, count: int = 2) -> AwsCluster:
    """A VPC, a tagged subnet and node group, and `count` tagged instances."""
    cluster = AwsCluster(endpoint=endpoint, region=region, cluster_id=cluster_id)
    ec2 = cluster.ec2()
    owned = [{"Key": f"kubernetes.io/cluster/{cluster_id}", "Value": "owned"}]
    cluster.vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    cluster.subnet = ec2.create_subnet(
        VpcId=cluster.vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{region}a"
    )["Subnet"]["SubnetId"]
    shared = [{"Key": f"kubernetes.io/cluster/{cluster_id}", "Value": "shared"}]
    ec2.create_tags(
        Resources=[cluster.subnet], Tags=[*shared, {"Key": "kubernetes.io/role/elb", "Value": "1"}]
    )
    cluster.node_group = ec2.create_security_group(
        GroupName=f"{cluster_id}-nodes", Description="nodes", VpcId=cluster.vpc
    )["GroupId"]
    ec2.create_tags(Resources=[cluster.node_group], Tags=owned)
    made = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=count,
        MaxCount=count,
        SubnetId=cluster.subnet,
        SecurityGroupIds=[cluster.node_group],
        TagSpecifications=[{"ResourceType": "instance", "Tags": owned}],
    )["Instances"]
    cluster.instances = {i["PrivateDnsName"]: i["InstanceId"] for i in made}
    return cluster


def public_route(cluster: AwsCluster) -> None:
    """An internet gateway route: upstream puts an internet-facing load balancer in public
    subnets only."""
    ec2 = cluster.ec2()
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=cluster.vpc)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [cluster.vpc]}])
    table = tables["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)


def hostname(kube: KubeClient, namespace: str, name: str) -> str | None:
    """The hostname in the Service's status, None while it has none."""
    svc = get_service(kube, namespace, name)
    return svc.ingress[0].hostname if svc is not None and svc.ingress else None


def plan_of(kube: KubeClient, provider: Provider, service: Service, cluster: str) -> list[Any]:
    """What `provider.plan` lists for `service` with the cluster's Nodes."""
    items, _ = kube.list("/api/v1/nodes")
    nodes = [node_from_json(item) for item in items]
    spec = build_spec(service, nodes, SpecSettings(cluster=cluster), provider.parse_options)
    return list(provider.plan(spec))


def add_nodes(cluster: AwsCluster, nodes: Nodes) -> None:
    """A Node for each seeded instance: its providerID and an address in the subnet."""
    for i, instance in enumerate(cluster.instances.values()):
        provider_id = f"aws:///{cluster.region}a/{instance}"
        nodes.add(str(i), provider_id=provider_id, ip=f"10.20.1.{10 + i}")


def cloud_conf(cluster: AwsCluster, folder: Path) -> Path:
    """The manager's cloud.conf: everything it would otherwise ask the metadata service."""
    path = folder / "cloud.conf"
    path.write_text(
        "[Global]\n"
        f"Region = {cluster.region}\n"
        f"VPC = {cluster.vpc}\n"
        f"SubnetID = {cluster.subnet}\n"
        f"KubernetesClusterID = {cluster.cluster_id}\n"
    )
    return path


def manager_argv(binary: str, conf: Path, kubeconfig: str, controllers: str) -> list[str]:
    """The upstream manager with `controllers` (sidecar mode: its service controller off)."""
    return [
        binary,
        "--cloud-provider=aws",
        f"--cloud-config={conf}",
        f"--kubeconfig={kubeconfig}",
        controllers,
        "--leader-elect=false",
        "--use-service-account-credentials=false",
        "--configure-cloud-routes=false",
        "--secure-port=0",
        "--webhook-secure-port=0",
    ]


def service_controller(binary: str, cluster: AwsCluster, kubeconfig: str, logs: Path) -> Proc:
    """The manager with only its service controller on, started and ready."""
    argv = manager_argv(binary, cloud_conf(cluster, logs), kubeconfig, "--controllers=service")
    manager = start("aws-ccm", argv, logs=logs, env=manager_env(cluster))
    started = 'Started "service-lb-controller"'
    wait_ready(manager, lambda: started in Path(manager.log).read_text(), timeout=60)
    return manager


def served_by_upstream(
    binary: str,
    cluster: AwsCluster,
    *,
    kube: KubeClient,
    kubeconfig: str,
    namespace: str,
    services: Mapping[str, Mapping[str, str]],
    logs: Path,
) -> dict[str, Service]:
    """Class-less Services (name -> annotations) made and served by the upstream manager's
    service controller, which is stopped once each has a hostname (it must not have
    panicked); the Services as they then are, upstream's hostname in their status."""
    manager = service_controller(binary, cluster, kubeconfig, logs)
    try:
        for name, annotations in services.items():
            create_service(kube, namespace, name, lb_class=None, annotations=dict(annotations))
        for name in services:
            wait_for(
                lambda n=name: hostname(kube, namespace, n),  # type: ignore[misc]
                timeout=90,
                what=f"upstream's hostname for {name}",
            )
    finally:
        stop(manager)
    assert "panic" not in Path(manager.log).read_text()
    return {name: served(kube, namespace, name) for name in services}


def served(kube: KubeClient, namespace: str, name: str) -> Service:
    """The Service `namespace/name`, which must exist."""
    svc = get_service(kube, namespace, name)
    assert svc is not None, f"{namespace}/{name} is gone"
    return svc


def lbcontroller_provider(cluster: AwsCluster, name: str, **settings: Any) -> Provider:
    """lbcontroller's AWS provider `name` on the seeded cluster (its nodes' group opened);
    `settings` set any other field of its config entry (e.g. `compatibility`)."""
    config = AwsProvider(
        type="aws",
        name=name,
        region=cluster.region,
        endpoint=cluster.endpoint,
        subnets=[cluster.subnet],
        node_security_group=cluster.node_group,
        **settings,
    )
    return factory_for("aws")(config, cluster=cluster.cluster_id, metrics=Metrics())


def manager_env(cluster: AwsCluster) -> dict[str, str]:
    """The SDK's settings: moto's endpoint, dummy keys, no metadata service."""
    return {
        "AWS_ENDPOINT_URL": cluster.endpoint,
        "AWS_REGION": cluster.region,
        "AWS_ACCESS_KEY_ID": "sidecar",
        "AWS_SECRET_ACCESS_KEY": "sidecar",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def register_node(kube: KubeClient, name: str) -> None:
    """A Node as an external-cloud kubelet registers it: Ready, tainted, nothing cloud-made."""
    body = {
        "metadata": {"name": name},
        "spec": {"taints": [{"key": UNINITIALIZED, "value": "true", "effect": "NoSchedule"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    kube.request("POST", "/api/v1/nodes", query={"fieldManager": TEST_MANAGER}, body=body)


def initialized(kube: KubeClient, name: str) -> bool:
    """Whether the manager has filled the Node in: providerID, addresses, taint gone."""
    node = kube.request("GET", f"/api/v1/nodes/{name}")
    taints = [t["key"] for t in node["spec"].get("taints", [])]
    filled = node["spec"].get("providerID") and node["status"].get("addresses")
    return bool(filled) and UNINITIALIZED not in taints


def load_balancers(cluster: AwsCluster) -> JSON:
    """The NLBs and target groups in moto, with each group's registered instances."""
    elbv2 = cluster.elbv2()
    groups = elbv2.describe_target_groups()["TargetGroups"]
    return {
        "nlbs": [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]],
        "targets": {
            group["TargetGroupArn"]: sorted(
                t["Target"]["Id"]
                for t in elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])[
                    "TargetHealthDescriptions"
                ]
            )
            for group in groups
        },
    }
