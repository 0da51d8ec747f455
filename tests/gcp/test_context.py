"""Pure pieces: where resources live, node ids, names and rate-limit families."""

from __future__ import annotations

import dataclasses

import pytest

from lbcontroller.config import GcpProvider, RateLimit
from providers.gcp.context import BASE, DEFAULT_LIMITS, Where, buckets
from providers.gcp.desired import Names, group_name
from providers.gcp.ownership import Mark, ref_from

CONFIG = GcpProvider(type="gcp", name="g", project="p", region="us-central1")
WHERE = Where.of(CONFIG, cluster="prod")


@pytest.mark.parametrize(
    ("provider_id", "expected"),
    [
        ("gce://p/us-central1-a/node-1", ("us-central1-a", "node-1")),
        ("gce://p/us-central1-f/n", ("us-central1-f", "n")),
        ("gce://other/us-central1-a/node-1", None),
        ("gce://p/europe-west1-b/node-1", None),
        ("gce://p/us-central1-a", None),
        ("gce://p//node-1", None),
        ("aws:///us-east-1a/i-0123", None),
        ("", None),
    ],
)
def test_instance_of_a_provider_id(provider_id: str, expected: tuple[str, str] | None) -> None:
    assert WHERE.instance(provider_id) == expected


@pytest.mark.parametrize(
    ("network", "subnetwork", "network_link", "subnet_link"),
    [
        ("default", None, f"{BASE}projects/p/global/networks/default", None),
        (
            "vpc",
            "nodes",
            f"{BASE}projects/p/global/networks/vpc",
            f"{BASE}projects/p/regions/us-central1/subnetworks/nodes",
        ),
        (
            "projects/host/global/networks/shared",
            "projects/host/regions/us-central1/subnetworks/s",
            f"{BASE}projects/host/global/networks/shared",
            f"{BASE}projects/host/regions/us-central1/subnetworks/s",
        ),
    ],
)
def test_network_links(
    network: str, subnetwork: str | None, network_link: str, subnet_link: str | None
) -> None:
    config = CONFIG.model_copy(update={"network": network, "subnetwork": subnetwork})
    where = Where.of(config, cluster="prod")
    assert (where.network, where.subnetwork) == (network_link, subnet_link)


def test_names_are_valid_and_deterministic() -> None:
    mark = Mark(cluster="prod", service="shop/web", lb="k8s-shop-web-0123456789")
    ref = ref_from(mark.description, cluster="prod", name="k8s-shop-web-0123456789")
    assert ref is not None and ref.service_key == "shop/web"
    names = Names.of(ref, WHERE)
    assert (names.rule("TCP"), names.health_firewall) == (
        "k8s-shop-web-0123456789-tcp",
        "k8s-shop-web-0123456789-hc",
    )
    assert (names.group, names.upstream_group) == (group_name("prod"), False)
    theirs = Names.of(ref, dataclasses.replace(WHERE, upstream_cluster="0123abcd"))
    assert (theirs.group, theirs.upstream_group) == ("k8s-ig--0123abcd", True)
    long = group_name("c" * 63)
    assert long == group_name("c" * 63) and len(long) <= 63 and long.startswith("k8s-ig-")
    assert ref_from(mark.description, cluster="other", name="x") is None
    assert ref_from("not json", cluster="prod", name="x") is None


def test_rate_limit_families() -> None:
    assert set(buckets({})) == set(DEFAULT_LIMITS) == {"read", "write"}
    with pytest.raises(ValueError, match="unknown API families \\['describe'\\]"):
        buckets({"describe": RateLimit(qps=1, burst=1)})
