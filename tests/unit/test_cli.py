"""The command line: validate-config exit codes and messages, config-schema, version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lbcontroller.cli import main
from tests.unit.configs import BAD_CONFIGS, GOOD, expected, write


@pytest.mark.parametrize(("text", "problems"), BAD_CONFIGS)
def test_validate_bad_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, problems: list[str]
) -> None:
    path = write(tmp_path, text)
    assert main(["validate-config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    printed = [line for line in err.splitlines() if line.startswith("config error: ")]
    assert printed == [f"config error: {p}" for p in expected(problems, path)]


def test_validate_good_config_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    assert main(["validate-config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"{path}: ok (3 providers)\n", "")


def test_config_schema_is_json_with_camel_case_properties(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config-schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"clusterName", "providers", "defaultProvider"} <= set(schema["properties"])
    assert schema["required"] == ["clusterName", "providers"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert re.fullmatch(r"lbcontroller \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


@pytest.mark.parametrize(
    "argv", [pytest.param([], id="no-command"), pytest.param(["frobnicate"], id="unknown")]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage: lbcontroller" in capsys.readouterr().err
