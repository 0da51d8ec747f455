"""A classic ELB's settings beyond its listeners, converged in place.

Where it sits: the classic flow calls `converge` on the full path (when the fingerprint tag
does not match): health check, cross-zone and idle-timeout attributes, the proxy-protocol
policy on every instance port, subnets and security groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.aws.api import Api
from providers.aws.classic import PROXY_POLICY
from providers.aws.found import Found
from providers.aws.plan import Plan

if TYPE_CHECKING:  # type stubs (a dev dependency): never imported at run time
    from mypy_boto3_elb.type_defs import HealthCheckTypeDef


def converge(
    api: Api, found: Found, plan: Plan, security_groups: list[str], *, fresh: bool
) -> None:
    """Every setting of the ELB as planned (a `fresh` ELB has AWS's default attributes)."""
    _health(api, found, plan)
    _attributes(api, found, plan, fresh=fresh)
    _proxy_protocol(api, found, plan)
    _subnets(api, found, plan)
    if sorted(found.raw.get("SecurityGroups", [])) != sorted(security_groups):
        api.run(
            api.elb.apply_security_groups_to_load_balancer,
            LoadBalancerName=found.id,
            SecurityGroups=security_groups,
        )


def _health(api: Api, found: Found, plan: Plan) -> None:
    health = plan.health
    target = f"{health.protocol}:{health.port}{health.path or ''}"
    wanted: HealthCheckTypeDef = {
        "Target": target,
        "Interval": health.interval,
        "Timeout": health.timeout,
        "UnhealthyThreshold": health.unhealthy,
        "HealthyThreshold": health.healthy,
    }
    if found.raw.get("HealthCheck") != wanted:
        api.run(api.elb.configure_health_check, LoadBalancerName=found.id, HealthCheck=wanted)


def _attributes(api: Api, found: Found, plan: Plan, *, fresh: bool) -> None:
    current: tuple[bool | None, int | None] = (False, 60)
    if not fresh:
        found_attributes = api.run(
            api.elb.describe_load_balancer_attributes, LoadBalancerName=found.id
        )["LoadBalancerAttributes"]
        current = (
            found_attributes.get("CrossZoneLoadBalancing", {}).get("Enabled"),
            found_attributes.get("ConnectionSettings", {}).get("IdleTimeout"),
        )
    if current != (plan.cross_zone, plan.idle_timeout):
        api.run(
            api.elb.modify_load_balancer_attributes,
            LoadBalancerName=found.id,
            LoadBalancerAttributes={
                "CrossZoneLoadBalancing": {"Enabled": plan.cross_zone},
                "ConnectionSettings": {"IdleTimeout": plan.idle_timeout},
            },
        )


def _proxy_protocol(api: Api, found: Found, plan: Plan) -> None:
    policies = found.raw.get("Policies", {}).get("OtherPolicies", [])
    if plan.proxy_protocol and PROXY_POLICY not in policies:
        api.run(
            api.elb.create_load_balancer_policy,
            LoadBalancerName=found.id,
            PolicyName=PROXY_POLICY,
            PolicyTypeName="ProxyProtocolPolicyType",
            PolicyAttributes=[{"AttributeName": "ProxyProtocol", "AttributeValue": "true"}],
        )
    current = {
        d["InstancePort"]: d.get("PolicyNames", [])
        for d in found.raw.get("BackendServerDescriptions", [])
    }
    wanted = [PROXY_POLICY] if plan.proxy_protocol else []
    listening = {item.node_port for item in plan.listeners}
    for port in sorted(listening | set(current)):
        want = wanted if port in listening else []
        if current.get(port, []) != want:
            api.run(
                api.elb.set_load_balancer_policies_for_backend_server,
                LoadBalancerName=found.id,
                InstancePort=port,
                PolicyNames=want,
            )


def _subnets(api: Api, found: Found, plan: Plan) -> None:
    current = set(found.raw.get("Subnets", []))
    wanted = set(plan.subnets)
    if wanted - current:
        api.run(
            api.elb.attach_load_balancer_to_subnets,
            LoadBalancerName=found.id,
            Subnets=sorted(wanted - current),
        )
    if current - wanted:
        api.run(
            api.elb.detach_load_balancer_from_subnets,
            LoadBalancerName=found.id,
            Subnets=sorted(current - wanted),
        )
