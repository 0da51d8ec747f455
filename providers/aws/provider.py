"""The AWS provider: lbcontroller's `Provider` verbs over NLBs and classic ELBs (the default
type is an NLB, or a classic ELB with `compatibility: upstream`).

Where it sits: built by `providers.aws.build`; the reconciler calls these verbs. Each verb
parses nothing and decides little itself: it resolves the Service's subnets (`subnets`),
computes the desired state (pure), then hands it to `converge` (NLB or classic) or to
`teardown`, with a `Journal` that runs their steps (ensure, update_backends, ensure_deleted)
or only lists them (plan, plan_delete): one code path for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lbcontroller.provider import LoadBalancerStatus, OwnedLoadBalancer, PlannedChange
from lbcontroller.spec import Backend, LoadBalancerRef, LoadBalancerSpec
from lbcontroller.steps import Journal
from providers.aws import converge, families, targets, teardown
from providers.aws.api import Clients
from providers.aws.context import Context
from providers.aws.desired import desired_for
from providers.aws.options import AwsOptions, options_of, parse_options
from providers.aws.ownership import list_owned
from providers.aws.targets import Memo
from providers.aws.validate import check_eips, validate


class AwsLoadBalancers:
    """Implements `lbcontroller.provider.Provider` for Amazon Web Services."""

    needs_node_ports = True  # instance targets and classic ELB instance ports: the NodePort

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
        return parse_options(annotations, upstream=self._ctx.upstream)

    def validate(self, spec: LoadBalancerSpec[Any]) -> None:
        """Refuse what AWS cannot serve (pure; Unsupported / PermanentError)."""
        validate(spec, default_subnets=self._ctx.default_subnets)

    def ensure(self, spec: LoadBalancerSpec[Any], *, verify: bool = False) -> LoadBalancerStatus:
        """Create or converge the Service's load balancer, targets included.

        While the fingerprint tag matches, only the load balancer and its targets are read;
        `verify` (the drift resync) checks and repairs every part regardless.
        """
        self._memo.remember(spec.ref.name, None)  # until it succeeds, nothing is known
        journal = Journal(apply=True)
        outcome = self._converge(spec, journal, verify=verify)
        self._memo.remember(spec.ref.name, outcome.applied(journal.made))
        return outcome.status(journal.made)

    def _converge(
        self, spec: LoadBalancerSpec[Any], journal: Journal, *, verify: bool
    ) -> converge.Outcome:
        self.validate(spec)
        subnets = self._ctx.subnets.resolve(options_of(spec))
        check_eips(options_of(spec), subnets)
        d = desired_for(spec, subnets=subnets, ip_address_type=self._address_type(spec, subnets))
        flow = converge.ensure_nlb if d.kind == "nlb" else converge.ensure_classic
        return flow(self._ctx, d, targets.instances(spec.backends), verify=verify, journal=journal)

    def _address_type(self, spec: LoadBalancerSpec[Any], subnets: tuple[str, ...]) -> str:
        """An NLB's `ipv4` or `dualstack`; the subnets are read only for a dualstack one."""
        want = families.wanted(spec)
        if options_of(spec).kind != "nlb" or want.value == families.V4:
            return families.V4
        return families.settle(want, self._ctx.subnets.without_ipv6(subnets))

    def update_backends(
        self, spec: LoadBalancerSpec[Any], *, previous: Sequence[Backend] | None = None
    ) -> None:
        """Register and deregister instances only (nothing when the LB does not exist yet).

        When this process converged the load balancer and `previous` says which backends it
        applied, only the difference is written, with no read; otherwise the targets are read.
        """
        ref, kind = spec.ref, options_of(spec).kind
        name, wanted = ref.name, targets.instances(spec.backends)
        applied = self._memo.recall(name)
        self._memo.remember(name, None)  # until it succeeds, nothing is known
        journal = Journal(apply=True)
        if previous is not None and applied is not None and applied.kind == kind:
            current = targets.instances(previous)
            journal.do(
                targets.shift(
                    self._ctx.api,
                    journal.made,
                    applied=applied,
                    name=name,
                    wanted=wanted,
                    current=current,
                )
            )
        else:
            flow = converge.nlb_targets if kind == "nlb" else converge.classic_instances
            outcome = flow(self._ctx, ref, wanted, journal=journal)
            applied = None if outcome is None else outcome.applied(journal.made)
        self._memo.remember(name, applied)

    def plan(self, spec: LoadBalancerSpec[Any]) -> Sequence[PlannedChange]:
        """The writes `ensure(spec)` would make now: the same flow, its steps only listed."""
        journal = Journal(apply=False)
        self._converge(spec, journal, verify=False)
        return tuple(journal.changes)

    def plan_delete(self, ref: LoadBalancerRef) -> Sequence[PlannedChange]:
        """The writes `ensure_deleted(ref)` would make now."""
        journal = Journal(apply=False)
        teardown.remove_everything(self._ctx, journal, ref)
        return tuple(journal.changes)

    def ensure_deleted(self, ref: LoadBalancerRef) -> None:
        """Delete everything of ours for `ref` (both kinds); absent is success. An NLB this
        process converged last is deleted by what it remembers of it, with fewer reads."""
        known = self._memo.recall(ref.name)
        self._memo.remember(ref.name, None)
        teardown.remove_everything(self._ctx, Journal(apply=True), ref, known)

    def list_owned(self) -> Sequence[OwnedLoadBalancer]:
        """Every NLB and classic ELB tagged as owned by this cluster, and upstream's NLBs."""
        return list_owned(
            self._ctx.api, cluster=self._cluster, upstream_cluster=self._ctx.upstream_cluster
        )
