"""Deterministic, readable names for cloud resources.

Where it sits: the pure core names each load balancer when it builds the spec; providers derive
their child resources' names from it. A name is a function of (cluster, namespace, Service name)
only, so every replica, every restart and `plan` compute the same one, and it reads as the
Service it serves.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 32  # AWS's load balancer limit; within GCE's 63 and Octavia's 255
_UNSAFE = re.compile(r"[^a-z0-9-]+")


def digest(*parts: str, length: int = 10) -> str:
    """A short, stable hex digest of the parts."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _clip(text: str, length: int) -> str:
    return _UNSAFE.sub("-", text.lower())[:length].strip("-")


def lb_name(cluster: str, namespace: str, service: str) -> str:
    """`k8s-<ns:6>-<name:8>-<hash:10>`: at most 32 characters, starts with a letter."""
    hashed = digest(cluster, namespace, service)
    readable = "-".join(p for p in (_clip(namespace, 6), _clip(service, 8)) if p)
    return f"k8s-{readable}-{hashed}"[:MAX_NAME]


def child_prefix(base: str, limit: int = MAX_NAME) -> str:
    """What every `child_name(base, ...)` within `limit` starts with (to find strays)."""
    return base[: limit - 9]


def child_name(base: str, *parts: str, limit: int = MAX_NAME) -> str:
    """A child resource's name: the parent's name plus a suffix, hashed down to `limit`."""
    full = "-".join((base, *parts))
    if len(full) <= limit:
        return full
    return f"{child_prefix(base, limit)}-{digest(full, length=8)}"
