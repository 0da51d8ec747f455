"""`.devenv/openstack/clouds.yaml`: how openstacksdk (and the controller) reach the stack.

Where it sits: `devenv.openstack.start_openstack` writes it last; its path is exported as
OS_CLIENT_CONFIG_FILE with OS_CLOUD=devenv, so `openstack.connect(cloud="devenv")` logs in as
the tests' user in the tests' project. `devenv-admin` is the bootstrap admin, for set-up
that needs it. Mode 0600: it holds this env-up's passwords.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from devenv.openstack_parts.keystone import TESTS_PROJECT, TESTS_USER
from devenv.openstack_parts.plan import REGION, Plan, write_private


def _cloud(plan: Plan, user: str, password: str, project: str) -> dict[str, object]:
    return {
        "auth": {
            "auth_url": plan.keystone_url,
            "username": user,
            "password": password,
            "project_name": project,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "auth_type": "password",
        "identity_api_version": 3,
        "interface": "public",
        "region_name": REGION,
    }


def write_clouds(plan: Plan) -> Path:
    """Write clouds.yaml with the `devenv` and `devenv-admin` clouds."""
    body = {
        "clouds": {
            "devenv": _cloud(plan, TESTS_USER, plan.tests_password, TESTS_PROJECT),
            "devenv-admin": _cloud(plan, "admin", plan.admin_password, "admin"),
        }
    }
    return write_private(plan.root / "clouds.yaml", yaml.safe_dump(body, sort_keys=False))
