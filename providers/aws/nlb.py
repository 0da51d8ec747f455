"""A Network Load Balancer: find, create, delete, its own settings, and its listeners.

Where it sits: `converge` finds the NLB by name and keeps it only if its tags say it is
ours, or else finds the one the upstream controller named from the Service's UID (kept only
if upstream's tags tie it to this cluster and Service: `ownership.adoptable`) and `adopt`s it
in place, name, ARN and DNS name unchanged; asks `create` for the step that makes it when
absent (its ARN is then `New` until the step has run) and `settings` for subnets, the IP
address type (SetIpAddressType: `ipv4` <-> `dualstack` in place) and
attributes in place; after the target groups exist and hold their targets, `listener_steps`
makes the listeners forward each port to its group: matched first by port, then the
leftover listeners are moved to the leftover ports with ModifyListener (no gap for the rest
of the Service), and only what is still left over is created or deleted. Its target groups
are `target_groups`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lbcontroller.spec import LoadBalancerRef
from lbcontroller.steps import Made, Step
from providers.aws.api import Api, Id, Keep
from providers.aws.desired import Desired, Group
from providers.aws.ownership import (
    EIPS,
    Found,
    adoption,
    elbv2_tags,
    endpoints,
    find_or_upstream,
    made_key,
    status_key,
    to_list,
)
from providers.aws.target_groups import PROTOCOLS

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elbv2.type_defs import SubnetMappingTypeDef

CROSS_ZONE = "load_balancing.cross_zone.enabled"


def _found(raw: Any, tags: dict[str, str]) -> Found:
    return Found(
        kind="nlb",
        id=raw["LoadBalancerArn"],
        scheme=raw.get("Scheme", "internet-facing"),
        tags=tags,
        raw=raw,
    )


def _named(api: Api, name: str) -> list[Found]:
    found = api.maybe("LoadBalancerNotFound", api.elbv2.describe_load_balancers, Names=[name])
    lbs = [] if found is None else found["LoadBalancers"]
    tags = elbv2_tags(api, [lb["LoadBalancerArn"] for lb in lbs])
    return [_found(lb, tags.get(lb["LoadBalancerArn"], {})) for lb in lbs]


def find(
    api: Api, ref: LoadBalancerRef, *, upstream_cluster: str, strict: bool = True
) -> Found | None:
    """Our NLB for `ref`, else the one upstream made for it (`ownership.find_or_upstream`)."""
    return find_or_upstream(
        lambda name: _named(api, name), ref, upstream_cluster=upstream_cluster, strict=strict
    )


def adopt(api: Api, made: Made, found: Found, ref: LoadBalancerRef) -> list[Step]:
    """Mark an NLB upstream made as ours (nothing when it already is), shown as `adopt`."""
    return adoption(
        found,
        ref,
        lambda tags: api.step(made, api.elbv2.add_tags, ResourceArns=[found.id], Tags=tags),
    )


def created_tags(d: Desired) -> dict[str, str]:
    """The tags a new NLB is created with."""
    return d.tag_map | ({EIPS: ",".join(d.eips)} if d.eips else {})


def _keeper(ref: LoadBalancerRef) -> Keep:
    def keep(answer: Any) -> dict[str, str]:
        raw = answer["LoadBalancers"][0]
        return {made_key(ref): raw["LoadBalancerArn"], status_key(ref): ",".join(endpoints(raw))}

    return keep


def create(api: Api, made: Made, d: Desired) -> Step:
    """Create the NLB (no listeners yet), tagged as ours."""
    mappings: list[SubnetMappingTypeDef] = [{"SubnetId": subnet} for subnet in d.subnets]
    for mapping, allocation in zip(mappings, d.eips, strict=False):
        mapping["AllocationId"] = allocation
    return api.step(
        made,
        api.elbv2.create_load_balancer,
        keep=_keeper(d.ref),
        Name=d.ref.name,
        Type="network",
        Scheme=d.scheme,
        SubnetMappings=mappings,
        IpAddressType=d.ip_address_type,
        Tags=to_list(created_tags(d)),
    )


def recreate_reason(found: Found, d: Desired) -> str | None:
    """What AWS cannot change in place (the scheme, the Elastic IPs), None when nothing is."""
    if found.scheme != d.scheme:
        return "scheme changes"
    if found.tags.get(EIPS, "") != ",".join(d.eips):
        return "Elastic IPs change"
    if d.eips and _subnets_changed(found, d):
        return "subnets change (it has Elastic IPs)"
    return None


def _subnets_changed(found: Found, d: Desired) -> bool:
    current = {zone["SubnetId"] for zone in found.raw.get("AvailabilityZones", [])}
    return current != set(d.subnets)


def settings(api: Api, made: Made, *, lb: Id, found: Found | None, d: Desired) -> list[Step]:
    """Subnets, the IP address type and the cross-zone attribute, in place (a new NLB, `found`
    None, was created with the address type and has the defaults)."""
    steps = []
    if found is not None and _subnets_changed(found, d):
        steps.append(
            api.step(made, api.elbv2.set_subnets, LoadBalancerArn=lb, Subnets=list(d.subnets))
        )
    if found is not None and found.raw.get("IpAddressType", "ipv4") != d.ip_address_type:
        steps.append(
            api.step(
                made,
                api.elbv2.set_ip_address_type,
                LoadBalancerArn=lb,
                IpAddressType=d.ip_address_type,
            )
        )
    current: str | None = "false"
    if found is not None:
        found_attributes = api.run(
            api.elbv2.describe_load_balancer_attributes, LoadBalancerArn=found.id
        )["Attributes"]
        current = next((a.get("Value") for a in found_attributes if a.get("Key") == CROSS_ZONE), "")
    wanted = str(d.cross_zone).lower()
    if current != wanted:
        steps.append(
            api.step(
                made,
                api.elbv2.modify_load_balancer_attributes,
                LoadBalancerArn=lb,
                Attributes=[{"Key": CROSS_ZONE, "Value": wanted}],
            )
        )
    return steps


def delete(api: Api, made: Made, arn: str) -> Step:
    """Delete the NLB (AWS deletes its listeners with it); already gone is fine."""
    return api.step(
        made,
        api.elbv2.delete_load_balancer,
        expected={"LoadBalancerNotFound": None},
        LoadBalancerArn=arn,
    )


def listeners(api: Api, lb_arn: str) -> list[Any]:
    """The NLB's listeners."""
    return api.collect(api.elbv2.describe_listeners, "Listeners", LoadBalancerArn=lb_arn)


def _target(listener: Any) -> str | None:
    for action in listener.get("DefaultActions", []):
        if action.get("Type") == "forward" and action.get("TargetGroupArn"):
            return str(action["TargetGroupArn"])
    return None


def forwarded(current: list[Any]) -> list[str]:
    """The target groups the listeners forward to: the NLB's groups, without another call."""
    return sorted({arn for listener in current if (arn := _target(listener)) is not None})


def _differs(listener: Any, group: Group, arn: Id) -> bool:
    return (listener["Port"], listener["Protocol"], _target(listener)) != (
        group.port,
        group.protocol,
        arn,
    )


def _pairs(current: list[Any], groups: tuple[Group, ...]) -> tuple[list[Any], list[Any], list[Any]]:
    """(listener, group) pairs to keep or modify, groups to create, listeners to delete."""
    by_port = {listener["Port"]: listener for listener in current}
    pairs = [(by_port[g.port], g) for g in groups if g.port in by_port]
    matched = {g.port for _, g in pairs}
    spare_groups = [g for g in groups if g.port not in matched]
    spare = sorted((x for x in current if x["Port"] not in matched), key=lambda x: x["Port"])
    pairs += list(zip(spare, spare_groups, strict=False))
    return pairs, spare_groups[len(spare) :], spare[len(spare_groups) :]


def _forward(group: Group, arn: Id) -> dict[str, Any]:
    return {
        "Port": group.port,
        "Protocol": PROTOCOLS[group.protocol],
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": arn}],
    }


def _modify(listener: Any, group: Group, arn: Id) -> dict[str, Any]:
    """ModifyListener's arguments: the forward action, plus Port and Protocol only where they
    change (AWS takes them as they are; moto refuses a UDP or TCP_UDP Protocol even unchanged)."""
    wanted = _forward(group, arn)
    return {k: v for k, v in wanted.items() if k == "DefaultActions" or listener[k] != v}


def listener_steps(
    api: Api,
    made: Made,
    *,
    lb: Id,
    current: list[Any],
    groups: tuple[Group, ...],
    arns: Mapping[str, Id],
) -> list[Step]:
    """Make the NLB's `current` listeners forward each desired port to its group."""
    pairs, create, delete = _pairs(current, groups)
    steps = [
        api.step(
            made,
            api.elbv2.modify_listener,
            ListenerArn=listener["ListenerArn"],
            **_modify(listener, group, arns[group.name]),
        )
        for listener, group in pairs
        if _differs(listener, group, arns[group.name])
    ]
    steps += [
        api.step(
            made, api.elbv2.create_listener, LoadBalancerArn=lb, **_forward(group, arns[group.name])
        )
        for group in create
    ]
    steps += [
        api.step(made, api.elbv2.delete_listener, ListenerArn=listener["ListenerArn"])
        for listener in delete
    ]
    return steps
