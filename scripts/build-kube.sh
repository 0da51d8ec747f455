#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd from the Go module proxy, once per version, into the
# cache (outside git). Prints the directory holding the binaries.
# Why a wrapper module: k8s.io/kubernetes' go.mod replaces its staging modules with local
# paths, so `go install` refuses it; a module of our own re-points them at their published
# versions. etcd is built in the same module at the version Kubernetes pins.
set -euo pipefail
KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
OUT="$CACHE/bin/kube-$KUBE_VERSION"
if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then echo "$OUT"; exit 0; fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/logged.sh"
go_build_start "kube-$KUBE_VERSION" "kube-apiserver and etcd" "$KUBE_VERSION" "15 min"
staging_minor="v0.${KUBE_VERSION#v1.}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
gomod_json="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" 2>&1)" || {
  echo "env-up: cannot download k8s.io/kubernetes@$KUBE_VERSION from the Go module proxy ($(echo "$gomod_json" | tail -n1))" >&2; exit 1; }
gomod="$(echo "$gomod_json" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
etcd_version="$(sed -n 's#^\s*go.etcd.io/etcd/server/v3 \(v[^ ]*\).*#\1#p' "$gomod" | head -n1)"
{
  echo "module lbcontroller.local/kubebuild"
  echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')"
  echo "require ("
  echo "  k8s.io/kubernetes $KUBE_VERSION"
  echo "  go.etcd.io/etcd/server/v3 $etcd_version"
  echo ")"
  sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 '"$staging_minor"'#p' "$gomod"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
GO
go mod tidy -e >>"$LOGGED_TO" 2>&1 || true
logged go mod download
ver="k8s.io/component-base/version"
major="${KUBE_VERSION#v}"; major="${major%%.*}"
minor="${KUBE_VERSION#v*.}"; minor="${minor%%.*}"
ldflags="-s -w -X $ver.gitVersion=$KUBE_VERSION -X $ver.gitMajor=$major -X $ver.gitMinor=$minor -X $ver.gitTreeState=clean"
mkdir -p "$OUT.tmp"
logged go build -trimpath -ldflags "$ldflags" -o "$OUT.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
logged go build -trimpath -ldflags "-s -w" -o "$OUT.tmp/etcd" go.etcd.io/etcd/server/v3
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
echo "$OUT"
