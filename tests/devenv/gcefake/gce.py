"""Test helpers: the real google-cloud-compute clients aimed at the fake, and its admin API.

Operations are waited for with our own Region/Zone/GlobalOperationsClient `.wait()` on the
fake's endpoint: ExtendedOperation.result() would poll the real Google host.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from google.api_core.extended_operation import ExtendedOperation
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

PROJECT = "fake-project"
REGION = "us-central1"
ZONES = ("us-central1-a", "us-central1-b")


class Admin:
    """The fake-only /_fake/ endpoints (plain HTTP: the client library cannot reach them)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one admin request; return the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            detail = err.read().decode()
            err.close()
            raise AssertionError(f"admin {method} {path} -> {err.code}: {detail}") from None

    def reset(self) -> None:
        """Forget all state."""
        self.call("POST", "/_fake/reset", {})

    def fail(self, **rule: Any) -> None:
        """Arm an injected failure."""
        self.call("POST", "/_fake/fail", rule)

    def throttle(self, **spec: Any) -> None:
        """Set throttling."""
        self.call("POST", "/_fake/throttle", spec)

    def config(self, **spec: Any) -> dict[str, Any]:
        """Change op_delay / wait_cap."""
        answer: dict[str, Any] = self.call("POST", "/_fake/config", spec)
        return answer

    def instance(self, zone: str, name: str, **extra: Any) -> dict[str, Any]:
        """Create an instance (the API has no insert path in the fake)."""
        answer: dict[str, Any] = self.call(
            "POST", "/_fake/instances", {"project": PROJECT, "zone": zone, "name": name, **extra}
        )
        return answer

    def calls(self) -> list[dict[str, Any]]:
        """The logged Compute calls."""
        answer: list[dict[str, Any]] = self.call("GET", "/_fake/calls")["calls"]
        return answer


class Gce:
    """One of each client the load-balancer adapter uses, all on the fake's endpoint."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.base = f"{url}/compute/v1/projects/{PROJECT}"
        kw: dict[str, Any] = {
            "credentials": AnonymousCredentials(),  # type: ignore[no-untyped-call]
            "client_options": {"api_endpoint": url},
        }
        self.addresses = compute_v1.AddressesClient(**kw)
        self.subnetworks = compute_v1.SubnetworksClient(**kw)
        self.forwarding_rules = compute_v1.ForwardingRulesClient(**kw)
        self.backend_services = compute_v1.RegionBackendServicesClient(**kw)
        self.health_checks = compute_v1.RegionHealthChecksClient(**kw)
        self.instance_groups = compute_v1.InstanceGroupsClient(**kw)
        self.instances = compute_v1.InstancesClient(**kw)
        self.firewalls = compute_v1.FirewallsClient(**kw)
        self.target_pools = compute_v1.TargetPoolsClient(**kw)
        self.global_health_checks = compute_v1.HealthChecksClient(**kw)
        self.region_ops = compute_v1.RegionOperationsClient(**kw)
        self.zone_ops = compute_v1.ZoneOperationsClient(**kw)
        self.global_ops = compute_v1.GlobalOperationsClient(**kw)

    def close(self) -> None:
        """Close every client's HTTP session."""
        for client in vars(self).values():
            if hasattr(client, "transport"):
                client.transport.close()

    def wait(self, op: ExtendedOperation | compute_v1.Operation) -> compute_v1.Operation:
        """Wait (server-side .wait(), repeated) until DONE; return the final operation."""
        name, zone, region = op.name, op.zone, op.region
        for _ in range(20):
            if zone:
                result = self.zone_ops.wait(
                    project=PROJECT, zone=zone.rsplit("/", 1)[-1], operation=name
                )
            elif region:
                result = self.region_ops.wait(
                    project=PROJECT, region=region.rsplit("/", 1)[-1], operation=name
                )
            else:
                result = self.global_ops.wait(project=PROJECT, operation=name)
            if result.status == compute_v1.Operation.Status.DONE:
                return result
        raise AssertionError(f"operation {name} never finished")

    def done(self, op: ExtendedOperation | compute_v1.Operation) -> compute_v1.Operation:
        """Wait and insist the operation succeeded."""
        result = self.wait(op)
        assert not result.error.errors, result.error
        assert not result.http_error_status_code
        return result

    def legacy(self, method: str, name: str = "", body: dict[str, Any] | None = None) -> Any:
        """global/httpHealthChecks over plain REST (google-cloud-compute has no client for
        them); a mutation is waited for and must succeed."""
        url = f"{self.base}/global/httpHealthChecks" + (f"/{name}" if name else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        if method == "GET":
            return answer
        return self.done(
            compute_v1.Operation.from_json(json.dumps(answer), ignore_unknown_fields=True)
        )

    def link(self, scope: str, collection: str, name: str) -> str:
        """The selfLink the fake gives a resource."""
        return f"{self.base}/{scope}/{collection}/{name}"
