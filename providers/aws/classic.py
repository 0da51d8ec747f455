"""A classic ELB: find, create, delete, and converge its listeners, health check, attributes,
proxy-protocol policy, subnets and security groups in place.

Where it sits: `converge` calls these; each returns the steps that make the ELB as desired.
`find` also returns the ELB the upstream controller made for the Service (its name from the
Service's UID, its tags tying it to this cluster and Service), which `adopt` marks as ours in
place: name and DNS name unchanged.
The ELB's description (`raw`) already holds listeners, health check, policies and
instances, so most checks cost no call. A new ELB is described by what its create sends
(`sent`), so the rest of its converge needs no read either; its name is its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Made, Step
from providers.aws.api import Api, Id
from providers.aws.desired import ClassicListener, Desired
from providers.aws.ownership import (
    Found,
    adoption,
    classic_tags,
    endpoints,
    find_or_upstream,
    status_key,
    to_list,
)

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elb.type_defs import HealthCheckTypeDef, ListenerTypeDef

PROXY_POLICY = "k8s-proxyprotocol-enabled"


def _describe(api: Api, name: str) -> list[Any]:
    found = api.maybe(
        "LoadBalancerNotFound", api.elb.describe_load_balancers, LoadBalancerNames=[name]
    )
    return [] if found is None else list(found["LoadBalancerDescriptions"])


def _found(raw: Any, tags: dict[str, str]) -> Found:
    return Found(
        kind="classic", id=raw["LoadBalancerName"], scheme=raw["Scheme"], tags=tags, raw=raw
    )


def _named(api: Api, name: str) -> list[Found]:
    lbs = _describe(api, name)
    tags = classic_tags(api, [name]) if lbs else {}
    return [_found(lb, tags.get(name, {})) for lb in lbs]


def find(
    api: Api, ref: LoadBalancerRef, *, upstream_cluster: str, strict: bool = True
) -> Found | None:
    """Our classic ELB for `ref`, else the one upstream made for it
    (`ownership.find_or_upstream`), None when absent (or, not `strict`, when not ours)."""
    return find_or_upstream(
        lambda name: _named(api, name), ref, upstream_cluster=upstream_cluster, strict=strict
    )


def adopt(api: Api, made: Made, found: Found, ref: LoadBalancerRef) -> list[Step]:
    """Mark a classic ELB upstream made as ours (nothing when it already is), shown as `adopt`."""
    return adoption(
        found,
        ref,
        lambda tags: api.step(made, api.elb.add_tags, LoadBalancerNames=[found.id], Tags=tags),
    )


def _listener(item: ClassicListener) -> ListenerTypeDef:
    out: ListenerTypeDef = {
        "Protocol": item.protocol,
        "LoadBalancerPort": item.port,
        "InstanceProtocol": item.instance_protocol,
        "InstancePort": item.node_port,
    }
    if item.cert is not None:
        out["SSLCertificateId"] = item.cert
    return out


def create(api: Api, made: Made, d: Desired, security_groups: list[Id]) -> Step:
    """Create the ELB with its listeners, tagged as ours."""
    return api.step(
        made,
        api.elb.create_load_balancer,
        keep=lambda answer: {status_key(d.ref): ",".join(endpoints(answer))},
        LoadBalancerName=d.ref.name,
        Listeners=[_listener(item) for item in d.listeners],
        Subnets=list(d.subnets),
        SecurityGroups=security_groups,
        Scheme=d.scheme,
        Tags=to_list(d.tag_map),
    )


def sent(d: Desired, security_groups: list[Id]) -> Found:
    """A new ELB, described by what its create sends."""
    raw = {
        "LoadBalancerName": d.ref.name,
        "Scheme": d.scheme,
        "ListenerDescriptions": [{"Listener": _listener(item)} for item in d.listeners],
        "Subnets": list(d.subnets),
        "SecurityGroups": security_groups,
    }
    return _found(raw, d.tag_map)


def _write(api: Api, made: Made, found: Found, method: Callable[..., Any], **args: Any) -> Step:
    return api.step(made, method, LoadBalancerName=found.id, **args)


def delete(api: Api, made: Made, found: Found) -> Step:
    """Delete the ELB."""
    return _write(api, made, found, api.elb.delete_load_balancer)


def instances(found: Found) -> frozenset[str]:
    """The instances registered with the ELB."""
    return frozenset(i["InstanceId"] for i in found.raw.get("Instances", []))


def listener_steps(api: Api, made: Made, found: Found, d: Desired) -> list[Step]:
    """Replace the listeners that differ (classic listeners cannot be modified)."""
    current = {
        x["Listener"]["LoadBalancerPort"]: x["Listener"] for x in found.raw["ListenerDescriptions"]
    }
    wanted = {item.port: _listener(item) for item in d.listeners}
    stale = [port for port, item in current.items() if wanted.get(port) != _comparable(item)]
    missing = [item for port, item in wanted.items() if _comparable(current.get(port)) != item]
    changes = (
        (api.elb.delete_load_balancer_listeners, {"LoadBalancerPorts": stale}),
        (api.elb.create_load_balancer_listeners, {"Listeners": missing}),
    )
    return [
        _write(api, made, found, method, **args) for method, args in changes if any(args.values())
    ]


def _comparable(item: Any) -> Any:
    if item is None:
        return None
    keys = ("Protocol", "LoadBalancerPort", "InstanceProtocol", "InstancePort", "SSLCertificateId")
    return {key: item[key] for key in keys if item.get(key) is not None}


def settings(
    api: Api, made: Made, found: Found, d: Desired, security_groups: list[Id], *, fresh: bool
) -> list[Step]:
    """Every setting of the ELB as desired (a `fresh` ELB has AWS's default attributes)."""
    steps = _health(api, made, found, d) + _attributes(api, made, found, d, fresh=fresh)
    steps += _proxy_protocol(api, made, found, d) + _subnets(api, made, found, d)
    if sorted(map(str, found.raw.get("SecurityGroups", []))) != sorted(map(str, security_groups)):
        method = api.elb.apply_security_groups_to_load_balancer
        steps.append(_write(api, made, found, method, SecurityGroups=security_groups))
    return steps


def _health(api: Api, made: Made, found: Found, d: Desired) -> list[Step]:
    health = d.health
    wanted: HealthCheckTypeDef = {
        "Target": f"{health.protocol}:{health.port}{health.path or ''}",
        "Interval": health.interval,
        "Timeout": health.timeout,
        "UnhealthyThreshold": health.unhealthy,
        "HealthyThreshold": health.healthy,
    }
    if found.raw.get("HealthCheck") == wanted:
        return []
    return [_write(api, made, found, api.elb.configure_health_check, HealthCheck=wanted)]


def _attributes(api: Api, made: Made, found: Found, d: Desired, *, fresh: bool) -> list[Step]:
    current: tuple[bool | None, int | None] = (False, 60)
    if not fresh:
        found_attributes = api.run(
            api.elb.describe_load_balancer_attributes, LoadBalancerName=found.id
        )["LoadBalancerAttributes"]
        current = (
            found_attributes.get("CrossZoneLoadBalancing", {}).get("Enabled"),
            found_attributes.get("ConnectionSettings", {}).get("IdleTimeout"),
        )
    if current == (d.cross_zone, d.idle_timeout):
        return []
    wanted = {
        "CrossZoneLoadBalancing": {"Enabled": d.cross_zone},
        "ConnectionSettings": {"IdleTimeout": d.idle_timeout},
    }
    method = api.elb.modify_load_balancer_attributes
    return [_write(api, made, found, method, LoadBalancerAttributes=wanted)]


def _proxy_protocol(api: Api, made: Made, found: Found, d: Desired) -> list[Step]:
    steps = []
    policies = found.raw.get("Policies", {}).get("OtherPolicies", [])
    if d.proxy_protocol and PROXY_POLICY not in policies:
        steps.append(
            _write(
                api,
                made,
                found,
                api.elb.create_load_balancer_policy,
                PolicyName=PROXY_POLICY,
                PolicyTypeName="ProxyProtocolPolicyType",
                PolicyAttributes=[{"AttributeName": "ProxyProtocol", "AttributeValue": "true"}],
            )
        )
    current = {
        x["InstancePort"]: x.get("PolicyNames", [])
        for x in found.raw.get("BackendServerDescriptions", [])
    }
    wanted = [PROXY_POLICY] if d.proxy_protocol else []
    listening = {item.node_port for item in d.listeners}
    method = api.elb.set_load_balancer_policies_for_backend_server
    for port in sorted(listening | set(current)):
        want = wanted if port in listening else []
        if current.get(port, []) != want:
            steps.append(_write(api, made, found, method, InstancePort=port, PolicyNames=want))
    return steps


def _subnets(api: Api, made: Made, found: Found, d: Desired) -> list[Step]:
    current = set(found.raw.get("Subnets", []))
    wanted = set(d.subnets)
    changes = (
        (api.elb.attach_load_balancer_to_subnets, wanted - current),
        (api.elb.detach_load_balancer_from_subnets, current - wanted),
    )
    return [
        _write(api, made, found, method, Subnets=sorted(subnets))
        for method, subnets in changes
        if subnets
    ]
