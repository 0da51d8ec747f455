"""From the config's provider entries to provider objects, importing each SDK only when used.

Where it sits: the composition root (`cli`) calls `build_router`. Adapters live in the
`providers` package, one subpackage per cloud type, each exposing
`build(config, *, cluster, metrics) -> Provider`; they are imported by name here, so an
AWS-only install never imports the Google or OpenStack SDKs, and the core stays free of them.
"""

from __future__ import annotations

import importlib
from typing import Protocol, cast

from lbcontroller.config import Config, ProviderConfig
from lbcontroller.metrics import Metrics
from lbcontroller.provider import Provider
from lbcontroller.router import Route, Router
from lbcontroller.spec import SpecSettings

_EXTRAS = {"aws": "aws", "gcp": "gcp", "openstack": "openstack"}


class ProviderFactory(Protocol):
    """The `build` function each adapter package exposes."""

    def __call__(self, config: ProviderConfig, *, cluster: str, metrics: Metrics) -> Provider:
        """Make the provider for one config entry."""
        ...


class ProviderUnavailable(Exception):
    """The adapter (or its SDK) for a configured provider type is not installed."""


def factory_for(kind: str) -> ProviderFactory:
    """The adapter's `build` for provider type `kind`."""
    try:
        module = importlib.import_module(f"providers.{kind}")
    except ImportError as exc:
        raise ProviderUnavailable(
            f"provider type {kind!r} needs `pip install lbcontroller[{_EXTRAS[kind]}]` ({exc})"
        ) from None
    return cast(ProviderFactory, module.build)


def build_router(config: Config, *, metrics: Metrics) -> Router:
    """One route per configured provider, and the class table."""
    routes = {}
    for entry in config.providers:
        provider = factory_for(entry.type)(entry, cluster=config.cluster_name, metrics=metrics)
        settings = SpecSettings(
            cluster=config.cluster_name,
            node_selector=entry.node_selector,
            needs_node_ports=provider.needs_node_ports,
        )
        routes[entry.name] = Route(provider, settings)
    classes = {cls: entry.name for entry in config.providers for cls in entry.classes}
    return Router(
        routes=routes,
        classes=classes,
        default=config.default_provider,
        prefixes=tuple(config.class_prefixes),
    )
