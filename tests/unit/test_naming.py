"""Load balancer and child resource names: short, safe, deterministic, distinct."""

from __future__ import annotations

import re

import pytest

from lbcontroller.naming import MAX_NAME, child_name, lb_name

SAFE = re.compile(r"[a-z][a-z0-9-]*")

NAMES = [
    pytest.param("prod", "default", "web", id="plain"),
    pytest.param("prod", "kube-system", "ingress-nginx-controller", id="long"),
    pytest.param("a" * 63, "n" * 63, "s" * 63, id="max-lengths"),
    pytest.param("prod", "Team_A", "My.Service", id="upper-and-dots"),
    pytest.param("prod", "---", "___", id="only-separators"),
    pytest.param("prod", "élan", "ß-svc", id="non-ascii"),
    pytest.param("prod", "9lives", "0", id="leading-digits"),
]


@pytest.mark.parametrize(("cluster", "namespace", "service"), NAMES)
def test_lb_name_is_safe_short_and_deterministic(
    cluster: str, namespace: str, service: str
) -> None:
    name = lb_name(cluster, namespace, service)
    assert len(name) <= MAX_NAME == 32
    assert SAFE.fullmatch(name), name
    assert not name.endswith("-")
    assert lb_name(cluster, namespace, service) == name


def test_lb_name_reads_as_the_service() -> None:
    assert re.fullmatch(r"k8s-defaul-web-[0-9a-f]{10}", lb_name("prod", "default", "web"))


def test_lb_name_differs_across_cluster_namespace_and_name() -> None:
    triples = [
        ("prod", "shop", "web"),
        ("staging", "shop", "web"),
        ("prod", "shop2", "web"),
        ("prod", "shop", "web2"),
        ("prod", "shop-w", "eb"),
        ("prod", "shop", "web-frontend-a"),
        ("prod", "shop", "web-frontend-b"),
    ]
    assert len({lb_name(*t) for t in triples}) == len(triples)


BASE = lb_name("prod", "shop", "web")


def test_child_name_short_is_readable() -> None:
    assert child_name(BASE, "tcp", "80") == f"{BASE}-tcp-80"


@pytest.mark.parametrize("limit", [32, 24, 16])
def test_child_name_too_long_is_hashed_within_limit(limit: int) -> None:
    ports = ("8080", "8443", "9000")
    names = [child_name(BASE, "listener", "tcp", port, limit=limit) for port in ports]
    assert len(set(names)) == len(ports)
    for name in names:
        assert len(name) <= limit
        assert re.fullmatch(re.escape(BASE[: limit - 9]) + r"-[0-9a-f]{8}", name), name
    assert child_name(BASE, "listener", "tcp", "8080", limit=limit) == names[0]
