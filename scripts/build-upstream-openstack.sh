#!/usr/bin/env bash
# Builds the real upstream openstack-cloud-controller-manager (k8s.io/cloud-provider-openstack,
# "CPO") from the Go module proxy, once per version, into the cache (outside git; never
# committed). Prints the binary's path. Used by the OpenStack adoption test: CPO makes the load
# balancers that lbcontroller then takes over. Its go.mod pins k8s.io staging modules with
# replace directives, so it is built inside a copy of the module (lib/upstream_ccm.sh).
# v1.36.0 is the newest the proxy serves (v1.35.1, v1.35.2 and v1.34.0 are refused: 403).
set -euo pipefail
CPO_VERSION="${CPO_VERSION:-v1.36.0}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/openstack-ccm-$CPO_VERSION"
BINARY=openstack-cloud-controller-manager
if [[ -x "$OUT/$BINARY" ]]; then echo "$OUT/$BINARY"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/upstream_ccm.sh"
build_ccm "$OUT" k8s.io/cloud-provider-openstack "$CPO_VERSION" "$BINARY" "4 min"
echo "$OUT/$BINARY"
