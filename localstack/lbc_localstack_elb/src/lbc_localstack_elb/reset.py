"""State reset for host-mode LocalStack: ``POST /_localstack/state/reset`` or ``/moto-api/reset``.

LocalStack's free build has no endpoint to reset its state. This start hook adds one under two
paths: ``/_localstack/state/reset``, where licensed LocalStack (e.g. the Docker image) has its
own, and ``/moto-api/reset``, moto_server's, so tests reset every backend with one call. It
resets moto's backends the way moto_server does, then clears LocalStack's own stores of every
loaded service (ec2, sts); every account and region starts afresh (moto recreates default VPCs).
The answer is 200 with ``{"status": "ok"}``. Call it between tests, not while requests are in
flight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack.runtime import hooks
from localstack.services.stores import AccountRegionBundle
from localstack.state import StateVisitor
from rolo import Response

if TYPE_CHECKING:
    from localstack.state import StateContainer
    from werkzeug import Request

__all__ = ["RESET_PATHS", "register_reset_route", "reset_state"]

RESET_PATHS = ("/_localstack/state/reset", "/moto-api/reset")


class _ClearStores(StateVisitor):
    """Clears LocalStack's stores; moto's backends are reset separately, all at once."""

    def visit(self, state_container: StateContainer) -> None:
        if isinstance(state_container, AccountRegionBundle):
            state_container.reset()  # type: ignore[no-untyped-call]  # untyped upstream


def reset_state() -> None:
    """Reset moto (every service) and the LocalStack stores of the loaded services."""
    # deferred: moto and the service manager are loaded by then, and needed only here
    from localstack.services.plugins import SERVICE_PLUGINS  # noqa: PLC0415
    from moto.core.base_backend import BackendDict  # noqa: PLC0415
    from moto.core.model_instances import reset_model_data  # noqa: PLC0415

    BackendDict.reset()
    reset_model_data()
    for name in SERVICE_PLUGINS.list_loaded_services():
        service = SERVICE_PLUGINS.get_service(name)
        if service is not None:
            service.accept_state_visitor(_ClearStores())


def _reset(request: Request, *args: Any, **kwargs: Any) -> Response:
    """The route's handler: reset, then answer as moto_server does."""
    del request, args, kwargs
    reset_state()
    return Response.for_json({"status": "ok"})


def _register_reset_route() -> None:
    # paths under /_localstack belong to LocalStack's internal router; others to the edge router
    from localstack.services.edge import ROUTER  # noqa: PLC0415
    from localstack.services.internal import get_internal_apis  # noqa: PLC0415

    for path in RESET_PATHS:
        router = get_internal_apis() if path.startswith("/_localstack/") else ROUTER
        router.add(path=path, endpoint=_reset, methods=["POST"])


register_reset_route = hooks.on_infra_start(name="lbc_register_reset_route")(_register_reset_route)
