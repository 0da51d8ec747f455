"""Which provider, if any, serves a Service: the multi-cloud routing rule.

Where it sits: the reconciler asks `Router.wanted` for every Service it sees. A Service is ours
when it is `type: LoadBalancer`, not being deleted, and its `spec.loadBalancerClass` maps to a
configured provider (no class: only if the config names a default provider, so we can live
beside a cloud-controller-manager). The provider that made a load balancer is recorded on the
Service next to the finalizer, so a class change or a type change can clean up the right cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lbcontroller.model import CLEANUP_FINALIZERS, FINALIZER, Service
from lbcontroller.provider import Provider
from lbcontroller.spec import SpecSettings

PROVIDER_ANNOTATION = "lbcontroller.io/provider"


@dataclass(frozen=True)
class Route:
    """A configured provider and the settings its specs are built with."""

    provider: Provider
    settings: SpecSettings


class Router:
    """Maps classes to providers."""

    def __init__(
        self,
        *,
        routes: Mapping[str, Route],
        classes: Mapping[str, str],
        default: str | None,
        prefixes: tuple[str, ...] = (),
    ) -> None:
        self.routes = dict(routes)
        self._classes = dict(classes)
        self._default = default
        self._prefixes = prefixes

    def wanted(self, service: Service) -> str | None:
        """The name of the provider that should serve `service` now, or None."""
        if service.type != "LoadBalancer" or service.deleting:
            return None
        return self._for_class(service.lb_class)

    def _for_class(self, lb_class: str | None) -> str | None:
        return self._default if lb_class is None else self._classes.get(lb_class)

    def unserved(self, service: Service) -> str | None:
        """A class that looks like ours (one of our prefixes) but no provider serves, if so."""
        cls = service.lb_class
        if service.type != "LoadBalancer" or cls is None or cls in self._classes:
            return None
        return cls if cls.startswith(self._prefixes) and self._prefixes else None

    def claims(self, service: Service) -> bool:
        """Whether the Service is, or was, ours: wanted now or carrying our record."""
        return any((self.wanted(service), self.made_by(service), self.unserved(service)))

    def made_by(self, service: Service) -> str | None:
        """The configured provider that made the Service's load balancer, if any.

        A record naming a provider this configuration lacks belongs to another controller
        (another lbcontroller with its own config, in the same cluster): not ours to touch.
        Our finalizer without a record, on a Service of a class we serve, is ours: so a
        removed annotation never leaves a finalizer stuck.
        """
        name = recorded(service)
        if name is None and FINALIZER in service.finalizers:  # the record was edited away:
            return self._for_class(service.lb_class)  # our class's provider still cleans up
        return name if name in self.routes else None


def recorded(service: Service) -> str | None:
    """The provider that made the Service's load balancer (our record beside a cleanup
    finalizer: ours, or upstream's, which lbcontroller used before it had its own), if any."""
    if CLEANUP_FINALIZERS.isdisjoint(service.finalizers):
        return None
    return service.annotations.get(PROVIDER_ANNOTATION)
