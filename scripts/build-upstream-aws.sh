#!/usr/bin/env bash
# Builds the real upstream aws-cloud-controller-manager (k8s.io/cloud-provider-aws) from the Go
# module proxy, once per version, into the cache (outside git; never committed). Prints the
# binary's path. Used by the sidecar test (lbcontroller beside the upstream manager) and by
# anything else that needs the upstream manager to compare with.
# Why a copy of the module: its go.mod redirects github.com/google/cel-go to a fork path the
# proxy refuses (403), so `go install ...@version` fails; a writable copy with that one replace
# dropped builds with the original cel-go (the module's go.mod hash is unchanged upstream).
set -euo pipefail
AWS_CCM_VERSION="${AWS_CCM_VERSION:-v1.37.1}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/aws-ccm-$AWS_CCM_VERSION"
if [[ -x "$OUT/aws-cloud-controller-manager" ]]; then echo "$OUT/aws-cloud-controller-manager"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/logged.sh"
go_build_start "aws-ccm-$AWS_CCM_VERSION" aws-cloud-controller-manager "$AWS_CCM_VERSION" "5 min"
module="k8s.io/cloud-provider-aws@$AWS_CCM_VERSION"
mod_json="$(cd / && go mod download -json "$module" 2>&1)" || {
  echo "env-up: cannot download $module from the Go module proxy ($(echo "$mod_json" | tail -n1))" >&2; exit 1; }
moddir="$(echo "$mod_json" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work" "$OUT.tmp"' EXIT
cp -r "$moddir/." "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
logged go mod edit -dropreplace github.com/google/cel-go
mkdir -p "$OUT.tmp"
ver="k8s.io/component-base/version"
logged go build -trimpath -ldflags "-s -w -X $ver.gitVersion=$AWS_CCM_VERSION -X $ver.gitTreeState=clean" \
  -o "$OUT.tmp/aws-cloud-controller-manager" ./cmd/aws-cloud-controller-manager
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
echo "$OUT/aws-cloud-controller-manager"
