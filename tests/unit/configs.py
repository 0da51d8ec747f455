"""Config files shared by the config and CLI tests: a good one, and bad ones with their messages.

Each bad case is the file's text (None: no file at all) and the exact problems expected, one
per bad key; `{path}` stands for the file's path. Only a problem's first line is compared, so
that the YAML parser's multi-line detail need not be spelled out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

NLB, GCE, OCTAVIA = "example.com/nlb", "example.com/gce", "example.com/octavia"


def aws(name: str = "aws-main", **fields: Any) -> dict[str, Any]:
    return {"type": "aws", "name": name, "region": "eu-west-1", "classes": [NLB], **fields}


def gcp(name: str = "gce", **fields: Any) -> dict[str, Any]:
    return {"type": "gcp", "name": name, "project": "p", "region": "europe-west1", **fields}


def openstack(name: str = "octavia", **fields: Any) -> dict[str, Any]:
    return {"type": "openstack", "name": name, "cloud": "lab", "classes": [OCTAVIA], **fields}


def config(*providers: dict[str, Any], **top: Any) -> str:
    """A YAML config file of the providers (default: one AWS) and top-level keys."""
    body = {"clusterName": "prod", "providers": list(providers) or [aws()], **top}
    return yaml.safe_dump({k: v for k, v in body.items() if v is not None}, sort_keys=False)


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


GOOD = config(aws(), gcp(classes=[GCE]), openstack(), defaultProvider="aws-main")

LEASE = {"leaderElection": {"leaseDuration": 10, "renewDeadline": 10, "retryPeriod": 2}}
BAD_QPS = {"qps": 0, "burst": 5}
GT0 = "Input should be greater than 0"

BAD_CONFIGS = [
    pytest.param(
        config(without(aws(), "region")), ["providers[0].region: field required"], id="no-region"
    ),
    pytest.param(
        config(aws(), {"type": "azure", "name": "az"}),
        ["providers[1].type: unknown provider type 'azure' (expected aws, gcp or openstack)"],
        id="unknown-type",
    ),
    # Core bug: reported as "providers[0]: Unable to extract tag using discriminator 'type'".
    pytest.param(
        config(without(aws(), "type")), ["providers[0].type: field required"], id="no-type"
    ),
    pytest.param(
        config(aws(), gcp(classes=[GCE, NLB])),
        [f"providers[1].classes: {NLB!r} is already served by 'aws-main'"],
        id="duplicate-class",
    ),
    pytest.param(
        config(aws(), gcp(name="aws-main")),
        ["providers[1].name: 'aws-main' is used twice"],
        id="duplicate-name",
    ),
    pytest.param(
        config(aws(), defaultProvider="nope"),
        ["defaultProvider: no provider is named 'nope'"],
        id="unknown-default",
    ),
    pytest.param(
        config(aws(), aws(), defaultProvider="gce"),
        [
            "providers[1].name: 'aws-main' is used twice",
            f"providers[1].classes: {NLB!r} is already served by 'aws-main'",
            "defaultProvider: no provider is named 'gce'",
        ],
        id="several-consistency-problems",
    ),
    pytest.param(
        config(aws(zone="a"), colour="blue"),
        [
            "providers[0].zone: Extra inputs are not permitted",
            "colour: Extra inputs are not permitted",
        ],
        id="extra-keys",
    ),
    pytest.param(
        config(controller=LEASE),
        ["controller.leaderElection: need retryPeriod < renewDeadline < leaseDuration"],
        id="lease-order",
    ),
    pytest.param(
        config(controller={"workers": 0}),
        ["controller.workers: Input should be greater than or equal to 1"],
        id="workers",
    ),
    pytest.param(
        config(aws(rateLimits={"describe": BAD_QPS})),
        [f"providers[0].rateLimits.describe.qps: {GT0}"],
        id="rate-limit",
    ),
    # Core bug: config._path drops every loc part spelled like a provider type, keys included.
    pytest.param(
        config(aws(rateLimits={"gcp": BAD_QPS})),
        [f"providers[0].rateLimits.gcp.qps: {GT0}"],
        id="rate-limit-family-named-gcp",
    ),
    pytest.param(
        config(clusterName="Prod_1"),
        ["clusterName: String should match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"],
        id="cluster-name",
    ),
    pytest.param(
        yaml.safe_dump({"providers": [aws()]}), ["clusterName: field required"], id="no-cluster"
    ),
    pytest.param(
        "clusterName: prod\nproviders: []\n",
        ["providers: List should have at least 1 item after validation, not 0"],
        id="no-providers",
    ),
    pytest.param(
        "clusterName: prod\nproviders: [\n",
        ["{path}: not valid YAML: while parsing a flow node"],
        id="bad-yaml",
    ),
    pytest.param(None, ["{path}: cannot read: No such file or directory"], id="missing-file"),
]


def write(directory: Path, text: str | None) -> Path:
    """The config file's path in `directory`, written unless `text` is None."""
    path = directory / "lbcontroller.yaml"
    if text is not None:
        path.write_text(text)
    return path


def expected(problems: list[str], path: Path) -> list[str]:
    return [p.format(path=path) for p in problems]
