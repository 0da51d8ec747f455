"""JSON log lines: standard keys, `extra` fields, exceptions, all on one line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lbcontroller.logs import JsonFormatter


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose records are formatted by JsonFormatter into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.unit.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_extra_fields_become_keys(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.warning(
        "synced %s", "shop/web", extra={"service": "shop/web", "attempt": 3, "file": Path("/x")}
    )
    [record] = lines(stream)
    assert record["msg"] == "synced shop/web"
    assert (record["level"], record["logger"]) == ("warning", "tests.unit.logs")
    assert (record["service"], record["attempt"], record["file"]) == ("shop/web", 3, "/x")
    assert "args" not in record
    assert "levelno" not in record
    assert "error" not in record


def test_exception_is_rendered_on_the_same_line(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logger.exception("reconcile failed", extra={"service": "shop/web"})
    [record] = lines(stream)
    assert record["msg"] == "reconcile failed"
    assert record["level"] == "error"
    assert record["service"] == "shop/web"
    assert record["error"].startswith("Traceback (most recent call last):")
    assert record["error"].endswith("ValueError: boom\nsecond line")
