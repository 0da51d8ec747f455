"""moto behind a fault proxy that enforces AWS's own request limits, scaled down, for the tests
of those limits (`test_aws_throttling.py`) and of the client's adaptive limits against them
(`tests/aws/test_adaptive_limits.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from devenv.faults.client import FaultAdmin, start_proxy
from devenv.procs import stop
from devenv.state import EnvState
from tests.conftest import aws_backend_url

REGION = "us-east-1"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
SCALE = 0.25  # elbv2 Describe*: 10 tokens, 2.5 a second; EC2 per-API describe: 25, 5 a second


@dataclass
class Proxied:
    """boto3 clients through a proxy that enforces AWS's limits."""

    admin: FaultAdmin
    elbv2: Any
    elb: Any
    ec2: Any


def _boto(service: str, url: str) -> Any:
    session: Any = boto3.session.Session(region_name=REGION)
    return session.client(service, endpoint_url=url, config=NO_RETRIES)


@pytest.fixture
def aws(devenv: EnvState, tmp_path: Path) -> Iterator[Proxied]:
    """moto (emptied) behind a fresh proxy with AWS's limits on, scaled down."""
    upstream = aws_backend_url(devenv, "moto")
    proc, url = start_proxy("faultproxy-limits", upstream, logs=tmp_path)
    try:
        admin = FaultAdmin(url)
        admin.limits(enabled=True, scale=SCALE)
        yield Proxied(admin, _boto("elbv2", url), _boto("elb", url), _boto("ec2", url))
    finally:
        stop(proc)
