"""Back-end collections: regional health checks and backend services, zonal instance groups
and instances (instances are created through the fake's admin endpoint, not the API)."""

from __future__ import annotations

import copy
from typing import ClassVar

from .errors import JSON, ApiError, already_exists, in_use, invalid
from .frontends import network_link
from .links import Ref, check_name, from_link, parse_ref, region_of_zone
from .listing import envelope, paginate
from .resources import Call, Collection, Handler, Mutation, Result, choice, digest, int_field
from .store import State, public

HC_TYPES = {
    "TCP": "tcpHealthCheck",
    "SSL": "sslHealthCheck",
    "HTTP": "httpHealthCheck",
    "HTTPS": "httpsHealthCheck",
    "HTTP2": "http2HealthCheck",
    "GRPC": "grpcHealthCheck",
}
BS_PROTOCOLS = {"HTTP", "HTTPS", "HTTP2", "TCP", "SSL", "UDP", "GRPC", "H2C", "UNSPECIFIED"}
PASSTHROUGH = {"EXTERNAL", "INTERNAL"}


def timing(res: JSON) -> None:
    """A probe's interval, timeout and thresholds (defaults and bounds of both kinds)."""
    res["checkIntervalSec"] = int_field(res, "checkIntervalSec", 5, 1, 300)
    res["timeoutSec"] = int_field(res, "timeoutSec", 5, 1, 300)
    res["healthyThreshold"] = int_field(res, "healthyThreshold", 2, 1, 10)
    res["unhealthyThreshold"] = int_field(res, "unhealthyThreshold", 2, 1, 10)
    if res["timeoutSec"] > res["checkIntervalSec"]:
        raise invalid("timeoutSec should be less than or equal to checkIntervalSec.")


def refuse_while_used(st: State, ref: Ref, collection: str, refers: str) -> None:
    """resourceInUseByAnotherResource while a resource of `collection` holds ref's link."""
    user = users_of(st, collection, refers, st.links.of(ref))
    if user:
        raise in_use(ref.path, user)


def users_of(st: State, collection: str, refers: str, link: str) -> str | None:
    """The path of the first resource whose field (dotted, lists fan out) holds link."""
    head, _, rest = refers.partition(".")
    for ref, resource in st.each(collection):
        value = resource.get(head)
        values = value if isinstance(value, list) else [value]
        if rest:
            values = [v.get(rest) for v in values if isinstance(v, dict)]
        if link in values:
            return ref.path
    return None


class HealthChecks(Collection):
    """regions/{r}/healthChecks: TCP/HTTP/... probes for backend services."""

    collection = "healthChecks"
    scope_kind = "regions"
    kind = "compute#healthCheck"
    methods = frozenset({"get", "list", "insert", "delete", "patch", "update"})

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        kind = choice(res, "type", None, set(HC_TYPES))
        field = HC_TYPES[kind]
        for other in HC_TYPES.values():
            if other != field:
                res.pop(other, None)
        probe = dict(res.get(field) or {})
        probe["portSpecification"] = choice(
            probe,
            "portSpecification",
            "USE_FIXED_PORT",
            {"USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"},
            where=f"{field}.",
        )
        if probe["portSpecification"] == "USE_FIXED_PORT":
            probe["port"] = int_field(probe, "port", 80, 1, 65535, where=f"{field}.")
        probe.setdefault("proxyHeader", "NONE")
        if kind in ("HTTP", "HTTPS", "HTTP2"):
            probe.setdefault("requestPath", "/")
        res[field] = probe
        timing(res)
        return res

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        refuse_while_used(st, ref, "backendServices", "healthChecks")


class BackendServices(Collection):
    """regions/{r}/backendServices: instance-group backends behind a health check."""

    collection = "backendServices"
    scope_kind = "regions"
    kind = "compute#backendService"
    has_fingerprint = True
    methods = frozenset({"get", "list", "insert", "delete", "patch", "update", "getHealth"})

    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "getHealth": self.get_health}

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        scheme = choice(
            res,
            "loadBalancingScheme",
            "EXTERNAL",
            {"EXTERNAL", "INTERNAL", "EXTERNAL_MANAGED", "INTERNAL_MANAGED"},
        )
        res["loadBalancingScheme"] = scheme
        res["protocol"] = choice(res, "protocol", "HTTP", BS_PROTOCOLS)
        if scheme in PASSTHROUGH and res["protocol"] not in ("TCP", "UDP", "UNSPECIFIED"):
            raise invalid(
                f"Invalid value for field 'resource.protocol': '{res['protocol']}'. "
                f"{scheme} backend services support TCP, UDP or UNSPECIFIED."
            )
        checks = res.get("healthChecks", [])
        if not isinstance(checks, list) or len(checks) > 1:
            raise invalid("Invalid value for field 'resource.healthChecks': at most one.")
        res["healthChecks"] = [self._health_check(st, call, value) for value in checks]
        if not res["healthChecks"]:
            del res["healthChecks"]
        backends = [self._backend(st, call, b, scheme) for b in res.get("backends", [])]
        groups = [b["group"] for b in backends]
        if len(set(groups)) != len(groups):
            raise invalid("Invalid value for field 'resource.backends': duplicate group.")
        res["backends"] = backends
        if not backends:
            del res["backends"]
        if "network" in res:
            res["network"] = network_link(st, call, res["network"])
        res.setdefault("sessionAffinity", "NONE")
        res.setdefault("timeoutSec", 30)
        res.setdefault("connectionDraining", {"drainingTimeoutSec": 0})
        return res

    def _health_check(self, st: State, call: Call, value: object) -> str:
        ref = parse_ref(
            value, field="healthChecks", project=call.project, collections=("healthChecks",)
        )
        st.require(ref)
        if ref.scope not in (call.scope, "global"):  # passthrough services take global ones too
            raise invalid(f"Invalid value for field 'resource.healthChecks': '{value}'.")
        return st.links.of(ref)

    def _backend(self, st: State, call: Call, backend: object, scheme: str) -> JSON:
        if not isinstance(backend, dict):
            raise invalid("Invalid value for field 'resource.backends'.")
        out = dict(backend)
        ref = parse_ref(
            out.get("group"),
            field="backends.group",
            project=call.project,
            collections=("instanceGroups",),
        )
        st.require(ref)
        if not ref.scope.startswith("zones/") or region_of_zone(ref.location) != call.ref.location:
            raise invalid(
                f"Invalid value for field 'resource.backends.group': '{out['group']}'. "
                "The instance group must be in a zone of the backend service's region."
            )
        out["group"] = st.links.of(ref)
        modes = {"CONNECTION"} if scheme in PASSTHROUGH else {"CONNECTION", "RATE", "UTILIZATION"}
        out["balancingMode"] = choice(
            out, "balancingMode", "CONNECTION", modes, where="backends.balancingMode."
        )
        return out

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        refuse_while_used(st, ref, "forwardingRules", "backendService")

    def get_health(self, st: State, call: Call) -> Result:
        """POST .../{name}/getHealth {group}: every member is HEALTHY in the fake."""
        service = st.require(call.ref)
        group_ref = parse_ref(
            call.body.get("group"),
            field="group",
            project=call.project,
            collections=("instanceGroups",),
        )
        link = st.links.of(group_ref)
        if link not in [b["group"] for b in service.get("backends", [])]:
            raise invalid(f"Invalid value for field 'group': '{link}'. Not a backend.")
        group = st.require(group_ref)
        statuses = []
        for member in group["_members"]:
            instance = st.get(from_link(member))
            if instance is not None:
                statuses.append(
                    {
                        "instance": member,
                        "ipAddress": instance["networkInterfaces"][0]["networkIP"],
                        "healthState": "HEALTHY",
                    }
                )
        body: JSON = {"kind": "compute#backendServiceGroupHealth"}
        if statuses:
            body["healthStatus"] = statuses
        return body


class InstanceGroups(Collection):
    """zones/{z}/instanceGroups: unmanaged groups of instances."""

    collection = "instanceGroups"
    scope_kind = "zones"
    kind = "compute#instanceGroup"
    has_fingerprint = True
    methods = frozenset(
        {
            "get",
            "list",
            "insert",
            "delete",
            "addInstances",
            "removeInstances",
            "listInstances",
            "setNamedPorts",
        }
    )
    output_only: ClassVar[frozenset[str]] = frozenset({"size"})

    def handlers(self) -> dict[str, Handler]:
        return {
            **super().handlers(),
            "addInstances": self.add_instances,
            "removeInstances": self.remove_instances,
            "listInstances": self.list_instances,
            "setNamedPorts": self.set_named_ports,
        }

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        res = dict(spec)
        if "network" in res:
            res["network"] = network_link(st, call, res["network"])
        if "subnetwork" in res:
            ref = parse_ref(
                res["subnetwork"],
                field="subnetwork",
                project=call.project,
                collections=("subnetworks",),
            )
            res["subnetwork"] = st.links.of(ref)
        res["namedPorts"] = self._named_ports(res.get("namedPorts", []))
        if not res["namedPorts"]:
            del res["namedPorts"]
        res["size"] = 0
        res["_members"] = []
        return res

    @staticmethod
    def _named_ports(ports: object) -> list[JSON]:
        if not isinstance(ports, list):
            raise invalid("Invalid value for field 'namedPorts'.")
        for port in ports:
            if not isinstance(port, dict):
                raise invalid("Invalid value for field 'namedPorts'.")
            check_name(port.get("name"), "namedPorts.name")
            int_field(port, "port", 0, 1, 65535, where="namedPorts.")
        return [dict(p) for p in ports]

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        refuse_while_used(st, ref, "backendServices", "backends.group")

    def _members(self, st: State, call: Call, group: JSON) -> list[str]:
        links = []
        for index, entry in enumerate(call.body.get("instances", [])):
            ref = parse_ref(
                entry.get("instance") if isinstance(entry, dict) else None,
                field=f"instances[{index}].instance",
                project=call.project,
                collections=("instances",),
            )
            if ref.scope != call.scope:
                raise invalid(f"Instance '{ref.path}' is not in the group's zone.")
            links.append(st.links.of(ref))
        return links

    def _changed(self, st: State, call: Call, members: list[str], op_type: str) -> Mutation:
        ref = call.ref
        group = st.require(ref)

        def apply() -> None:
            group["_members"] = members
            group["size"] = len(members)
            if members and "network" not in group:
                first = st.require(from_link(members[0]))["networkInterfaces"][0]
                group["network"], group["subnetwork"] = first["network"], first["subnetwork"]

        return Mutation(op_type, ref, group["id"], apply)

    def add_instances(self, st: State, call: Call) -> Result:
        """POST .../{name}/addInstances {instances: [{instance}]}"""
        group = st.require(call.ref)
        members = list(group["_members"])
        for link in self._members(st, call, group):
            instance = st.require(from_link(link))
            if link in members:
                raise ApiError(
                    400, f"The instance '{link}' is already a member.", "memberAlreadyExists"
                )
            network = instance["networkInterfaces"][0]["network"]
            if group.get("network", network) != network:
                raise invalid(f"The instance '{link}' is not in the group's network.")
            members.append(link)
        return self._changed(st, call, members, "addInstances")

    def remove_instances(self, st: State, call: Call) -> Result:
        """POST .../{name}/removeInstances {instances: [{instance}]}; absent ones are ignored."""
        group = st.require(call.ref)
        gone = set(self._members(st, call, group))
        members = [m for m in group["_members"] if m not in gone]
        return self._changed(st, call, members, "removeInstances")

    def list_instances(self, st: State, call: Call) -> Result:
        """POST .../{name}/listInstances {instanceState}, paginated."""
        group = st.require(call.ref)
        state = choice(call.body, "instanceState", "ALL", {"ALL", "RUNNING"})
        items = []
        for member in group["_members"]:
            instance = st.get(from_link(member))
            status = instance["status"] if instance else "TERMINATED"
            if state == "ALL" or status == "RUNNING":
                item: JSON = {"instance": member, "status": status}
                if group.get("namedPorts"):
                    item["namedPorts"] = copy.deepcopy(group["namedPorts"])
                items.append(item)
        page, token = paginate(items, call.query, key=lambda item: str(item["instance"]))
        link = st.links.of(call.ref)
        return envelope(
            "compute#instanceGroupsListInstances",
            call.ref.path,
            link + "/listInstances",
            page,
            token,
        )

    def set_named_ports(self, st: State, call: Call) -> Result:
        """POST .../{name}/setNamedPorts {namedPorts, fingerprint}"""
        ref = call.ref
        group = st.require(ref)
        self._check_fingerprint(call.body, group, required=False)
        ports = self._named_ports(call.body.get("namedPorts", []))

        def apply() -> None:
            group["namedPorts"] = ports
            if not ports:
                del group["namedPorts"]
            group["fingerprint"] = digest([public(group), st.new_id()])

        return Mutation("setNamedPorts", ref, group["id"], apply)


class Instances(Collection):
    """zones/{z}/instances: read-only through the API; see `create_instance`."""

    collection = "instances"
    scope_kind = "zones"
    kind = "compute#instance"
    has_fingerprint = True
    has_labels = True
    methods = frozenset({"get", "list"})


def create_instance(st: State, spec: JSON) -> JSON:
    """Admin: make a RUNNING instance {project, zone, name, networkIP?, network?, subnetwork?,
    natIP?, status?, labels?, tags?}."""
    project, zone = str(spec.get("project", "")), str(spec.get("zone", ""))
    if not project or not zone:
        raise invalid("'project' and 'zone' are required.")
    ref = Ref(project, f"zones/{zone}", "instances", check_name(spec.get("name")))
    if st.get(ref) is not None:
        raise already_exists(ref.path)
    region = f"regions/{region_of_zone(zone)}"
    call = Call("POST", project, region, "instances", None, None, {}, {})
    subnet = parse_ref(
        spec.get("subnetwork", f"{region}/subnetworks/default"),
        field="subnetwork",
        project=project,
        collections=("subnetworks",),
    )
    pool = st.links.of(subnet)
    wanted = spec.get("networkIP")
    ip = st.ipam.check(pool, str(wanted)) if wanted else st.ipam.peek(pool)
    nic: JSON = {
        "kind": "compute#networkInterface",
        "name": "nic0",
        "network": network_link(st, call, spec.get("network")),
        "subnetwork": pool,
        "networkIP": ip,
        "stackType": "IPV4_ONLY",
        "fingerprint": digest([ip, st.new_id()]),
    }
    if spec.get("natIP"):
        nic["accessConfigs"] = [
            {
                "kind": "compute#accessConfig",
                "type": "ONE_TO_ONE_NAT",
                "name": "External NAT",
                "natIP": str(spec["natIP"]),
                "networkTier": "PREMIUM",
            }
        ]
    resource: JSON = {
        "status": str(spec.get("status", "RUNNING")),
        "machineType": st.links.scope(project, f"zones/{zone}") + "/machineTypes/e2-medium",
        "networkInterfaces": [nic],
        "labels": dict(spec.get("labels", {})),
        "_pool": pool,
    }
    if spec.get("tags"):
        resource["tags"] = {"items": list(spec["tags"]), "fingerprint": digest(spec["tags"])}
    resource = Instances()._finish(st, ref, resource, None)
    st.ipam.claim(pool, ip)
    st.put(ref, resource)
    return public(resource)


def delete_instance(st: State, spec: JSON) -> JSON:
    """Admin: delete an instance {project, zone, name}; groups lose it as a member."""
    ref = Ref(
        str(spec.get("project")), f"zones/{spec.get('zone')}", "instances", str(spec.get("name"))
    )
    instance = st.require(ref)
    link = st.links.of(ref)
    for _, group in st.each("instanceGroups"):
        if link in group["_members"]:
            group["_members"] = [m for m in group["_members"] if m != link]
            group["size"] = len(group["_members"])
    st.ipam.release(instance["_pool"], instance["networkInterfaces"][0]["networkIP"])
    st.drop(ref)
    return {"deleted": ref.path}
