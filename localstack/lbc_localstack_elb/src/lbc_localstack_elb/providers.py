"""LocalStack service providers for classic ELB (``elb``) and ELBv2 (``elbv2``), backed by moto.

localstack-core's free build has no provider for these two APIs and answers them with 501. Each
provider here maps every operation of the API's botocore service model to the moto backend that
LocalStack bundles (moto-ext), so a request goes through LocalStack's gateway, request parser and
response serializer and then to moto, the same road LocalStack's own moto-backed services take
when their provider falls back to moto. The state lives in moto's ``elb_backends`` and
``elbv2_backends``, next to the ``ec2_backends`` that LocalStack's ec2 provider uses, so load
balancers see the VPCs, subnets and instances made through ec2.

LocalStack imports this module whenever it lists its provider plugins, so it imports little;
moto's request dispatch is imported on the first request.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from localstack.aws.spec import load_service
from localstack.services.plugins import (
    Service,
    ServiceLifecycleHook,
    ServiceProvider,
    aws_provider,
)

if TYPE_CHECKING:
    from localstack.aws.api import RequestContext, ServiceRequest, ServiceResponse
    from localstack.aws.skeleton import DispatchTable
    from localstack.state import StateVisitor

__all__ = ["MotoOnlyProvider", "elb", "elbv2"]

MOTO_SERVICES: Final = ("elb", "elbv2")
"""The APIs served here; each name is both the botocore service name and the moto package."""


class MotoOnlyProvider(ServiceLifecycleHook):
    """A provider with no logic of its own: every operation of ``service`` goes to moto."""

    def __init__(self, service: str) -> None:
        self.service = service

    def accept_state_visitor(self, visitor: StateVisitor) -> None:
        """Hand moto's backends for this API to LocalStack's state visitors (reset, persistence)."""
        models = importlib.import_module(f"moto.{self.service}.models")
        visitor.visit(getattr(models, f"{self.service}_backends"))


def _forward_to_moto(context: RequestContext, request: ServiceRequest) -> ServiceResponse:
    """Serve one parsed request with moto; moto's errors come back as LocalStack service errors."""
    # moto is imported on first use, not when LocalStack lists its plugins
    from localstack.services.moto import call_moto  # noqa: PLC0415

    del request  # moto re-reads the raw HTTP request kept in the context
    return call_moto(context)


def moto_dispatch_table(provider: ServiceProvider) -> DispatchTable:
    """Route every operation that botocore knows for the provider's API to moto."""
    operations = load_service(provider.service).operation_names
    return dict.fromkeys(operations, _forward_to_moto)


def create_service(api: str) -> Service:
    """Build the LocalStack service for ``api`` (one of :data:`MOTO_SERVICES`)."""
    if api not in MOTO_SERVICES:
        raise ValueError(f"not a moto-only service here: {api!r}")
    provider = MotoOnlyProvider(api)
    return Service.for_provider(provider, dispatch_table_factory=moto_dispatch_table)


def _create_elb() -> Service:
    return create_service("elb")


def _create_elbv2() -> Service:
    return create_service("elbv2")


# Plugin specs named "<api>:default" in LocalStack's provider namespace; the entry points in
# pyproject.toml point at these two names.
elb: Any = aws_provider(api="elb")(_create_elb)
elbv2: Any = aws_provider(api="elbv2")(_create_elbv2)
