"""A classic ELB: find, create, delete, and converge its listeners, health check, attributes,
proxy-protocol policy, subnets and security groups in place.

Where it sits: the classic flow (`classic_flow`) calls these; the ELB's description (`raw`)
already holds listeners, health check, policies and instances, so most checks cost no call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lbcontroller.spec import LoadBalancerRef
from providers.aws.api import Api
from providers.aws.found import Found, classic_tags, pick_owned
from providers.aws.plan import ClassicListener, Plan
from providers.aws.sdk import is_code
from providers.aws.tags import to_list

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elb.type_defs import ListenerTypeDef

PROXY_POLICY = "k8s-proxyprotocol-enabled"


def _describe(api: Api, name: str) -> list[Any]:
    try:
        found = api.run(api.elb.describe_load_balancers, LoadBalancerNames=[name])
    except ClientError as exc:
        if is_code(exc, "LoadBalancerNotFound"):
            return []
        raise
    return list(found["LoadBalancerDescriptions"])


def _found(raw: Any, tags: dict[str, str]) -> Found:
    name = raw["LoadBalancerName"]
    return Found(
        kind="classic", id=name, scheme=raw["Scheme"], dns=raw["DNSName"], tags=tags, raw=raw
    )


def find(api: Api, ref: LoadBalancerRef, *, strict: bool = True) -> Found | None:
    """Our classic ELB for `ref`, None when absent (or, not `strict`, when not ours)."""
    lbs = _describe(api, ref.name)
    tags = classic_tags(api, [ref.name]) if lbs else {}
    candidates = [_found(lb, tags.get(ref.name, {})) for lb in lbs]
    return pick_owned(candidates, ref, strict=strict)


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


def create(api: Api, plan: Plan, security_groups: list[str]) -> Found:
    """Create the ELB with its listeners, tagged as ours; described by what was sent."""
    listeners = [_listener(item) for item in plan.listeners]
    created = api.run(
        api.elb.create_load_balancer,
        LoadBalancerName=plan.ref.name,
        Listeners=listeners,
        Subnets=list(plan.subnets),
        SecurityGroups=security_groups,
        Scheme=plan.scheme,
        Tags=to_list(plan.tag_map),
    )
    raw = {
        "LoadBalancerName": plan.ref.name,
        "DNSName": created["DNSName"],
        "Scheme": plan.scheme,
        "ListenerDescriptions": [{"Listener": item} for item in listeners],
        "Subnets": list(plan.subnets),
        "SecurityGroups": security_groups,
    }
    return _found(raw, plan.tag_map)


def delete(api: Api, found: Found) -> None:
    """Delete the ELB."""
    api.run(api.elb.delete_load_balancer, LoadBalancerName=found.id)


def instances(found: Found) -> frozenset[str]:
    """The instances registered with the ELB."""
    return frozenset(i["InstanceId"] for i in found.raw.get("Instances", []))


def converge_listeners(api: Api, found: Found, plan: Plan) -> None:
    """Replace the listeners that differ (classic listeners cannot be modified)."""
    current = {
        d["Listener"]["LoadBalancerPort"]: d["Listener"] for d in found.raw["ListenerDescriptions"]
    }
    wanted = {item.port: _listener(item) for item in plan.listeners}
    stale = [port for port, item in current.items() if wanted.get(port) != _comparable(item)]
    missing = [item for port, item in wanted.items() if _comparable(current.get(port)) != item]
    if stale:
        api.run(
            api.elb.delete_load_balancer_listeners,
            LoadBalancerName=found.id,
            LoadBalancerPorts=stale,
        )
    if missing:
        api.run(
            api.elb.create_load_balancer_listeners, LoadBalancerName=found.id, Listeners=missing
        )


def _comparable(item: Any) -> Any:
    if item is None:
        return None
    keys = ("Protocol", "LoadBalancerPort", "InstanceProtocol", "InstancePort", "SSLCertificateId")
    return {key: item[key] for key in keys if item.get(key) is not None}
