# Sourced by the build scripts of the upstream cloud controller managers (build-upstream-*.sh):
# their modules carry replace directives, which `go install module@version` refuses, so the
# module is copied from the Go module proxy into a writable folder, optionally edited there,
# and built inside it, the version stamped; the binary lands in the cache folder OUT.
#   build_ccm OUT MODULE VERSION BINARY "N min" [EDIT COMMAND...]
#     -> builds ./cmd/BINARY of MODULE@VERSION into OUT/BINARY (EDIT runs in the copy first)
source "$(dirname "${BASH_SOURCE[0]}")/logged.sh"

build_ccm() {
  local out="$1" module="$2" version="$3" binary="$4" minutes="$5"
  shift 5
  go_build_start "${out##*/}" "$binary" "$version" "$minutes"
  local mod_json moddir work ver="k8s.io/component-base/version"
  mod_json="$(cd / && go mod download -json "$module@$version" 2>&1)" || {
    echo "env-up: cannot download $module@$version from the Go module proxy ($(echo "$mod_json" | tail -n1))" >&2; exit 1; }
  moddir="$(echo "$mod_json" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  work="$(mktemp -d)"
  trap "chmod -R u+w '$work' 2>/dev/null; rm -rf '$work' '$out.tmp'" EXIT
  cp -r "$moddir/." "$work/src"
  chmod -R u+w "$work/src"
  cd "$work/src"
  if (($#)); then logged "$@"; fi
  mkdir -p "$out.tmp"
  logged go build -trimpath -ldflags "-s -w -X $ver.gitVersion=$version -X $ver.gitTreeState=clean" \
    -o "$out.tmp/$binary" "./cmd/$binary"
  rm -rf "$out"; mv "$out.tmp" "$out"
}
