#!/usr/bin/env bash
# Installs what the OpenStack component of the local environment runs (LBC_ENV=...,openstack):
#   - Debian's mariadb-server and rabbitmq-server (only if missing; noninteractive). Their own
#     system services are never used: devenv starts both as its own processes on loopback
#     with data under .devenv/openstack/, on other ports and sockets.
#   - Keystone, Octavia and Neutron from PyPI, each in its own venv under
#     ${LBC_CACHE:-$HOME/.cache/lbcontroller}/openstack-venvs/<name>-<version>, pinned by
#     devenv/openstack_parts/constraints/<name>.txt.
# Idempotent: a venv whose stamp matches (Python version, requirements, constraints) is kept.
# Prints the openstack-venvs folder as the last stdout line; a missing prerequisite is one
# stderr line starting `env-up:`.
set -euo pipefail

KEYSTONE_VERSION=30.0.0
OCTAVIA_VERSION=19.0.0
NEUTRON_VERSION=29.0.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
constraints_dir=$root/devenv/openstack_parts/constraints
cache=${LBC_CACHE:-$HOME/.cache/lbcontroller}
venvs=$cache/openstack-venvs
mkdir -p "$venvs"

# One install at a time per cache (parallel env-up or test sessions).
if command -v flock >/dev/null; then
    exec 9>"$venvs/.lock"
    flock 9
fi

# --- Debian packages ------------------------------------------------------------------------
missing=()
[[ -x /usr/sbin/mariadbd && -x /usr/bin/mariadb-install-db && -x /usr/bin/mariadb ]] ||
    missing+=(mariadb-server mariadb-client-core)
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server && -x /usr/bin/epmd ]] || missing+=(rabbitmq-server)
if ((${#missing[@]})); then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        echo "env-up: Debian packages ${missing[*]} are not installed (as root: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "install-openstack.sh: apt-get install ${missing[*]}" >&2
    # Keep the packages' own services from starting during the install (Debian's
    # policy-rc.d convention); a policy that is already there is left as it is.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    ok=1
    apt-get update -qq >&2 || ok=0
    ((ok)) && { apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || ok=0; }
    ((own_policy)) && rm -f "$policy"
    if ((!ok)); then
        echo "env-up: apt-get could not install ${missing[*]}" >&2
        exit 1
    fi
    # Where systemd runs, make sure the packaged services stay off (ours use other ports).
    if [[ -d /run/systemd/system ]]; then
        systemctl disable --now mariadb rabbitmq-server >&2 2>/dev/null || true
    fi
fi

# --- Python for the venvs (3.11 to 3.13; OpenStack 2026.2 needs >= 3.11) ---------------------
find_python() {
    local c v
    for v in 3.12 3.13 3.11; do
        for c in "$(command -v "python$v" || true)" $(compgen -G "$HOME/.pyenv/versions/$v*/bin/python$v" | sort -rV || true); do
            [[ -n $c ]] || continue
            if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
                echo "$c"
                return 0
            fi
        done
    done
    c=$(command -v python3 || true)
    [[ -n $c ]] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 &&
        echo "$c" && return 0
    return 1
}
if ! python=$(find_python); then
    echo "env-up: Python >= 3.11 (3.12 preferred) is required for Keystone, Octavia and Neutron" >&2
    exit 1
fi

uv=$root/.venv/bin/uv
[[ -x $uv ]] || uv=$(command -v uv || true)

# --- one venv per service -------------------------------------------------------------------
build() { # NAME VERSION REQUIREMENT...
    local name=$1 version=$2
    shift 2
    local venv=$venvs/$name-$version stamp constraints key
    stamp=$venv/.lbc-install-stamp
    constraints=$constraints_dir/$name.txt
    key=$(
        {
            "$python" -c 'import sys; print(sys.version)'
            printf '%s\n' "$@"
            if [[ -f $constraints ]]; then cat "$constraints"; fi
        } | sha256sum | cut -d' ' -f1
    )
    if [[ -f $stamp && $(cat "$stamp") == "$key" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
        return 0
    fi
    echo "install-openstack.sh: building $venv ($python)" >&2
    # built in place; the stamp, written last, marks it complete
    local cflag=()
    rm -rf "$venv"
    [[ -f $constraints ]] && cflag=(-c "$constraints")
    if [[ -n $uv ]]; then
        "$uv" venv -q --python "$python" "$venv" >&2
        "$uv" pip install -q --python "$venv/bin/python" --compile-bytecode "${cflag[@]}" "$@" >&2
    else
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "${cflag[@]}" "$@" >&2
        "$venv/bin/python" -m compileall -q "$venv/lib" >/dev/null 2>&1 || true
    fi
    echo "$key" >"$stamp"
}

pids=()
build keystone "$KEYSTONE_VERSION" "keystone==$KEYSTONE_VERSION" PyMySQL gunicorn &
pids+=($!)
build octavia "$OCTAVIA_VERSION" "octavia==$OCTAVIA_VERSION" PyMySQL gunicorn &
pids+=($!)
build neutron "$NEUTRON_VERSION" "neutron==$NEUTRON_VERSION" PyMySQL gunicorn &
pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if ((failed)); then
    echo "env-up: installing Keystone/Octavia/Neutron from PyPI failed (see the messages above)" >&2
    exit 1
fi
echo "$venvs"
