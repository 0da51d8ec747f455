"""Seeding the Compute fake with exactly what cloud-provider-gcp makes for a Service, since the
upstream controller cannot run against the fake. Read from kubernetes/cloud-provider-gcp
(providers/gce): gce_loadbalancer_external.go (`ensureExternalLoadBalancer`,
`createTargetPoolAndHealthCheck`, `makeHTTPHealthCheck`, `ensureHTTPHealthCheckFirewall`,
`firewallObject`, `createForwardingRule`), gce_loadbalancer_internal.go
(`ensureInternalLoadBalancer`, `newInternalLBHealthCheck`, `ensureInternalBackendService`,
`ensureInternalFirewalls`, `ensureInternalInstanceGroup`) and gce_loadbalancer_naming.go.

Upstream reserves the IP while it builds and demotes it to ephemeral once the forwarding rule
holds it, so the seeded rule holds an ephemeral IP and no address remains. Every resource is
made through the real client (legacy health checks over REST), with upstream's fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from google.cloud import compute_v1

from tests.devenv.gcefake.gce import PROJECT, REGION, Gce

L4_RANGES = ["130.211.0.0/22", "35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"]
NODE_TAG = "gke-nodes"
INTERVAL, TIMEOUT, HEALTHY, UNHEALTHY = 8, 1, 1, 3  # gceHc* in gce_healthchecks.go


def lb_name(uid: str) -> str:
    """`GetLoadBalancerName`: `a` + the UID without dashes, 32 characters."""
    return ("a" + uid.replace("-", ""))[:32]


def described(key: str, ip: str | None = None) -> str:
    """`makeServiceDescription`, or with an IP `makeFirewallDescription` (its odd space too)."""
    if ip is None:
        return json.dumps({"kubernetes.io/service-name": key}, separators=(",", ":"))
    return f'{{"kubernetes.io/service-name":"{key}", "kubernetes.io/service-ip":"{ip}"}}'


@dataclass(frozen=True)
class Seeded:
    """What was seeded for one Service: its load balancer's name and IP."""

    lb: str
    ip: str


def _firewall(gce: Gce, name: str, description: str, ports: list[str], **extra: object) -> None:
    rule = compute_v1.Firewall(
        name=name,
        description=description,
        network=f"{gce.base}/global/networks/default",
        target_tags=[NODE_TAG],
        allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=ports)],
        **extra,
    )
    gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=rule))


def _service_firewall(gce: Gce, lb: str, key: str, ip: str, **extra: object) -> None:
    """`k8s-fw-<lb>`: port 80 from everywhere to the load balancer's IP, on the nodes' tag."""
    sources, destinations = ["0.0.0.0/0"], [ip]
    _firewall(
        gce,
        f"k8s-fw-{lb}",
        described(key, ip),
        ["80"],
        source_ranges=sources,
        destination_ranges=destinations,
        **extra,
    )


def _rule(gce: Gce, rule: compute_v1.ForwardingRule) -> str:
    gce.done(
        gce.forwarding_rules.insert(project=PROJECT, region=REGION, forwarding_rule_resource=rule)
    )
    made = gce.forwarding_rules.get(project=PROJECT, region=REGION, forwarding_rule=rule.name)
    return str(made.I_p_address)


def nodes_http_check(gce: Gce, cluster_id: str) -> str:
    """The shared legacy health check of kube-proxy (`MakeNodesHealthCheckName`); its link."""
    name = f"k8s-{cluster_id}-node"
    try:
        return str(gce.legacy("GET", name)["selfLink"])
    except OSError:  # urllib's HTTPError: absent, make it
        pass
    gce.legacy(
        "POST",
        body={
            "name": name,
            "port": 10256,
            "requestPath": "/healthz",
            "description": described(name),  # makeHealthCheckDescription(name)
            "checkIntervalSec": INTERVAL,
            "timeoutSec": TIMEOUT,
            "healthyThreshold": HEALTHY,
            "unhealthyThreshold": UNHEALTHY,
        },
    )
    return str(gce.legacy("GET", name)["selfLink"])


def _local_http_check(gce: Gce, lb: str, port: int) -> str:
    """The Service's own legacy check on its healthCheckNodePort (externalTrafficPolicy Local)."""
    gce.legacy(
        "POST",
        body={
            "name": lb,
            "port": port,
            "requestPath": "/healthz",
            "description": described(lb),  # makeHealthCheckDescription(name): itself
            "checkIntervalSec": INTERVAL,
            "timeoutSec": TIMEOUT,
            "healthyThreshold": HEALTHY,
            "unhealthyThreshold": UNHEALTHY,
        },
    )
    return str(gce.legacy("GET", lb)["selfLink"])


@dataclass(frozen=True)
class Shape:
    """How an external Service of upstream's looks beyond the defaults."""

    local_port: int | None = None  # externalTrafficPolicy Local: the healthCheckNodePort
    tier: str = "PREMIUM"
    address_kept: bool = False  # upstream's address left reserved (its release failed)


def external(
    gce: Gce,
    *,
    uid: str,
    key: str,
    cluster_id: str,
    instances: list[str],
    shape: Shape | None = None,
) -> Seeded:
    """A TCP :80 Service, externalTrafficPolicy Cluster unless `shape` says Local, as upstream
    builds it."""
    lb, shape = lb_name(uid), shape or Shape()
    if shape.local_port is None:
        check = nodes_http_check(gce, cluster_id)
    else:
        check = _local_http_check(gce, lb, shape.local_port)
    pool = compute_v1.TargetPool(
        name=lb,
        description=described(key),
        instances=instances,
        session_affinity="NONE",
        health_checks=[check],
    )
    gce.done(gce.target_pools.insert(project=PROJECT, region=REGION, target_pool_resource=pool))
    rule = compute_v1.ForwardingRule(
        name=lb,
        description=described(key),
        I_p_protocol="TCP",
        port_range="80-80",
        target=f"{gce.base}/regions/{REGION}/targetPools/{lb}",
        network_tier=shape.tier,
    )
    if shape.address_kept:
        address = compute_v1.Address(name=lb, description=described(key), network_tier=shape.tier)
        gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))
        rule.I_p_address = gce.addresses.get(project=PROJECT, region=REGION, address=lb).address
    ip = _rule(gce, rule)
    _service_firewall(gce, lb, key, ip, priority=1000)
    if shape.local_port is not None:
        _firewall(
            gce,
            f"k8s-{lb}-http-hc",
            described(key, ip),
            [str(shape.local_port)],
            source_ranges=L4_RANGES,
            destination_ranges=[ip],
            priority=1000,
        )
    elif f"k8s-{cluster_id}-node-http-hc" not in {
        f.name for f in gce.firewalls.list(project=PROJECT)
    }:
        _firewall(
            gce,
            f"k8s-{cluster_id}-node-http-hc",
            json.dumps({"kubernetes.io/cluster-id": cluster_id}, separators=(",", ":")),
            ["10256"],
            source_ranges=L4_RANGES,
            destination_ranges=[ip],
            priority=1000,
        )
    return Seeded(lb=lb, ip=ip)


def groups(gce: Gce, cluster_id: str, members: dict[str, list[str]]) -> list[str]:
    """Upstream's unmanaged instance groups `k8s-ig--<id>` (no description); their links."""
    out = []
    for zone, names in members.items():
        group = compute_v1.InstanceGroup(name=f"k8s-ig--{cluster_id}")
        gce.done(
            gce.instance_groups.insert(project=PROJECT, zone=zone, instance_group_resource=group)
        )
        add = compute_v1.InstanceGroupsAddInstancesRequest(
            instances=[
                compute_v1.InstanceReference(instance=f"{gce.base}/zones/{zone}/instances/{n}")
                for n in names
            ]
        )
        gce.done(
            gce.instance_groups.add_instances(
                project=PROJECT,
                zone=zone,
                instance_group=group.name,
                instance_groups_add_instances_request_resource=add,
            )
        )
        out.append(f"{gce.base}/zones/{zone}/instanceGroups/{group.name}")
    return out


def internal(
    gce: Gce,
    *,
    uid: str,
    key: str,
    cluster_id: str,
    group_links: list[str],
    local_port: int | None = None,
) -> Seeded:
    """A TCP :80 internal Service, externalTrafficPolicy Cluster (or Local on `local_port`),
    as upstream builds it: the shared check has an empty description, the Service's own one
    names the Service."""
    lb = lb_name(uid)
    check = f"k8s-{cluster_id}-node" if local_port is None else lb
    port = local_port or 10256
    probe = compute_v1.HTTPHealthCheck(port=port, request_path="/healthz")
    gce.done(
        gce.global_health_checks.insert(
            project=PROJECT,
            health_check_resource=compute_v1.HealthCheck(
                name=check,
                type_="HTTP",
                http_health_check=probe,
                description="" if local_port is None else described(key),
                check_interval_sec=INTERVAL,
                timeout_sec=TIMEOUT,
                healthy_threshold=HEALTHY,
                unhealthy_threshold=UNHEALTHY,
            ),
        )
    )
    service = compute_v1.BackendService(
        name=lb,
        description=described(key),
        protocol="TCP",
        load_balancing_scheme="INTERNAL",
        session_affinity="NONE",
        health_checks=[f"{gce.base}/global/healthChecks/{check}"],
        backends=[compute_v1.Backend(group=link) for link in group_links],
    )
    gce.done(
        gce.backend_services.insert(
            project=PROJECT, region=REGION, backend_service_resource=service
        )
    )
    ip = _rule(
        gce,
        compute_v1.ForwardingRule(
            name=lb,
            description=described(key),
            I_p_protocol="TCP",
            ports=["80"],
            load_balancing_scheme="INTERNAL",
            backend_service=f"{gce.base}/regions/{REGION}/backendServices/{lb}",
            network=f"{gce.base}/global/networks/default",
            subnetwork=f"{gce.base}/regions/{REGION}/subnetworks/default",
        ),
    )
    _service_firewall(gce, lb, key, ip)  # no priority: the API's default, 1000
    probers = f"k8s-{cluster_id}-node-hc" if local_port is None else f"{lb}-hc"
    _firewall(gce, probers, "", [str(port)], source_ranges=L4_RANGES)
    return Seeded(lb=lb, ip=ip)
