"""Fixtures for the OpenStack environment tests: a connection as the tests' user, and a load
balancer on the VIP subnet that is deleted (cascade) afterwards.

Where it sits: builds on the session fixture `devenv` (tests/conftest.py), which starts what
LBC_ENV names. A session without the openstack component fails these tests loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import openstack
import pytest

from devenv.state import EnvState
from tests.conftest import endpoint
from tests.devenv.openstack_env.support import unique, wait_gone, wait_status


@pytest.fixture(scope="session")
def os_env(devenv: EnvState) -> dict[str, str]:
    """What env-up exported for OpenStack; fails when the component is not up."""
    keys = (
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLOUD",
        "OS_VIP_SUBNET_ID",
        "OS_VIP_NETWORK_ID",
        "OS_VIP_IPV6_SUBNET_ID",
        "OS_FLOATING_NETWORK_ID",
        "OCTAVIA_ENDPOINT_URL",
    )
    env = {key: endpoint(devenv, key) for key in keys}
    os.environ.update(env)
    return env


@pytest.fixture(scope="session")
def conn(os_env: dict[str, str]) -> Any:
    """openstacksdk, logged in through Keystone as the `devenv` cloud (tests' user)."""
    return openstack.connect(cloud=os_env["OS_CLOUD"])


@pytest.fixture
def lb(conn: Any, os_env: dict[str, str]) -> Iterator[Any]:
    """An ACTIVE load balancer on the VIP subnet; cascade-deleted afterwards."""
    made = conn.load_balancer.create_load_balancer(
        name=unique("lbc-test"), vip_subnet_id=os_env["OS_VIP_SUBNET_ID"]
    )
    try:
        yield wait_status(lambda: conn.load_balancer.get_load_balancer(made.id))
    finally:
        current = conn.load_balancer.find_load_balancer(made.id)
        if current is not None:
            if current.provisioning_status.startswith("PENDING"):
                wait_status(lambda: conn.load_balancer.get_load_balancer(made.id))
            conn.load_balancer.delete_load_balancer(made.id, cascade=True)
            wait_gone(lambda: conn.load_balancer.find_load_balancer(made.id))
