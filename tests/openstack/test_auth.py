"""The provider logs in through Keystone with openstacksdk's own configuration (clouds.yaml and
OS_CLOUD), and Octavia checks that token with Keystone."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from keystoneauth1 import exceptions as ksa

from devenv.state import EnvState
from lbcontroller.metrics import Metrics
from providers.openstack.provider import OpenStackLoadBalancers
from tests.conftest import endpoint
from tests.devenv.openstack_env.support import OPENSTACK_MARKS
from tests.support.calls import MetricCalls

from .conftest import make_provider

pytestmark = OPENSTACK_MARKS


def _validate(auth_url: str, token: str) -> Any:
    """Keystone's own view of a token (GET /v3/auth/tokens)."""
    headers = {"X-Auth-Token": token, "X-Subject-Token": token}
    request = urllib.request.Request(f"{auth_url}/auth/tokens", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def test_token_comes_from_keystone(
    provider: OpenStackLoadBalancers, devenv: EnvState, os_env: dict[str, str]
) -> None:
    assert provider.list_owned() == []  # Octavia accepted the token
    session = provider.ctx.api.conn.session
    auth_url = endpoint(devenv, "OS_AUTH_URL")
    assert session.auth.auth_url == auth_url  # type: ignore[union-attr]
    token = _validate(auth_url, str(session.get_token()))
    assert token["project"]["id"] == endpoint(devenv, "OS_PROJECT_ID")
    catalog = {entry["type"]: entry["endpoints"] for entry in token["catalog"]}
    assert os_env["OCTAVIA_ENDPOINT_URL"] in {e["url"] for e in catalog["load-balancer"]}


def test_wrong_password_fails_at_once(
    os_env: dict[str, str],
    cluster: str,
    metrics: Metrics,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clouds = yaml.safe_load(Path(os_env["OS_CLIENT_CONFIG_FILE"]).read_text())
    clouds["clouds"][os_env["OS_CLOUD"]]["auth"]["password"] = "not-the-password"
    wrong = tmp_path / "clouds.yaml"
    wrong.write_text(yaml.safe_dump(clouds))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(wrong))
    provider = make_provider(os_env, cluster=cluster, metrics=metrics)
    tally = MetricCalls(metrics)
    tally.start()
    with pytest.raises(ksa.Unauthorized):
        provider.list_owned()
    assert tally.reads() == {"loadbalancers.list": 1}  # final: not retried


def test_endpoint_override(os_env: dict[str, str], cluster: str, metrics: Metrics) -> None:
    url = os_env["OCTAVIA_ENDPOINT_URL"].replace("127.0.0.1", "localhost")
    provider = make_provider(os_env, cluster=cluster, metrics=metrics, endpoint=url)
    assert provider.list_owned() == []
    assert str(provider.ctx.api.conn.load_balancer.get_endpoint()).startswith(url)
