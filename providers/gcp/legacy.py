"""The legacy HTTP health checks (global/httpHealthChecks) that cloud-provider-gcp's target
pools probe with (providers/gce/gce_loadbalancer_external.go, `makeHTTPHealthCheck`).

Where it sits: google-cloud-compute has no client for this collection, so this one speaks its
REST paths through another Compute client's authorised session and endpoint, with the same
request shape (`get`, `delete_unary`) that `api.Api` uses for every collection. Only
reads and deletes: lbcontroller removes what upstream left, it never makes these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.api_core import exceptions
from google.cloud import compute_v1

PATH = "/compute/v1/projects/{project}/global/httpHealthChecks"


@dataclass(frozen=True, slots=True)
class Legacy:
    """A legacy HTTP health check, as far as ownership and deletion need it."""

    name: str
    description: str
    self_link: str


class HttpHealthChecksClient:
    """global/httpHealthChecks over the session and host of another Compute REST transport."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def _call(self, method: str, url: str, timeout: float | None, **params: Any) -> Any:
        host = self.transport._host  # the client's endpoint, overridden or Google's
        answer = self.transport._session.request(
            method, host + url, params=params or None, timeout=timeout
        )
        if answer.status_code >= 400:
            raise exceptions.from_http_response(answer)  # type: ignore[no-untyped-call]
        return answer.json()

    def get(self, request: dict[str, Any], **options: Any) -> Legacy:
        """One health check (NotFound when absent)."""
        url = PATH.format(**request) + "/" + request["http_health_check"]
        return _legacy(self._call("GET", url, options.get("timeout")))

    def delete_unary(self, request: dict[str, Any], **options: Any) -> compute_v1.Operation:
        """Start deleting a health check; the operation, to wait on."""
        url = PATH.format(**request) + "/" + request["http_health_check"]
        answer = self._call("DELETE", url, options.get("timeout"), requestId=request["request_id"])
        operation: compute_v1.Operation = compute_v1.Operation.from_json(
            json.dumps(answer), ignore_unknown_fields=True
        )
        return operation


def _legacy(item: dict[str, Any]) -> Legacy:
    return Legacy(
        name=item["name"], description=item.get("description", ""), self_link=item["selfLink"]
    )
