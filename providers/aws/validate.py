"""What the AWS provider refuses to build, checked before any call (pure).

`spec.sessionAffinity: ClientIP` is refused as cloud-provider-aws refuses it ("unsupported
load balancer affinity"); a Service with no subnets annotated or configured is not refused
here: its subnets are discovered (`subnets`), and refused then if none is found. IP families
are checked by `families.check`.

Where it sits: the reconciler calls the provider's `validate(spec)` after `build_spec` and
before `ensure`; a refusal becomes a Warning Event and nothing is created.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lbcontroller.errors import InvalidAnnotation, PermanentError, Unsupported
from lbcontroller.spec import Listener, LoadBalancerSpec
from providers.aws import families
from providers.aws.desired import health_of
from providers.aws.options import EIP_ALLOCATIONS, TYPE, AwsOptions, options_of

MAX_LISTENERS = 50  # per load balancer, both kinds
MAX_RULES = 60  # AWS's default quota of inbound rules per security group


def validate(spec: LoadBalancerSpec[Any], *, default_subnets: Sequence[str]) -> None:
    """Raise Unsupported / PermanentError / InvalidAnnotation for what AWS cannot serve."""
    options = options_of(spec)
    for listener in spec.listeners:
        _check_protocol(listener, options)
    if options.kind == "nlb":
        _check_mixed_ports(spec.listeners)
    if len(spec.listeners) > MAX_LISTENERS:
        raise Unsupported(f"more than {MAX_LISTENERS} ports", field="spec.ports")
    _check_rule_count(spec)
    health_of(spec)  # an annotated timeout not below the interval is refused
    check_eips(options, options.subnets or tuple(default_subnets))
    if spec.session_affinity != "None":
        raise Unsupported(
            f"spec.sessionAffinity {spec.session_affinity} is not supported on AWS "
            "(cloud-provider-aws refuses it too: its load balancers have no client affinity)",
            field="spec.sessionAffinity",
        )
    if spec.requested_ip:
        raise Unsupported(
            f"spec.loadBalancerIP is not supported on AWS; use {EIP_ALLOCATIONS}",
            field="spec.loadBalancerIP",
        )
    families.check(spec)


def check_eips(options: AwsOptions, subnets: Sequence[str]) -> None:
    """One Elastic IP allocation per subnet (not checked while the subnets are still to be
    discovered: `subnets` empty)."""
    if subnets and options.eip_allocations and len(options.eip_allocations) != len(subnets):
        raise InvalidAnnotation(
            EIP_ALLOCATIONS,
            ",".join(options.eip_allocations),
            f"needs one allocation per subnet ({len(subnets)} subnets)",
        )


def _check_rule_count(spec: LoadBalancerSpec[Any]) -> None:
    """Each source range opens each port: one security-group rule per pair (k#68684)."""
    ports = {(x.protocol, x.node_port) for x in spec.listeners}
    rules = len(ports) * len(spec.source_ranges)
    if rules > MAX_RULES:
        raise Unsupported(
            f"{len(spec.source_ranges)} source ranges x {len(ports)} ports need {rules} "
            f"security-group rules, over AWS's default limit of {MAX_RULES} per group",
            field="spec.loadBalancerSourceRanges",
        )


def _check_protocol(listener: Listener, options: AwsOptions) -> None:
    port = f"spec.ports protocol {listener.protocol} (port {listener.port})"
    if listener.protocol not in ("TCP", "UDP"):
        raise Unsupported(f"{port}: AWS load balancers carry TCP and UDP only", field="spec.ports")
    if listener.protocol == "UDP" and options.kind == "classic":
        raise Unsupported(
            f"{port}: a classic ELB cannot carry UDP; use an NLB ({TYPE}: nlb)",
            field="spec.ports",
        )


def _check_mixed_ports(listeners: Sequence[Listener]) -> None:
    node_ports: dict[int, int] = {}
    for listener in listeners:
        known = node_ports.setdefault(listener.port, listener.target_port)
        if known != listener.node_port:
            raise PermanentError(
                f"spec.ports: port {listener.port} has TCP and UDP on different nodePorts "
                f"({known}, {listener.node_port}); an NLB TCP_UDP listener needs one nodePort",
                field="spec.ports",
            )
