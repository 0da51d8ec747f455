#!/usr/bin/env bash
# Run LocalStack on the host (no Docker) in the foreground, serving ec2, elb, elbv2, sts and acm on
# 127.0.0.1:PORT only. The venv comes from install.sh (run that first).
#
#   start.sh PORT [DATA_DIR]
#
# Everything LocalStack writes goes under DATA_DIR (a new temp dir when omitted; its path is
# printed on stderr). It makes no outbound network calls: no analytics, no DNS server, no
# certificate download, and the license-catalog look-up it tries after an unimplemented
# operation is pointed at a closed loopback port. The process is exec'd, so the caller's PID is
# LocalStack's: SIGTERM (or Ctrl-C) shuts it down cleanly.
# Ready when GET http://127.0.0.1:PORT/_localstack/health lists the services as "running".
set -euo pipefail

LOCALSTACK_VERSION=2026.3.0

usage() {
    echo "usage: $0 PORT [DATA_DIR]" >&2
    exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
port=$1
[[ $port =~ ^[0-9]{1,5}$ ]] || usage
port=$((10#$port))
((port >= 1 && port <= 65535)) || usage

venv="${LBC_CACHE:-$HOME/.cache/lbcontroller}/localstack-venv-$LOCALSTACK_VERSION"
if [[ ! -x $venv/bin/python || ! -f $venv/.lbc-install-stamp ]]; then
    echo "env-up: LocalStack venv missing or incomplete at $venv; run $(dirname "$0")/install.sh" >&2
    exit 1
fi

if [[ $# -eq 2 ]]; then
    data_dir=$2
    mkdir -p "$data_dir"
else
    data_dir=$(mktemp -d -t lbc-localstack.XXXXXX)
    echo "start.sh: LocalStack data dir: $data_dir" >&2
fi
data_dir=$(cd "$data_dir" && pwd -P)
mkdir -p "$data_dir"/{filesystem,tmp,config,cache,home}

# Drop settings from the caller's environment that would change what LocalStack loads or where
# it writes: profiles, persistence, auth tokens and a caller-side DATA_DIR.
unset CONFIG_PROFILE PERSISTENCE DATA_DIR LOCALSTACK_AUTH_TOKEN LOCALSTACK_API_KEY \
    LOCALSTACK_VOLUME_DIR PROVIDER_OVERRIDE_ELB PROVIDER_OVERRIDE_ELBV2

# Listening: the gateway only, on loopback. The default (twisted) server binds 0.0.0.0 as well;
# DNS_ADDRESS=0 turns the DNS server (port 53, all interfaces) off.
export GATEWAY_LISTEN="127.0.0.1:$port"
export GATEWAY_SERVER=hypercorn
export DNS_ADDRESS=0
# What to serve, loaded at start so that readiness means the services are up.
export SERVICES=ec2,elb,elbv2,sts,acm
export EAGER_SERVICE_LOADING=1
# No outbound calls: analytics and usage events off, no TLS certificate download; the catalog
# and analytics APIs (asked only after an unimplemented operation) point at a closed local port.
export DISABLE_EVENTS=1
export SKIP_SSL_CERT_DOWNLOAD=1
export API_ENDPOINT=http://127.0.0.1:1/offline
export ANALYTICS_API=http://127.0.0.1:1/offline
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
# Writes: this machine looks like a container to LocalStack, which would then use
# /var/lib/localstack; host mode keeps its whole file tree under FILESYSTEM_ROOT.
export OVERRIDE_IN_DOCKER=0
export FILESYSTEM_ROOT="$data_dir/filesystem"
export CONFIG_DIR="$data_dir/config"
# Python's temp dir; TMP rather than TMPDIR, which LocalStack reports as a deprecated setting.
unset TMPDIR TEMP
export TMP="$data_dir/tmp"
export XDG_CACHE_HOME="$data_dir/cache" # plux keeps its entry-point index here
export HOME="$data_dir/home"
export PYTHONDONTWRITEBYTECODE=1

cd "$data_dir"
exec "$venv/bin/python" -m localstack.runtime.main
