"""Lists: envelope, maxResults/pageToken pagination and the filter forms clients send."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, Gce


def _addresses(gce: Gce) -> None:
    for name, team in (("web-a", "blue"), ("web-b", "green"), ("db", "blue")):
        address = compute_v1.Address(name=name, labels={"team": team}, description=f"for {name}")
        gce.done(gce.addresses.insert(project=PROJECT, region=REGION, address_resource=address))


def _names(gce: Gce, **kw: object) -> list[str]:
    request = compute_v1.ListAddressesRequest(project=PROJECT, region=REGION, **kw)
    return [a.name for a in gce.addresses.list(request=request)]


def test_pagination_one_per_page(gce: Gce) -> None:
    _addresses(gce)
    request = compute_v1.ListAddressesRequest(project=PROJECT, region=REGION, max_results=1)
    pages = list(gce.addresses.list(request=request).pages)
    assert [[a.name for a in page.items] for page in pages] == [["db"], ["web-a"], ["web-b"]]
    assert all(page.next_page_token for page in pages[:-1])
    assert not pages[-1].next_page_token
    assert pages[0].kind == "compute#addressList"
    assert pages[0].self_link == f"{gce.base}/regions/{REGION}/addresses"
    first = gce.addresses.list(request=request)
    assert len(first._response.items) == 1  # one raw page before the pager fetches more
    assert _names(gce, max_results=2) == ["db", "web-a", "web-b"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('name = "web-a"', ["web-a"]),
        ("name = web-*", ["web-a", "web-b"]),
        ("name != db", ["web-a", "web-b"]),
        ("name eq web-.*", ["web-a", "web-b"]),
        ("name ne 'web-.*'", ["db"]),
        ('labels.team = "blue"', ["db", "web-a"]),
        ('(labels.team = "blue") (name = "web-a")', ["web-a"]),
        ('labels.team = "blue" AND name != "db"', ["web-a"]),
        ('name = "db" OR name = "web-b"', ["db", "web-b"]),
        ('description = "for db"', ["db"]),
        ("labels.team:*", ["db", "web-a", "web-b"]),
        ('status = "RESERVED"', ["db", "web-a", "web-b"]),
        ("labels.nothing:*", []),
    ],
)
def test_filters(gce: Gce, expression: str, expected: list[str]) -> None:
    _addresses(gce)
    assert _names(gce, filter=expression) == expected


def test_filter_with_pagination_and_bad_filter(gce: Gce) -> None:
    _addresses(gce)
    assert _names(gce, filter="name = web-*", max_results=1) == ["web-a", "web-b"]
    with pytest.raises(exceptions.BadRequest):
        _names(gce, filter='name = "unterminated')


def test_empty_list(gce: Gce) -> None:
    assert list(gce.firewalls.list(project=PROJECT)) == []
    assert list(gce.health_checks.list(project=PROJECT, region=REGION)) == []
