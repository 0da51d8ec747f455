"""Keeps the config part of the chart's values.schema.json equal to the config model.

Where it sits: the chart's `values.config` is the controller's config file, so values.schema.json
embeds the model's JSON Schema (`Config.model_json_schema`, as `lbcontroller config-schema`
prints it): `properties.config` is its root and its `$defs` sit beside the chart's own
(`chart*`). `test_schema.py` fails when they drift; `python -m tests.helm.schema_sync` rewrites.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lbcontroller.config import Config

VALUES_SCHEMA = Path(__file__).resolve().parents[2] / "helm/lbcontroller/values.schema.json"


def embedded(values_schema: dict[str, Any]) -> dict[str, Any]:
    """`values_schema` with its config part replaced by the model's current schema."""
    result = copy.deepcopy(values_schema)
    config = Config.model_json_schema(by_alias=True)
    defs = config.pop("$defs")
    result["properties"]["config"] = config
    own = {k: v for k, v in result.get("$defs", {}).items() if k.startswith("chart")}
    clash = own.keys() & defs.keys()
    if clash:
        raise ValueError(f"the config model's $defs clash with the chart's: {sorted(clash)}")
    result["$defs"] = {**own, **defs}
    return result


def main() -> None:
    """Rewrite values.schema.json in place."""
    current = json.loads(VALUES_SCHEMA.read_text())
    VALUES_SCHEMA.write_text(json.dumps(embedded(current), indent=2) + "\n")
    print(VALUES_SCHEMA)


if __name__ == "__main__":
    main()
