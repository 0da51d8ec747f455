"""The multi-cloud configuration file: its model, its loading, and its path-named errors.

Where it sits: read once at start-up by the CLI (`lbcontroller.cli`), before anything talks to a
cluster or a cloud; the result configures the controller and builds one provider per entry.
Credentials are never part of it: each SDK finds its own (environment, files, mounted secrets,
workload identity). String values may name environment variables as `${NAME}` (endpoints in
tests and the demo). The JSON Schema shipped in `schema/config.schema.json` is generated from
these models (`lbcontroller config-schema`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel


class ConfigError(Exception):
    """A config file that cannot be used; `problems` has one line per bad key."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class RateLimit(_Model):
    """A token bucket: `qps` tokens a second, at most `burst` saved up."""

    qps: float = Field(gt=0)
    burst: int = Field(ge=1)


class LeaderElection(_Model):
    """The coordination.k8s.io Lease that lets one replica of several write."""

    enabled: bool = True
    namespace: str = "kube-system"
    name: str = "lbcontroller"
    lease_duration: float = Field(default=15.0, gt=0)
    renew_deadline: float = Field(default=10.0, gt=0)
    retry_period: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> LeaderElection:
        if not self.retry_period < self.renew_deadline < self.lease_duration:
            raise ValueError("need retryPeriod < renewDeadline < leaseDuration")
        return self


class ControllerSettings(_Model):
    """How the controller itself runs."""

    workers: int = Field(default=4, ge=1, le=256)
    resync_period: float = Field(default=600.0, ge=0, description="seconds; 0 turns it off")
    node_sync_delay: float = Field(default=1.0, ge=0, le=60)
    retry_base_delay: float = Field(default=5.0, gt=0)
    retry_max_delay: float = Field(default=300.0, gt=0)
    shutdown_timeout: float = Field(default=20.0, ge=0)
    metrics_address: str = "0.0.0.0:8080"
    log_format: Literal["json", "text"] = "json"
    leader_election: LeaderElection = LeaderElection()


class _ProviderBase(_Model):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    classes: list[str] = Field(default_factory=list)
    endpoint: str | None = Field(default=None, description="override the cloud API endpoint")
    node_selector: dict[str, str] = Field(default_factory=dict)
    rate_limits: dict[str, RateLimit] = Field(default_factory=dict)
    compatibility: Literal["lbcontroller", "upstream"] = Field(
        default="lbcontroller",
        description="the defaults an unannotated Service gets: lbcontroller's own, or those of "
        "this cloud's upstream cloud controller manager (for clusters moving from it)",
    )


class AwsProvider(_ProviderBase):
    """Amazon Web Services: NLB (default) and classic ELB."""

    type: Literal["aws"]
    region: str
    vpc_id: str | None = None
    subnets: list[str] = Field(default_factory=list)
    node_security_group: str | None = None
    upstream_cluster_id: str | None = Field(
        default=None,
        description="the KubernetesClusterID of the cloud-provider-aws whose load balancers "
        "are adopted (its kubernetes.io/cluster/<id> tag); default: clusterName",
    )


class GcpProvider(_ProviderBase):
    """Google Compute Engine: backend-service based passthrough network load balancers."""

    type: Literal["gcp"]
    project: str
    region: str
    network: str = "default"
    subnetwork: str | None = None
    upstream_cluster_id: str | None = Field(
        default=None,
        description="the cluster id of the cloud-provider-gcp whose load balancers are adopted "
        "(its k8s-ig--<id> instance groups and k8s-<id>-node health checks); when set, "
        "lbcontroller uses those instance groups as its own",
    )


class OpenStackProvider(_ProviderBase):
    """OpenStack Octavia."""

    type: Literal["openstack"]
    cloud: str | None = Field(default=None, description="the clouds.yaml entry to use")
    vip_subnet_id: str | None = None
    vip_network_id: str | None = None
    vip_ipv6_subnet_id: str | None = Field(
        default=None,
        description="the IPv6 subnet (on the VIP network) of IPv6 and dual-stack Services' "
        "VIPs; unset: IPv4 only",
    )
    floating_network_id: str | None = None
    keep_floating_ip: bool = False
    delete_on_error: bool = True
    upstream_cluster_name: str | None = Field(
        default=None,
        description="the --cluster-name of the openstack-cloud-controller-manager whose load "
        "balancers are adopted (its kube_service_<cluster>_<namespace>_<name> names); "
        "default: clusterName",
    )


ProviderConfig = Annotated[
    AwsProvider | GcpProvider | OpenStackProvider, Field(discriminator="type")
]


class Config(_Model):
    """The whole file."""

    cluster_name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    default_provider: str | None = Field(
        default=None, description="the provider that claims Services with no loadBalancerClass"
    )
    class_prefixes: list[str] = Field(
        default_factory=lambda: ["lbcontroller.io/"],
        description="a class with one of these prefixes that no provider serves gets a Warning",
    )
    controller: ControllerSettings = ControllerSettings()
    providers: list[ProviderConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        problems = _duplicate_problems(self)
        names = {p.name for p in self.providers}
        if self.default_provider is not None and self.default_provider not in names:
            problems.append(f"defaultProvider: no provider is named {self.default_provider!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def provider_for_class(self, lb_class: str | None) -> str | None:
        """The name of the provider serving `lb_class` (None: no class), or None if none."""
        if lb_class is None:
            return self.default_provider
        for provider in self.providers:
            if lb_class in provider.classes:
                return provider.name
        return None


def _duplicate_problems(config: Config) -> list[str]:
    problems: list[str] = []
    seen_names: set[str] = set()
    seen_classes: dict[str, str] = {}
    for i, provider in enumerate(config.providers):
        if provider.name in seen_names:
            problems.append(f"providers[{i}].name: {provider.name!r} is used twice")
        seen_names.add(provider.name)
        for cls in provider.classes:
            if cls in seen_classes:
                problems.append(
                    f"providers[{i}].classes: {cls!r} is already served by {seen_classes[cls]!r}"
                )
            seen_classes[cls] = provider.name
    return problems


_TAGS = ("aws", "gcp", "openstack")


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (i == 2 and loc[0] == "providers" and part in _TAGS):  # the union's tag
            out += f".{part}" if out else part
    return out


def _problems(error: Any) -> list[str]:
    message = str(error["msg"]).removeprefix("Value error, ")
    path = _path(tuple(error["loc"]))
    if error["type"] == "missing":
        message = "field required"
    elif error["type"] == "union_tag_not_found":
        path, message = f"{path}.type", "field required"
    elif error["type"] == "union_tag_invalid":
        path, message = f"{path}.type", f"unknown provider type {error['input'].get('type')!r}"
        message += " (expected aws, gcp or openstack)"
    if not path:  # a model-level check, whose messages carry their own paths
        return message.split("; ")
    return [f"{path}: {message}"]


def parse_config(data: object) -> Config:
    """Validate already-parsed YAML/JSON data; raises ConfigError."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([p for e in exc.errors() for p in _problems(e)]) from None


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: object, loc: tuple[int | str, ...], problems: list[str]) -> object:
    """Replace `${NAME}` in string values with the environment's NAME (e.g. endpoints)."""
    if isinstance(value, dict):
        return {k: _expand(v, (*loc, str(k)), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, (*loc, i), problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            problems.append(f"{_path(loc)}: environment variable {name} is not set")
            return ""
        return os.environ[name]

    return _VAR.sub(lookup, value)


def load_config(path: Path) -> Config:
    """Read the YAML file at `path`, expand `${VAR}`s, validate; raises ConfigError."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of settings (clusterName, providers, ...)"])
    problems: list[str] = []
    data = _expand(data, (), problems)
    if problems:
        raise ConfigError(problems)
    return parse_config(data)
