"""The AWS provider: lbcontroller's `Provider` verbs over NLBs (default) and classic ELBs.

Where it sits: built by `providers.aws.build`; the reconciler calls these verbs. Each verb
parses nothing and decides little itself: it plans (pure), then hands the plan to the NLB or
classic flow, or to `teardown`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from lbcontroller.provider import LoadBalancerStatus, OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec
from providers.aws import classic_flow, nlb_flow, owned, targets, teardown
from providers.aws.api import Clients
from providers.aws.context import Context
from providers.aws.memo import Made, Memo
from providers.aws.options import AwsOptions, parse_options
from providers.aws.plan import plan_for
from providers.aws.validate import validate


class AwsLoadBalancers:
    """Implements `lbcontroller.provider.Provider` for Amazon Web Services."""

    def __init__(self, *, name: str, cluster: str, context: Context) -> None:
        self._name = name
        self._cluster = cluster
        self._ctx = context
        self._memo = Memo()

    @property
    def name(self) -> str:
        """The provider's configured name."""
        return self._name

    @property
    def clients(self) -> Clients:
        """The boto3 clients (for diagnostics and tests that hook botocore events)."""
        return self._ctx.api.clients

    def parse_options(self, annotations: Mapping[str, str]) -> AwsOptions:
        """The Service's AWS annotations as typed options (pure; InvalidAnnotation)."""
        return parse_options(annotations)

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse what AWS cannot serve (pure; Unsupported / PermanentError)."""
        validate(spec, default_subnets=self._ctx.default_subnets)

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create or converge the Service's load balancer, targets included.

        While the fingerprint tag matches, only the load balancer and its targets are read;
        `verify` (the drift resync) checks and repairs every part regardless.
        """
        self._memo.remember(spec.ref.name, None)  # until it succeeds, nothing is known
        status, made = self._ensure(self._ctx, spec, verify=verify)
        self._memo.remember(spec.ref.name, made)
        return status

    def _ensure(
        self, ctx: Context, spec: LoadBalancerSpec[Any], *, verify: bool
    ) -> tuple[LoadBalancerStatus, Made]:
        self.validate(spec)
        plan = plan_for(spec, default_subnets=ctx.default_subnets)
        flow = nlb_flow.ensure if plan.kind == "nlb" else classic_flow.ensure
        return flow(ctx, plan, targets.instances(spec.backends), verify=verify)

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """Register and deregister instances only (nothing when the LB does not exist yet).

        When this process converged the load balancer and `previous` says which backends it
        applied, only the difference is written, with no read; otherwise the targets are read.
        """
        plan = plan_for(spec, default_subnets=self._ctx.default_subnets)
        name, wanted = plan.ref.name, targets.instances(spec.backends)
        made = self._memo.recall(name)
        self._memo.remember(name, None)  # until it succeeds, nothing is known
        if previous is not None and made is not None and made.kind == plan.kind:
            current = targets.instances(previous)
            targets.shift(self._ctx.api, made=made, name=name, wanted=wanted, current=current)
        else:
            flow = nlb_flow.update_targets if plan.kind == "nlb" else classic_flow.update_instances
            made = flow(self._ctx, plan, wanted)
        self._memo.remember(name, made)

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """The writes `ensure(spec)` would make now: the same flow, its writes recorded."""
        dry = self._dry()
        self._ensure(dry, spec, verify=False)
        return tuple(dry.api.planned or ())

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """The writes `ensure_deleted(ref)` would make now."""
        dry = self._dry()
        teardown.remove_everything(dry, ref)
        return tuple(dry.api.planned or ())

    def _dry(self) -> Context:
        return dataclasses.replace(self._ctx, api=self._ctx.api.dry())

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Delete everything of ours for `ref` (both kinds); absent is success."""
        self._memo.remember(ref.name, None)
        teardown.remove_everything(self._ctx, ref)

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every NLB and classic ELB tagged as owned by this cluster."""
        return owned.list_owned(self._ctx.api, cluster=self._cluster)
