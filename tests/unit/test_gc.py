"""Which owned load balancers gc calls orphans (pure)."""

from __future__ import annotations

from lbcontroller.gc import find_orphans
from lbcontroller.provider import OwnedLoadBalancer
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings, ref_for
from tests.support.builders import service
from tests.support.recording import RecordingProvider

CLUSTER = "c"


def _router() -> Router:
    routes = {n: Route(RecordingProvider(name=n), SpecSettings(cluster=CLUSTER)) for n in "ab"}
    return Router(routes=routes, classes={"x/a": "a", "x/b": "b"}, default=None)


def test_orphans_are_gone_or_unserved_services_only() -> None:
    live_a = service(name="web", lb_class="x/a")
    live_b = service(name="api", lb_class="x/b")
    unserved = service(name="old", type="ClusterIP")
    gone = service(name="gone", lb_class="x/a")
    owned = {  # entry a sees every load balancer of the shared account, b's included
        "a": [
            OwnedLoadBalancer(ref_for(CLUSTER, s), s.name) for s in (live_a, live_b, unserved, gone)
        ],
    }
    orphans = find_orphans(owned=owned, services=[live_a, live_b, unserved], router=_router())
    assert {(o.owned.cloud_id, o.reason) for o in orphans} == {
        ("old", "Service no longer served by any provider"),
        ("gone", "Service not found"),
    }
