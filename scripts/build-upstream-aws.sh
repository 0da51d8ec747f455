#!/usr/bin/env bash
# Builds the real upstream aws-cloud-controller-manager (k8s.io/cloud-provider-aws) from the Go
# module proxy, once per version, into the cache (outside git; never committed). Prints the
# binary's path. Used by the sidecar test (lbcontroller beside the upstream manager) and by
# anything else that needs the upstream manager to compare with.
# Why a copy of the module (lib/upstream_ccm.sh): its go.mod redirects github.com/google/cel-go
# to a fork path the proxy refuses (403), so `go install ...@version` fails; a writable copy
# with that one replace dropped builds with the original cel-go (the module's go.mod hash is
# unchanged upstream).
set -euo pipefail
AWS_CCM_VERSION="${AWS_CCM_VERSION:-v1.37.1}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/aws-ccm-$AWS_CCM_VERSION"
BINARY=aws-cloud-controller-manager
if [[ -x "$OUT/$BINARY" ]]; then echo "$OUT/$BINARY"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/upstream_ccm.sh"
build_ccm "$OUT" k8s.io/cloud-provider-aws "$AWS_CCM_VERSION" "$BINARY" "5 min" \
  go mod edit -dropreplace github.com/google/cel-go
echo "$OUT/$BINARY"
