"""The one seam that talks to the Kubernetes API.

Where it sits: every read and write the controller makes to the cluster goes through
`KubeClient`: lists and watches for the informers (`cache`), finalizer and status patches and
Events for the reconciler, Leases for leader election. It speaks JSON over urllib3 and hands
back plain dicts, so callers build slim records (`model`) instead of the client library's heavy
generated models; the `kubernetes` package is used only to load kubeconfig or in-cluster
credentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, cast
from urllib.parse import quote, urlencode

import urllib3
from kubernetes import config as kube_config
from kubernetes.client import Configuration

JSON = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


class KubeError(Exception):
    """A non-2xx answer from the API server."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class Conflict(KubeError):
    """409: a stale resourceVersion or an object that already exists."""


class Gone(KubeError):
    """410: the resourceVersion we watched from was compacted away."""


class NotFound(KubeError):
    """404."""


class Unreachable(KubeError):
    """No answer at all: the API server is down, restarting, or the network failed."""


_ERRORS: dict[int, type[KubeError]] = {404: NotFound, 409: Conflict, 410: Gone}


def load_configuration(kubeconfig: str | None = None) -> Configuration:
    """Credentials from `kubeconfig` (or $KUBECONFIG / ~/.kube/config), else in-cluster."""
    configuration = Configuration()
    if kubeconfig is None:
        try:
            kube_config.load_incluster_config(client_configuration=configuration)
            return configuration
        except kube_config.ConfigException:
            pass
    kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    return configuration


def _raise_for(status: int, body: bytes) -> None:
    try:
        parsed = json.loads(body)
        reason, message = parsed.get("reason", ""), parsed.get("message", "")
    except ValueError:
        reason, message = "", body[:200].decode(errors="replace")
    raise _ERRORS.get(status, KubeError)(status, reason, message)


class KubeClient:
    """JSON requests to the API server with the configured credentials."""

    def __init__(self, configuration: Configuration, *, pool_size: int = 16) -> None:
        self._config = configuration
        self._base = configuration.host.rstrip("/")
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=pool_size,
            cert_reqs="CERT_REQUIRED" if configuration.verify_ssl else "CERT_NONE",
            ca_certs=configuration.ssl_ca_cert,
            cert_file=configuration.cert_file,
            key_file=configuration.key_file,
        )

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "lbcontroller"}
        if content_type:
            headers["Content-Type"] = content_type
        auth = self._config.auth_settings().get("BearerToken")
        if auth and auth["value"]:
            headers["Authorization"] = auth["value"]
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: JSON | None = None,
        content_type: str = "application/json",
        timeout: float = 30.0,
    ) -> JSON:
        """One request; the decoded JSON answer, or a KubeError."""
        url = self._base + path + (f"?{urlencode(query)}" if query else "")
        try:
            resp = self._pool.request(
                method,
                url,
                body=json.dumps(body).encode() if body is not None else None,
                headers=self._headers(content_type if body is not None else None),
                timeout=urllib3.Timeout(connect=5.0, read=timeout),
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise Unreachable(0, type(exc).__name__, str(exc)) from exc
        if resp.status >= 300:
            _raise_for(resp.status, resp.data)
        return cast(JSON, json.loads(resp.data)) if resp.data else {}

    def watch(
        self, path: str, *, resource_version: str, timeout_seconds: int = 300
    ) -> Iterator[JSON]:
        """Stream watch events (with bookmarks) from `resource_version`; ends on timeout."""
        query = {
            "watch": "1",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        resp = self._pool.request(
            "GET",
            f"{self._base}{path}?{urlencode(query)}",
            headers=self._headers(None),
            timeout=urllib3.Timeout(connect=5.0, read=timeout_seconds + 30),
            preload_content=False,
            retries=False,
        )
        try:
            if resp.status >= 300:
                _raise_for(resp.status, resp.read())
            yield from _lines(resp)
        finally:
            resp.release_conn()

    def pages(self, path: str, *, limit: int = 500) -> Iterator[tuple[list[JSON], str]]:
        """A collection page by page, each with the list's resourceVersion (one snapshot)."""
        query = {"limit": str(limit)}
        while True:
            page = self.request("GET", path, query=query)
            yield page.get("items") or [], str(page["metadata"]["resourceVersion"])
            token = page.get("metadata", {}).get("continue")
            if not token:
                return
            query = {"limit": str(limit), "continue": token}

    def list(self, path: str, *, limit: int = 500) -> tuple[list[JSON], str]:
        """All items of a collection (paginated), and the list's resourceVersion."""
        pages = list(self.pages(path, limit=limit))  # at least one
        return [item for items, _ in pages for item in items], pages[-1][1]

    # The writes the controller makes, each named for what it does.

    def patch_service(self, namespace: str, name: str, patch: JSON) -> JSON:
        """A JSON merge patch of a Service's metadata/spec."""
        return self.request(
            "PATCH", _service_path(namespace, name), body=patch, content_type=MERGE_PATCH
        )

    def patch_service_status(self, namespace: str, name: str, patch: JSON) -> JSON:
        """A JSON merge patch of a Service's status subresource."""
        return self.request(
            "PATCH",
            _service_path(namespace, name) + "/status",
            body=patch,
            content_type=MERGE_PATCH,
        )

    def create_event(self, namespace: str, event: JSON) -> JSON:
        """Post a core/v1 Event."""
        return self.request("POST", f"/api/v1/namespaces/{quote(namespace)}/events", body=event)

    def get_event(self, namespace: str, name: str) -> JSON:
        """Read a core/v1 Event."""
        return self.request("GET", f"/api/v1/namespaces/{quote(namespace)}/events/{quote(name)}")

    def patch_event(self, namespace: str, name: str, patch: JSON) -> JSON:
        """Bump an existing Event (count, lastTimestamp)."""
        path = f"/api/v1/namespaces/{quote(namespace)}/events/{quote(name)}"
        return self.request("PATCH", path, body=patch, content_type=MERGE_PATCH)

    def get_lease(self, namespace: str, name: str) -> JSON:
        """Read a coordination.k8s.io Lease."""
        return self.request("GET", _lease_path(namespace, name))

    def create_lease(self, namespace: str, lease: JSON) -> JSON:
        """Create a Lease (409 if another replica did first)."""
        path = f"/apis/coordination.k8s.io/v1/namespaces/{quote(namespace)}/leases"
        return self.request("POST", path, body=lease)

    def replace_lease(self, namespace: str, name: str, lease: JSON) -> JSON:
        """Replace a Lease, guarded by its resourceVersion (409 if it moved)."""
        return self.request("PUT", _lease_path(namespace, name), body=lease)


def _service_path(namespace: str, name: str) -> str:
    return f"/api/v1/namespaces/{quote(namespace)}/services/{quote(name)}"


def _lease_path(namespace: str, name: str) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{quote(namespace)}/leases/{quote(name)}"


def _lines(resp: urllib3.BaseHTTPResponse) -> Iterator[JSON]:
    buffer = b""
    for chunk in resp.stream(65536):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield cast(JSON, json.loads(line))
