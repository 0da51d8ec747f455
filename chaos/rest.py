"""Plain JSON over HTTP on loopback, for the GCE fake's REST API and its admin endpoint.

Where it sits: the chaos run reads the GCE fake directly (`chaos.inventory`) and plants its
decoys there (`chaos.decoys`) with these helpers: the checker reads the wire JSON itself rather
than through the client library the controller uses.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit


class RestError(Exception):
    """A non-2xx answer."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status


def call(base: str, method: str, path: str, body: object = None, *, timeout: float = 30) -> Any:
    """One request to `base` + `path`; the decoded JSON answer, or RestError."""
    parts = urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"loopback only, not {base}")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    if response.status >= 300:
        raise RestError(response.status, raw.decode(errors="replace"))
    return json.loads(raw) if raw else {}


def items(base: str, path: str, *, max_pages: int = 50) -> list[Any]:
    """Every item of a Compute list (all pages, capped)."""
    out: list[Any] = []
    token = ""
    for _ in range(max_pages):
        query = "?maxResults=500" + (f"&pageToken={token}" if token else "")
        page = call(base, "GET", path + query)
        out.extend(page.get("items") or [])
        token = page.get("nextPageToken") or ""
        if not token:
            return out
    raise RuntimeError(f"{path}: still paginating after {max_pages} pages")


def insert(base: str, path: str, body: dict[str, Any], *, timeout: float = 30) -> None:
    """POST a resource and wait until the fake shows it (its operations finish quickly)."""
    call(base, "POST", path, body)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            call(base, "GET", f"{path}/{body['name']}")
            return
        except RestError as exc:
            if exc.status != 404:
                raise
        time.sleep(0.05)
    raise RuntimeError(f"{path}/{body['name']} did not appear within {timeout:.0f} s")
