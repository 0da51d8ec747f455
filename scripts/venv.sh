#!/usr/bin/env bash
# Creates .venv (Python >= 3.11) with the project and its dev tools, re-run when pyproject.toml
# changes. uv does the installing (fast, with its own cache); pip only bootstraps uv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || { echo "venv: $PY not found; Python >= 3.11 is required" >&2; exit 1; }
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "venv: $("$PY" --version) is too old; Python >= 3.11 is required" >&2; exit 1; }
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
[[ -x .venv/bin/uv ]] || .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.8"
.venv/bin/uv pip install -q --python .venv/bin/python -e '.[dev]'
touch .venv/.stamp
