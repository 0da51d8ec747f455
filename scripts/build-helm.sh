#!/usr/bin/env bash
# Builds helm from the Go module proxy, once per version, into the cache (outside git), for the
# chart's tests (helm lint / helm template). Prints the path of the helm binary.
# helm.sh/helm/v3 has no replace directives, so a plain `go install module/cmd/helm@version`
# works; the version is pinned (HELM_VERSION overrides) and must build with the local Go.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/helm-$HELM_VERSION"
if [[ -x "$OUT/helm" ]]; then echo "$OUT/helm"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/logged.sh"
go_build_start "helm-$HELM_VERSION" helm "$HELM_VERSION" "5 min"
# Stamp the version, and the Kubernetes version of the client-go helm is built with (as helm's
# own Makefile does), or `helm template` assumes v1.20 for .Capabilities.KubeVersion.
gomod_json="$(cd / && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" 2>&1)" || {
  echo "env-up: cannot download helm.sh/helm/v3@$HELM_VERSION from the Go module proxy ($(echo "$gomod_json" | tail -n1))" >&2; exit 1; }
gomod="$(echo "$gomod_json" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
k8s_minor="$(sed -n 's#^\s*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod" | head -n1)"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=${k8s_minor:-20}"
done
mkdir -p "$OUT.tmp"
trap 'rm -rf "$OUT.tmp"' EXIT
GOBIN="$OUT.tmp" logged go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || {
  echo "env-up: cannot build helm.sh/helm/v3/cmd/helm@$HELM_VERSION with $(go env GOVERSION)" >&2; exit 1; }
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
echo "$OUT/helm"
