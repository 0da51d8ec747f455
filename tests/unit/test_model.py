"""Slim records from the API server's JSON, and the ingress wire form."""

from __future__ import annotations

from typing import Any

import pytest

from lbcontroller.model import (
    FINALIZER,
    Ingress,
    Node,
    ServicePort,
    node_from_json,
    service_from_json,
)

SERVICE_JSON: dict[str, Any] = {
    "kind": "Service",
    "apiVersion": "v1",
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "uid": "6f1a3a4e-1f5e-4d1f-9a57-0a7c1b2e3d4f",
        "resourceVersion": "48213",
        "creationTimestamp": "2024-05-01T12:00:00Z",
        "deletionTimestamp": "2024-05-02T08:30:00Z",
        "annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
        "finalizers": [FINALIZER],
    },
    "spec": {
        "type": "LoadBalancer",
        "loadBalancerClass": "example.com/nlb",
        "clusterIP": "10.96.12.34",
        "clusterIPs": ["10.96.12.34", "fd00:10:96::1234"],
        "ports": [
            {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": 31080},
            {"port": 53, "protocol": "UDP", "targetPort": 53},
        ],
        "selector": {"app": "web"},
        "externalTrafficPolicy": "Local",
        "healthCheckNodePort": 32100,
        "loadBalancerIP": "203.0.113.10",
        "loadBalancerSourceRanges": ["10.0.0.0/8"],
        "ipFamilies": ["IPv4", "IPv6"],
        "ipFamilyPolicy": "PreferDualStack",
        "allocateLoadBalancerNodePorts": True,
        "internalTrafficPolicy": "Cluster",
    },
    "status": {
        "loadBalancer": {
            "ingress": [
                {"ip": "203.0.113.10", "ipMode": "VIP"},
                {"hostname": "web-123.elb.eu-west-1.amazonaws.com"},
            ]
        }
    },
}

MINIMAL_SERVICE_JSON: dict[str, Any] = {
    "metadata": {"name": "db", "namespace": "shop", "uid": "u-2", "annotations": None},
    "spec": {"ports": [{"port": 5432}], "loadBalancerIP": ""},
    "status": {"loadBalancer": {}},
}


def test_service_from_full_json() -> None:
    svc = service_from_json(SERVICE_JSON)
    assert (svc.namespace, svc.name, svc.key) == ("shop", "web", "shop/web")
    assert svc.uid == "6f1a3a4e-1f5e-4d1f-9a57-0a7c1b2e3d4f"
    assert svc.resource_version == "48213"
    assert (svc.type, svc.lb_class) == ("LoadBalancer", "example.com/nlb")
    assert svc.ports == (
        ServicePort(name="http", protocol="TCP", port=80, node_port=31080),
        ServicePort(name="", protocol="UDP", port=53, node_port=None),
    )
    assert svc.annotations == {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    assert svc.source_ranges == ("10.0.0.0/8",)
    assert (svc.external_traffic_policy, svc.health_check_node_port) == ("Local", 32100)
    assert svc.load_balancer_ip == "203.0.113.10"
    assert svc.ip_families == ("IPv4", "IPv6")
    assert svc.has_finalizer
    assert svc.deleting
    assert svc.ingress == (
        Ingress(ip="203.0.113.10", ip_mode="VIP"),
        Ingress(hostname="web-123.elb.eu-west-1.amazonaws.com"),
    )
    assert svc.created == "2024-05-01T12:00:00Z"


def test_service_from_minimal_json_takes_api_defaults() -> None:
    svc = service_from_json(MINIMAL_SERVICE_JSON)
    assert svc.type == "ClusterIP"
    assert svc.lb_class is None
    assert svc.ports == (ServicePort(name="", protocol="TCP", port=5432, node_port=None),)
    assert svc.annotations == {}
    assert svc.external_traffic_policy == "Cluster"
    assert svc.load_balancer_ip is None
    assert (svc.source_ranges, svc.ip_families, svc.finalizers, svc.ingress) == ((), (), (), ())
    assert not svc.has_finalizer
    assert not svc.deleting
    assert (svc.resource_version, svc.created) == ("", "")


NODE_JSON: dict[str, Any] = {
    "kind": "Node",
    "metadata": {
        "name": "ip-10-0-1-23.eu-west-1.compute.internal",
        "labels": {"kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "eu-west-1a"},
        "deletionTimestamp": "2024-05-02T08:30:00Z",
    },
    "spec": {
        "providerID": "aws:///eu-west-1a/i-0abc123def4567890",
        "taints": [
            {"key": "ToBeDeletedByClusterAutoscaler", "value": "1717", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
        ],
    },
    "status": {
        "addresses": [
            {"type": "Hostname", "address": "ip-10-0-1-23"},
            {"type": "ExternalIP", "address": "198.51.100.7"},
            {"type": "InternalIP", "address": "10.0.1.23"},
        ],
        "conditions": [{"type": "Ready", "status": "False"}],
    },
}


def test_node_from_full_json() -> None:
    assert node_from_json(NODE_JSON) == Node(
        name="ip-10-0-1-23.eu-west-1.compute.internal",
        labels={"kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "eu-west-1a"},
        taints=("ToBeDeletedByClusterAutoscaler", "node.kubernetes.io/unreachable"),
        provider_id="aws:///eu-west-1a/i-0abc123def4567890",
        internal_ips=("10.0.1.23",),
        deleting=True,
    )


def test_node_from_minimal_json() -> None:
    assert node_from_json({"metadata": {"name": "n1"}}) == Node(
        name="n1", labels={}, taints=(), provider_id="", internal_ips=(), deleting=False
    )


@pytest.mark.parametrize(
    ("ingress", "expected"),
    [
        pytest.param(Ingress(ip="203.0.113.10"), {"ip": "203.0.113.10"}, id="ip"),
        pytest.param(Ingress(hostname="lb.example.com"), {"hostname": "lb.example.com"}, id="host"),
        pytest.param(
            Ingress(ip="203.0.113.10", hostname="lb.example.com", ip_mode="Proxy"),
            {"ip": "203.0.113.10", "hostname": "lb.example.com", "ipMode": "Proxy"},
            id="all",
        ),
        pytest.param(Ingress(ip="", hostname=None), {}, id="empty"),
    ],
)
def test_ingress_to_json(ingress: Ingress, expected: dict[str, str]) -> None:
    assert ingress.to_json() == expected
