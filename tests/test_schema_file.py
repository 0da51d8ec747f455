"""The shipped JSON Schema of the config file is the one the model generates today."""

from __future__ import annotations

import json
from pathlib import Path

from lbcontroller.config import Config

SCHEMA = Path(__file__).resolve().parent.parent / "schema" / "config.schema.json"


def test_schema_file_matches_the_model() -> None:
    shipped = json.loads(SCHEMA.read_text())
    assert shipped == Config.model_json_schema(by_alias=True), (
        "schema/config.schema.json is stale: "
        "run `lbcontroller config-schema > schema/config.schema.json`"
    )
