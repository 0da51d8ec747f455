"""The one door to OpenStack: every Octavia and Neutron call of the provider goes through `Api`.

Where it sits: built once per provider by `providers.openstack.build`; every module that talks to
OpenStack reads with `get` / `list` and writes with `write` / `delete`, naming the operation by
the API's collection and verb (`listeners.create`, `members.batch_update`, `floatingips.update`)
for metrics and plans. Each call runs under `CloudCaller` (rate limit by family, retries,
metrics) with keystoneauth's own connect retries off; a failed HTTP answer becomes
openstacksdk's exception (`raise_from_response`), and a final failure is translated by
`sdk.translated`. A dry `Api` (see `dry`) reads as usual but records its writes as
`PlannedChange`s instead of sending them, so `plan` runs the very same flow as `ensure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack import exceptions
from openstack.connection import Connection

from lbcontroller.cloudcall import CloudCaller
from lbcontroller.provider import PlannedChange
from providers.openstack.sdk import status_of, translated

JSON = dict[str, Any]
OCTAVIA = "load-balancer"
NEUTRON = "network"
MAX_PAGES = 50  # a listing that has not ended by then never will


class Api:
    """The connection plus the caller that every call goes through."""

    def __init__(
        self,
        *,
        conn: Connection,
        caller: CloudCaller,
        planned: list[PlannedChange] | None = None,
    ) -> None:
        self.conn = conn
        self._caller = caller
        self.planned = planned

    @property
    def dry_run(self) -> bool:
        """Whether writes are recorded instead of sent."""
        return self.planned is not None

    def dry(self) -> Api:
        """An Api that reads as this one does but records its writes in `planned` instead."""
        return Api(conn=self.conn, caller=self._caller, planned=[])

    def get(self, operation: str, service: str, path: str) -> JSON | None:
        """One resource, or None when it does not exist."""
        try:
            return self._call("read", operation, service, "GET", path)
        except exceptions.HttpException as exc:
            if status_of(exc) == 404:
                return None
            raise

    def list(
        self, operation: str, service: str, path: str, params: Mapping[str, Any]
    ) -> list[JSON]:
        """Every item of a filtered listing (all pages); the items' key ends `path`."""
        key = path.rsplit("/", 1)[-1]
        items: list[JSON] = []
        url, query = path, dict(params)
        for _ in range(MAX_PAGES):
            page = self._call("read", operation, service, "GET", url, params=query)
            items.extend(page.get(key) or [])
            following = [
                link["href"] for link in page.get(f"{key}_links") or [] if link["rel"] == "next"
            ]
            if not following:
                return items
            url, query = following[0], {}  # the link carries the filters and the marker
        raise RuntimeError(f"{operation}: still paginating after {MAX_PAGES} pages")

    def write(
        self,
        change: PlannedChange,
        service: str,
        method: str,
        path: str,
        body: JSON | None = None,
    ) -> JSON:
        """Send one change (dry: record it and answer `{}`)."""
        if self.planned is not None:
            self.planned.append(change)
            return {}
        return self._call("write", change.operation, service, method, path, body=body)

    def delete(self, change: PlannedChange, service: str, path: str) -> None:
        """Delete one resource; one already gone counts as deleted."""
        try:
            self.write(change, service, "DELETE", path)
        except exceptions.HttpException as exc:
            if status_of(exc) != 404:
                raise

    def _call(
        self,
        family: str,
        operation: str,
        service: str,
        method: str,
        path: str,
        *,
        body: JSON | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> JSON:
        def send() -> JSON:
            proxy = self.conn.load_balancer if service == OCTAVIA else self.conn.network
            response = proxy.request(path, method, connect_retries=0, json=body, params=params)
            exceptions.raise_from_response(response)
            return dict(response.json()) if response.content else {}

        with translated(operation):
            return self._caller.call(family, operation, send)
