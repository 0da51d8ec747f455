"""Operations, injected failures, throttling, requestId replay, the call log and latency."""

from __future__ import annotations

import time

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .gce import PROJECT, REGION, ZONES, Admin, Gce

R = f"regions/{REGION}"


def _address(gce: Gce, name: str = "ip", request_id: str | None = None) -> compute_v1.Operation:
    request = compute_v1.InsertAddressRequest(
        project=PROJECT, region=REGION, address_resource=compute_v1.Address(name=name)
    )
    if request_id:
        request.request_id = request_id
    return gce.wait(gce.addresses.insert(request=request))


def test_operation_shape_and_progress(gce: Gce, admin: Admin) -> None:
    admin.config(op_delay=0.4)
    started = time.monotonic()
    op = gce.addresses.insert(
        project=PROJECT, region=REGION, address_resource=compute_v1.Address(name="ip")
    )
    assert op.status in (compute_v1.Operation.Status.PENDING, compute_v1.Operation.Status.RUNNING)
    polled = gce.region_ops.get(project=PROJECT, region=REGION, operation=op.name)
    assert polled.status != compute_v1.Operation.Status.DONE
    done = gce.wait(op)
    assert time.monotonic() - started >= 0.35
    assert done.status == compute_v1.Operation.Status.DONE
    assert done.kind == "compute#operation"
    assert done.operation_type == "insert"
    assert done.name == op.name
    assert done.id > 0 and done.target_id > 0
    address = gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    assert done.target_id == address.id
    assert done.target_link == address.self_link
    assert done.self_link == f"{gce.base}/{R}/operations/{op.name}"
    assert done.region == f"{gce.base}/{R}"
    assert done.insert_time and done.end_time
    assert not done.error.errors
    listed = gce.region_ops.list(project=PROJECT, region=REGION)
    assert [o.name for o in listed] == [op.name]
    with pytest.raises(exceptions.NotFound):
        gce.zone_ops.get(project=PROJECT, zone=ZONES[0], operation=op.name)


def test_zone_and_global_operations(gce: Gce) -> None:
    group = compute_v1.InstanceGroup(name="ig")
    zonal = gce.done(
        gce.instance_groups.insert(project=PROJECT, zone=ZONES[1], instance_group_resource=group)
    )
    assert zonal.zone == f"{gce.base}/zones/{ZONES[1]}"
    assert not zonal.region
    firewall = compute_v1.Firewall(
        name="fw", allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=["80-81"])]
    )
    glob = gce.done(gce.firewalls.insert(project=PROJECT, firewall_resource=firewall))
    assert not glob.zone and not glob.region
    assert glob.self_link == f"{gce.base}/global/operations/{glob.name}"
    assert gce.global_ops.get(project=PROJECT, operation=glob.name).status == glob.status


def test_injected_operation_failure(gce: Gce, admin: Admin) -> None:
    admin.fail(
        method="insert",
        collection="addresses",
        count=1,
        code=400,
        reason="IP_SPACE_EXHAUSTED",
        message="No IPs left",
    )
    failed = _address(gce)
    assert failed.status == compute_v1.Operation.Status.DONE
    assert failed.http_error_status_code == 400
    assert failed.http_error_message == "BAD REQUEST"
    assert [(e.code, e.message) for e in failed.error.errors] == [
        ("IP_SPACE_EXHAUSTED", "No IPs left")
    ]
    with pytest.raises(exceptions.NotFound):
        gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    # One shot only: the retry succeeds.
    assert not _address(gce).error.errors
    assert gce.addresses.get(project=PROJECT, region=REGION, address="ip").status == "RESERVED"


def test_injected_failure_default_500_and_sync(gce: Gce, admin: Admin) -> None:
    admin.fail(method="delete", collection="addresses")
    _address(gce)
    failed = gce.wait(gce.addresses.delete(project=PROJECT, region=REGION, address="ip"))
    assert (failed.http_error_status_code, failed.error.errors[0].code) == (500, "INTERNAL_ERROR")
    gce.addresses.get(project=PROJECT, region=REGION, address="ip")  # still there

    admin.fail(method="delete", collection="addresses", code=503, sync=True)
    with pytest.raises(exceptions.ServiceUnavailable):
        gce.addresses.delete(project=PROJECT, region=REGION, address="ip", retry=None)
    admin.fail(method="get", collection="addresses", code=500, count=2)
    with pytest.raises(exceptions.InternalServerError):
        gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    with pytest.raises(exceptions.InternalServerError):
        gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    gce.addresses.get(project=PROJECT, region=REGION, address="ip")


def test_throttling(gce: Gce, admin: Admin) -> None:
    admin.throttle(rate=1.0, codes=[403])
    with pytest.raises(exceptions.Forbidden) as caught:
        gce.firewalls.list(project=PROJECT)
    assert caught.value.errors[0]["reason"] == "rateLimitExceeded"
    assert caught.value.errors[0]["domain"] == "usageLimits"
    admin.throttle(rate=1.0, codes=[429])
    with pytest.raises(exceptions.TooManyRequests):
        gce.firewalls.list(project=PROJECT)
    admin.throttle(rate=0.3, seed=7)
    outcomes = []
    for _ in range(200):
        try:
            gce.firewalls.list(project=PROJECT)
            outcomes.append("ok")
        except (exceptions.Forbidden, exceptions.TooManyRequests) as err:
            outcomes.append(str(err.code))
    assert 30 <= len([o for o in outcomes if o != "ok"]) <= 90
    assert {"403", "429", "ok"} == set(outcomes)
    admin.throttle(rate=0)
    gce.firewalls.list(project=PROJECT)


def test_request_id_replays_the_operation(gce: Gce, admin: Admin) -> None:
    first = _address(gce, request_id="6f1b5a8e-4ab8-4d36-9a52-1c3b0c0d1e2f")
    again = _address(gce, request_id="6f1b5a8e-4ab8-4d36-9a52-1c3b0c0d1e2f")
    assert again.name == first.name
    assert not again.error.errors
    with pytest.raises(exceptions.Conflict):
        _address(gce)
    with pytest.raises(exceptions.BadRequest):
        _address(gce, name="other", request_id="not-a-uuid")


def test_call_log(gce: Gce, admin: Admin) -> None:
    _address(gce)
    gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    with pytest.raises(exceptions.NotFound):
        gce.addresses.get(project=PROJECT, region=REGION, address="gone")
    calls = admin.calls()
    assert [(c["method"], c["verb"], c["status"]) for c in calls] == [
        ("POST", "insert", 200),
        ("POST", "wait", 200),
        ("GET", "get", 200),
        ("GET", "get", 404),
    ]
    assert calls[0]["path"] == f"/compute/v1/projects/{PROJECT}/{R}/addresses"
    assert calls[0]["collection"] == "addresses"


def test_latency_per_call(gce: Gce, admin: Admin) -> None:
    _address(gce)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        gce.addresses.get(project=PROJECT, region=REGION, address="ip")
    per_get = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for index in range(50):
        gce.addresses.insert(
            project=PROJECT, region=REGION, address_resource=compute_v1.Address(name=f"a{index}")
        )
    per_insert = (time.perf_counter() - started) / 50
    print(f"gcefake latency: get {per_get * 1000:.2f} ms, insert {per_insert * 1000:.2f} ms")
    assert per_get < 0.05
    assert per_insert < 0.05
