"""Events on the real API server: repeats bump one Event's count, across process restarts too.

A recorder is what one controller process holds; a second recorder is the same controller
after a restart: it does not know the counts its predecessor wrote, and must go on from them
rather than fail on the existing Event every time.
"""

from __future__ import annotations

import pytest

from lbcontroller.events import EventRecorder
from lbcontroller.kube import KubeClient
from lbcontroller.model import Service
from tests.support.objects import create_service, events_for

pytestmark = pytest.mark.integration


def _service(kube: KubeClient, namespace: str) -> Service:
    return create_service(kube, namespace, "web", lb_class="lbcontroller.io/none")


def _counts(kube: KubeClient, namespace: str) -> list[tuple[str, int]]:
    return sorted((e["reason"], e["count"]) for e in events_for(kube, namespace, "web"))


def test_a_repeat_bumps_the_count(kube: KubeClient, namespace: str) -> None:
    service, recorder = _service(kube, namespace), EventRecorder(kube)
    for _ in range(3):
        recorder.warning(service, "SyncLoadBalancerFailed", "no room")
    recorder.normal(service, "EnsuredLoadBalancer", "Ensured load balancer")
    assert _counts(kube, namespace) == [("EnsuredLoadBalancer", 1), ("SyncLoadBalancerFailed", 3)]


def test_a_restarted_recorder_goes_on_counting(kube: KubeClient, namespace: str) -> None:
    service = _service(kube, namespace)
    EventRecorder(kube).warning(service, "SyncLoadBalancerFailed", "no room")
    restarted = EventRecorder(kube)
    restarted.warning(service, "SyncLoadBalancerFailed", "no room")
    restarted.warning(service, "SyncLoadBalancerFailed", "no room")
    assert _counts(kube, namespace) == [("SyncLoadBalancerFailed", 3)]


def test_an_event_gone_meanwhile_is_written_anew(kube: KubeClient, namespace: str) -> None:
    service, recorder = _service(kube, namespace), EventRecorder(kube)
    recorder.warning(service, "SyncLoadBalancerFailed", "no room")
    [event] = events_for(kube, namespace, "web")
    kube.request("DELETE", f"/api/v1/namespaces/{namespace}/events/{event['metadata']['name']}")
    recorder.warning(service, "SyncLoadBalancerFailed", "no room")
    assert _counts(kube, namespace) == [("SyncLoadBalancerFailed", 1)]
