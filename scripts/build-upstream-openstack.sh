#!/usr/bin/env bash
# Builds the real upstream openstack-cloud-controller-manager (k8s.io/cloud-provider-openstack,
# "CPO") from the Go module proxy, once per version, into the cache (outside git; never
# committed). Prints the binary's path. Used by the OpenStack adoption test: CPO makes the load
# balancers that lbcontroller then takes over.
# Why a copy of the module: its go.mod carries replace directives (k8s.io staging modules pinned
# to versions), which `go install ...@version` refuses; built inside a copy they apply as written.
set -euo pipefail
CPO_VERSION="${CPO_VERSION:-v1.36.0}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/openstack-ccm-$CPO_VERSION"
if [[ -x "$OUT/openstack-cloud-controller-manager" ]]; then echo "$OUT/openstack-cloud-controller-manager"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/logged.sh"
go_build_start "openstack-ccm-$CPO_VERSION" openstack-cloud-controller-manager "$CPO_VERSION" "6 min"
module="k8s.io/cloud-provider-openstack@$CPO_VERSION"
mod_json="$(cd / && go mod download -json "$module" 2>&1)" || {
  echo "env-up: cannot download $module from the Go module proxy ($(echo "$mod_json" | tail -n1))" >&2; exit 1; }
moddir="$(echo "$mod_json" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work" "$OUT.tmp"' EXIT
cp -r "$moddir/." "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
mkdir -p "$OUT.tmp"
ver="k8s.io/component-base/version"
logged go build -trimpath -ldflags "-s -w -X $ver.gitVersion=$CPO_VERSION -X $ver.gitTreeState=clean" \
  -o "$OUT.tmp/openstack-cloud-controller-manager" ./cmd/openstack-cloud-controller-manager
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
echo "$OUT/openstack-cloud-controller-manager"
