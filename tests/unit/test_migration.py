"""How `lbcontroller migrate` sorts Services from their plans (pure)."""

from __future__ import annotations

import dataclasses

from lbcontroller.migration import UNMARKED, judge_all, render
from lbcontroller.model import FINALIZER, Ingress, Service
from lbcontroller.planner import ServicePlan
from lbcontroller.provider import PlannedChange
from lbcontroller.router import PROVIDER_ANNOTATION, Route, Router
from lbcontroller.spec import SpecSettings
from tests.support.builders import service
from tests.support.recording import RecordingProvider

UPSTREAM = "service.kubernetes.io/load-balancer-cleanup"
SERVED = (Ingress(ip=None, hostname="a1.elb.example", ip_mode=None),)
ADOPT = PlannedChange("adopt", "load-balancer", "a1", "AddTags", "made upstream, kept: a1.elb")
CREATE_LB = PlannedChange("create", "load-balancer", "k8s-web", "CreateLoadBalancer")


def _router() -> Router:
    route = Route(RecordingProvider(name="aws"), SpecSettings(cluster="c"))
    return Router(routes={"aws": route}, classes={"x/aws": "aws"}, default="aws")


def _verdicts(*cases: tuple[Service, ServicePlan | None]) -> dict[str, tuple[str, str]]:
    services = [s for s, _ in cases]
    plans = [p for _, p in cases if p is not None]
    return {v.service: (v.verdict, v.reason) for v in judge_all(services, plans, _router())}


def test_each_verdict_comes_from_the_plan_and_the_service() -> None:
    adopted = service("adopted", ingress=SERVED, finalizers=(UPSTREAM,))
    unmarked = service("unmarked", ingress=SERVED, finalizers=(UPSTREAM,))
    replaced = service("replaced", ingress=SERVED)
    invalid = service("invalid", ingress=SERVED)
    fresh = service("fresh")
    ours = service(
        "ours", ingress=SERVED, finalizers=(FINALIZER,), annotations={PROVIDER_ANNOTATION: "aws"}
    )
    why = "replaces classic ELB a2: the type changes"
    got = _verdicts(
        (adopted, ServicePlan("default/adopted", "aws", (ADOPT,))),
        (unmarked, ServicePlan("default/unmarked", "aws", (CREATE_LB,))),
        (
            replaced,
            ServicePlan("default/replaced", "aws", (dataclasses.replace(CREATE_LB, detail=why),)),
        ),
        (invalid, ServicePlan("default/invalid", "aws", error="spec.sessionAffinity: no")),
        (fresh, ServicePlan("default/fresh", "aws", (CREATE_LB,))),
        (ours, ServicePlan("default/ours", "aws")),
    )
    assert got == {
        "default/adopted": ("adopt", "made upstream, kept: a1.elb"),
        "default/unmarked": ("recreate", UNMARKED),
        "default/replaced": ("recreate", why),
        "default/invalid": ("refuse", "spec.sessionAffinity: no"),
        "default/fresh": ("new", "no address yet: it would be created"),
        "default/ours": ("ours", "already served by lbcontroller (0 pending changes)"),
    }


def test_services_no_provider_serves_are_skipped_and_others_left_out() -> None:
    other = service("other", lb_class="example.com/other", ingress=SERVED)
    cluster_ip = service("plain", type="ClusterIP")
    got = _verdicts((other, None), (cluster_ip, None))
    assert got == {
        "default/other": (
            "skip",
            "no configured provider serves loadBalancerClass example.com/other",
        )
    }


def test_the_table_counts_each_verdict() -> None:
    adopted = service("adopted", ingress=SERVED)
    fresh = service("fresh")
    verdicts = judge_all(
        [adopted, fresh],
        [
            ServicePlan("default/adopted", "aws", (ADOPT,)),
            ServicePlan("default/fresh", "aws", (CREATE_LB,)),
        ],
        _router(),
    )
    table = render(verdicts)
    assert "a1.elb.example" in table
    assert table.splitlines()[-1] == "1 adopt, 1 new"
