#!/usr/bin/env bash
# Install LocalStack for host mode (no Docker) plus our elb/elbv2 plugin into a cached venv:
#   ${LBC_CACHE:-$HOME/.cache/lbcontroller}/localstack-venv-2026.3.0
# Idempotent: a stamp in the venv records what was installed; the run is a no-op when it
# matches (same Python, constraints.txt and plugin sources), reinstalls only the plugin when
# only the plugin changed, and rebuilds the venv otherwise. The plugin is installed as a
# regular (non-editable) wheel, so the venv does not depend on this work tree.
# Prints the venv path as the last line on stdout; pip's output goes to stderr.
set -euo pipefail

LOCALSTACK_VERSION=2026.3.0
REQUIREMENTS=(
    "localstack-core[base-runtime]==$LOCALSTACK_VERSION"
    "moto-ext==5.1.28"
    "cbor2<6"
    "pyopenssl<26"
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
source "$here/../scripts/lib/logged.sh"
plugin_src=$here/lbc_localstack_elb
constraints=$here/constraints.txt
cache=${LBC_CACHE:-$HOME/.cache/lbcontroller}
venv=$cache/localstack-venv-$LOCALSTACK_VERSION
stamp=$venv/.lbc-install-stamp

find_python() {
    local candidates=() c
    c=$(command -v python3.13 || true)
    [[ -n $c ]] && candidates+=("$c")
    # newest 3.13.x first; a pyenv shim on PATH may exist but refuse to run, hence the check
    while IFS= read -r c; do candidates+=("$c"); done < <(
        compgen -G "$HOME/.pyenv/versions/3.13*/bin/python3.13" | sort -rV || true
    )
    for c in "${candidates[@]}"; do
        if "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

if ! python=$(find_python); then
    echo "env-up: Python 3.13 is required for LocalStack (not found: python3.13, ~/.pyenv/versions/3.13*)" >&2
    exit 1
fi

# What the venv is built from; any change here means a fresh venv.
deps_key=$(
    {
        "$python" -c 'import sys; print(sys.version)'
        printf '%s\n' "${REQUIREMENTS[@]}"
        cat "$constraints"
    } | sha256sum | cut -d' ' -f1
)
# The plugin's sources, by relative path and content (build leftovers and caches excluded).
plugin_key=$(
    cd "$plugin_src" &&
        find . -type f ! -path '*/__pycache__/*' ! -path './build/*' ! -path './dist/*' \
            ! -path '*.egg-info/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
        sha256sum | cut -d' ' -f1
)

mkdir -p "$cache"
# One install at a time per cache (parallel test sessions).
if command -v flock >/dev/null; then
    exec 9>"$venv.lock"
    flock 9
fi

stamp_value() { # KEY -> the recorded value, or nothing
    if [[ -f $stamp ]]; then
        sed -n "s/^$1=//p" "$stamp"
    fi
}

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
pip=("$venv/bin/python" -m pip --quiet)

if [[ $(stamp_value deps) == "$deps_key" && $(stamp_value plugin) == "$plugin_key" ]] &&
    "$venv/bin/python" -c 'import lbc_localstack_elb' 2>/dev/null; then
    echo "$venv"
    exit 0
fi

if [[ $(stamp_value deps) != "$deps_key" ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
    log_to "localstack-$LOCALSTACK_VERSION" "installing LocalStack $LOCALSTACK_VERSION into $venv (first run only, about 1 min)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    logged "${pip[@]}" install -c "$constraints" "${REQUIREMENTS[@]}"
    printf 'deps=%s\n' "$deps_key" >"$stamp"
fi

# Build from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$plugin_src" "$tmp/plugin"
rm -rf "$tmp/plugin/build" "$tmp/plugin/dist" "$tmp"/plugin/src/*.egg-info
"${pip[@]}" install --quiet --no-deps --force-reinstall "$tmp/plugin" >&2

# The plugin must import and LocalStack must see its entry points.
"$venv/bin/python" - <<'EOF'
from importlib.metadata import entry_points

import lbc_localstack_elb.providers
import lbc_localstack_elb.reset
import lbc_localstack_elb.shutdown

names = {ep.name for ep in entry_points(group="localstack.aws.provider")}
missing = {"elb:default", "elbv2:default"} - names
if missing:
    raise SystemExit(f"install.sh: LocalStack provider entry points missing: {sorted(missing)}")
EOF

printf 'deps=%s\nplugin=%s\n' "$deps_key" "$plugin_key" >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "$venv"
