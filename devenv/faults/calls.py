"""Recognising a cloud call in an HTTP request: which cloud, which service, which operation.

Where it sits: the proxy (`devenv.faultproxy`) asks `recognise` about every request before it
decides on a fault. AWS query-protocol calls (elb, elbv2, ec2: a form POST) are named by their
`Action` field and told apart by their `Version`; GCE Compute calls by their REST path and
method (`forwardingRules.insert`, `regionOperations.wait`, ...). Anything else (moto's
`/moto-api`, the GCE fake's `/_fake`) is not a cloud call: it passes through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# The API version each query-protocol service sends, and the service's name.
AWS_VERSIONS = {"2015-12-01": "elbv2", "2012-06-01": "elb", "2016-11-15": "ec2"}
GCE_READS = frozenset({"get", "list", "wait", "listInstances", "aggregatedList", "getHealth"})
_GCE_PATH = re.compile(
    r"/compute/v1/projects/[^/]+/(?P<scope>global|regions/[^/]+|zones/[^/]+)"
    r"/(?P<collection>[A-Za-z]+)(?:/(?P<name>[^/]+)(?:/(?P<verb>[A-Za-z]+))?)?/?"
)
_GCE_METHODS = {"GET": "get", "DELETE": "delete", "PATCH": "patch", "PUT": "update"}


@dataclass(frozen=True, slots=True)
class CloudCall:
    """One recognised call: `cloud` is aws or gce; `operation` the API's own name for it."""

    cloud: str
    service: str  # elbv2, elb, ec2, compute
    operation: str  # CreateLoadBalancer, forwardingRules.insert, ...
    write: bool
    bare: bool = False  # an AWS call with no parameter but its Action (unfiltered, unpaginated)

    @property
    def qualified(self) -> str:
        """`service:operation`, e.g. `elbv2:CreateLoadBalancer`."""
        return f"{self.service}:{self.operation}"


def _aws(body: bytes) -> CloudCall | None:
    try:
        form = parse_qs(body.decode("ascii"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    action = (form.get("Action") or [""])[0]
    version = (form.get("Version") or [""])[0]
    if not action:
        return None
    service = AWS_VERSIONS.get(version, "aws")
    bare = set(form) <= {"Action", "Version"}
    return CloudCall("aws", service, action, write=not action.startswith("Describe"), bare=bare)


def _gce(method: str, path: str) -> CloudCall | None:
    match = _GCE_PATH.fullmatch(path)
    if match is None:
        return None
    collection, name, verb = match["collection"], match["name"], match["verb"]
    if collection == "operations":
        kind = match["scope"].split("/")[0]
        collection = {"global": "globalOperations", "regions": "regionOperations"}.get(
            kind, "zoneOperations"
        )
    if verb is not None:
        operation = verb
    elif name is None:
        operation = "list" if method == "GET" else "insert"
    else:
        operation = _GCE_METHODS.get(method, method.lower())
    write = operation not in GCE_READS
    return CloudCall("gce", "compute", f"{collection}.{operation}", write=write)


def recognise(method: str, target: str, content_type: str, body: bytes) -> CloudCall | None:
    """The cloud call a request makes, or None when it is none (it then passes through)."""
    path = urlsplit(target).path
    if path.startswith("/compute/v1/"):
        return _gce(method, path)
    if method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        return _aws(body)
    return None
