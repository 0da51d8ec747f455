"""Shared pytest fixtures (temporary form: the endpoints come from the environment)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def aws_endpoint() -> str:
    """The AWS stand-in's endpoint (moto_server or LocalStack); fails loudly when absent."""
    url = os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        pytest.fail("AWS_ENDPOINT_URL is not set: run `make env-up` and source .devenv/env.sh")
    return url
