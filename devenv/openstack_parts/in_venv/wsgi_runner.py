"""WSGI application factories for gunicorn, run inside an OpenStack service's own venv.

Where it sits: `devenv.openstack_parts.plan.gunicorn` starts
`<venv>/bin/gunicorn --pythonpath <this folder> 'wsgi_runner:app("<service>", "<config>")'`.
Each service's packaged WSGI module reads `sys.argv` or environment variables for its config
file; under gunicorn `sys.argv` is gunicorn's own, so this sets both before building the app.
It imports nothing from the project (the service venv does not have it).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _keystone(config: str) -> WsgiApp:
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = config
    wsgi = importlib.import_module("keystone.server.wsgi")
    app: WsgiApp = wsgi.initialize_public_application()
    return app


def _octavia(config: str) -> WsgiApp:
    api = importlib.import_module("octavia.api.app")
    app: WsgiApp = api.setup_app(argv=["octavia-api", "--config-file", config])
    return app


def _neutron(config: str) -> WsgiApp:
    path = Path(config)
    os.environ["OS_NEUTRON_CONFIG_DIR"] = str(path.parent)
    os.environ["OS_NEUTRON_CONFIG_FILES"] = path.name
    server = importlib.import_module("neutron.server")
    api = importlib.import_module("neutron.server.api")
    app: WsgiApp = server.boot_server(api.api_server, prog="neutron-api")
    return app


_FACTORIES: dict[str, Callable[[str], WsgiApp]] = {
    "keystone": _keystone,
    "octavia": _octavia,
    "neutron": _neutron,
}


def app(service: str, config: str) -> WsgiApp:
    """The WSGI application of `service`, configured from `config` (gunicorn calls this)."""
    sys.argv = [f"{service}-api"]
    return _FACTORIES[service](config)
