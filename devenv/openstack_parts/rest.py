"""A tiny JSON-over-HTTP client for the set-up calls to Keystone and Neutron.

Where it sits: `devenv.openstack_parts.keystone` registers users and the catalog with it and
`devenv.openstack_parts.neutron` creates the VIP and external networks. The project venv's
standard library only, so env-up does not import openstacksdk.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from devenv.procs import EnvError

Json = dict[str, Any]


def call(
    method: str, url: str, body: Json | None = None, *, token: str | None = None
) -> tuple[Json, dict[str, str]]:
    """One request; the decoded body (empty for 204) and the headers. Non-2xx raises."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw = resp.read()
            headers = {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:300]
        raise EnvError(f"{method} {url} answered {exc.code}: {detail}") from exc
    except OSError as exc:
        raise EnvError(f"{method} {url} failed: {exc}") from exc
    return (json.loads(raw) if raw else {}), headers


def password_token(keystone_url: str, user: str, password: str, project: str) -> tuple[str, Json]:
    """A project-scoped token for a Default-domain user, and the token body."""
    body: Json = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    reply, headers = call("POST", f"{keystone_url}/auth/tokens", body)
    return headers["x-subject-token"], reply
