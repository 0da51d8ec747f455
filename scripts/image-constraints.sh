#!/usr/bin/env bash
# Rewrites constraints.txt: the versions of the image's runtime dependencies (".[all]"), pinned
# to those of the development venv the tests run in (`make venv`), so the image carries what was
# tested and pip needs no backtracking. Run it after changing dependencies, then `make image`.
set -euo pipefail
cd "$(dirname "$0")/.."
frozen="$(mktemp)"; trap 'rm -f "$frozen"' EXIT
.venv/bin/uv pip freeze --python .venv/bin/python --exclude-editable >"$frozen"
.venv/bin/uv pip compile --quiet pyproject.toml --extra all --constraint "$frozen" \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-annotate --no-header \
  --output-file constraints.txt.new
{ echo "# The image's runtime dependencies, pinned (scripts/image-constraints.sh writes this file)."
  cat constraints.txt.new; } >constraints.txt
rm constraints.txt.new
