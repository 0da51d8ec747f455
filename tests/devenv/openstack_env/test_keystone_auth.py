"""Keystone authenticates the tests' user, the catalog names the loopback services, and Octavia
validates tokens with Keystone (keystonemiddleware): a bad or revoked token gets 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.devenv.openstack_env.support import OPENSTACK_MARKS

pytestmark = OPENSTACK_MARKS


def _get(url: str, token: str) -> int:
    req = urllib.request.Request(url, headers={"X-Auth-Token": token, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _new_token(conn: Any) -> str:
    """A fresh token for the tests' user, obtained straight from Keystone."""
    auth = conn.config.config["auth"]
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": auth["username"],
                        "domain": {"name": auth["user_domain_name"]},
                        "password": auth["password"],
                    }
                },
            },
            "scope": {
                "project": {
                    "name": auth["project_name"],
                    "domain": {"name": auth["project_domain_name"]},
                }
            },
        }
    }
    req = urllib.request.Request(
        auth["auth_url"] + "/auth/tokens",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return str(resp.headers["X-Subject-Token"])


def test_password_login_and_catalog(conn: Any, os_env: dict[str, str]) -> None:
    assert conn.auth_token
    assert conn.current_project.name == "lbc-tests"
    catalog = {entry["type"]: entry for entry in conn.service_catalog}
    assert {"identity", "load-balancer", "network"} <= set(catalog)
    for entry in catalog.values():
        for ep in entry["endpoints"]:
            assert ep["url"].startswith("http://127.0.0.1:"), ep
    octavia = [ep["url"] for ep in catalog["load-balancer"]["endpoints"]]
    assert os_env["OCTAVIA_ENDPOINT_URL"] in octavia


def test_octavia_refuses_bad_token(conn: Any, os_env: dict[str, str]) -> None:
    url = os_env["OCTAVIA_ENDPOINT_URL"] + "/v2/lbaas/loadbalancers"
    assert _get(url, conn.auth_token) == 200
    assert _get(url, "gAAAAAB-not-a-real-token") == 401


def test_octavia_refuses_revoked_token(conn: Any, os_env: dict[str, str]) -> None:
    """A token Octavia has never seen, revoked in Keystone first: only asking Keystone can
    tell it from a good one."""
    token = _new_token(conn)
    revoke = urllib.request.Request(
        conn.config.config["auth"]["auth_url"] + "/auth/tokens",
        headers={"X-Auth-Token": conn.auth_token, "X-Subject-Token": token},
        method="DELETE",
    )
    urllib.request.urlopen(revoke, timeout=30).close()
    assert _get(os_env["OCTAVIA_ENDPOINT_URL"] + "/v2/lbaas/loadbalancers", token) == 401
