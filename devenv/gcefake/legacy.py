"""The target pool-based network load balancer's collections: regional target pools and the
legacy global HTTP health checks they probe with (what cloud-provider-gcp builds for an
external Service, providers/gce/gce_loadbalancer_external.go), and global health checks (which
its internal load balancers use, gce_loadbalancer_internal.go).

Where it sits: registered beside the other collections in `api.py`. google-cloud-compute has
no client for httpHealthChecks; tests reach them over plain REST like any other collection.
"""

from __future__ import annotations

from .backends import HealthChecks, refuse_while_used, timing
from .errors import JSON, invalid
from .links import Ref, parse_ref
from .resources import Call, Collection, choice, int_field
from .store import State

AFFINITIES = {"NONE", "CLIENT_IP", "CLIENT_IP_PROTO"}


class GlobalHealthChecks(HealthChecks):
    """global/healthChecks: the same probes, usable by regional passthrough backend services."""

    scope_kind = "global"


class HttpHealthChecks(Collection):
    """global/httpHealthChecks: the legacy HTTP probes of target pools."""

    collection = "httpHealthChecks"
    scope_kind = "global"
    kind = "compute#httpHealthCheck"
    methods = frozenset({"get", "list", "insert", "delete", "update", "patch"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        res["port"] = int_field(res, "port", 80, 1, 65535)
        res.setdefault("requestPath", "/")
        timing(res)
        return res

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        refuse_while_used(st, ref, "targetPools", "healthChecks")


class TargetPools(Collection):
    """regions/{r}/targetPools: instances behind at most one legacy HTTP health check."""

    collection = "targetPools"
    scope_kind = "regions"
    kind = "compute#targetPool"
    methods = frozenset({"get", "list", "insert", "delete"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        res["sessionAffinity"] = choice(res, "sessionAffinity", "NONE", AFFINITIES)
        checks = res.get("healthChecks", [])
        if not isinstance(checks, list) or len(checks) > 1:
            raise invalid("Invalid value for field 'resource.healthChecks': at most one.")
        res["healthChecks"] = [self._link(st, call, v, "httpHealthChecks") for v in checks]
        res["instances"] = [self._link(st, call, v, "instances") for v in res.get("instances", [])]
        for key in ("healthChecks", "instances"):
            if not res[key]:
                del res[key]
        return res

    @staticmethod
    def _link(st: State, call: Call, value: object, collection: str) -> str:
        text = str(value)
        if text.startswith("/zones/"):  # upstream sends instances as /zones/{z}/instances/{n}
            text = f"projects/{call.project}{text}"
        ref = parse_ref(text, field=collection, project=call.project, collections=(collection,))
        st.require(ref)
        return st.links.of(ref)

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        refuse_while_used(st, ref, "forwardingRules", "target")
