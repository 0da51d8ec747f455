"""A Google Compute Engine REST fake for the network load-balancer calls, standard library only.

Run it with `python -m devenv.gcefake --port PORT`, or in-process through `FakeServer`. Point
google-cloud-compute at it with client_options={"api_endpoint": "http://127.0.0.1:PORT"} and
AnonymousCredentials. Modules: server (HTTP), api (routing), admin (/_fake/ endpoints),
resources/frontends/backends/networks (collections; networks: dual-stack subnetworks), ops
(operations), store (state), listing, links, ipam, faults, errors.
"""

from __future__ import annotations

from .server import FakeServer

__all__ = ["FakeServer"]
