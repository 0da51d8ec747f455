#!/usr/bin/env bash
# `make image`: builds the project's Dockerfile with podman, on a base image made here, since no
# image registry is reachable. Both steps are cached:
#   - the base: Debian bookworm minbase with Python from mmdebstrap, imported into podman and
#     tagged localhost/lbcontroller-base:<hash of its recipe>; made once per recipe;
#   - the image: tagged localhost/lbcontroller:src-<hash of the Dockerfile, the files the
#     build reads and the base>; rebuilt only when one of them changes.
# The Dockerfile keeps python:3.11-slim as its default base for users; BASE selects ours.
# Progress goes to stderr, the build's own output to a log file; prints the image's name last.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
IMAGE_NAME="${LBC_IMAGE_NAME:-localhost/lbcontroller}"
CONTAINERS_CONF="$(bash "$root/scripts/install-podman.sh")"
export CONTAINERS_CONF
work="$CACHE/image"
log="$work/build.log"
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9

say() { echo "image: $*" >&2; }
fail() { tail -n 30 "$log" >&2; echo "env-up: image: $1 failed; see $log" >&2; exit 1; }
hash_of() { sha256sum | cut -c1-12; }

# --- the base -------------------------------------------------------------------------------
recipe=(mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm)
base="localhost/lbcontroller-base:$(printf '%s\n' "${recipe[@]}" | hash_of)"
if ! podman image exists "$base"; then
  say "making the base image $base with mmdebstrap (Debian bookworm minbase + python3; 1-3 min)"
  tar="$work/base.tar"
  trap 'rm -f "$tar"' EXIT
  "${recipe[@]}" "$tar" >"$log" 2>&1 || fail "mmdebstrap"
  podman import --quiet "$tar" "$base" >>"$log" 2>&1 || fail "podman import"
  rm -f "$tar"
fi

# --- the image ------------------------------------------------------------------------------
# The build context is what .dockerignore lets through; all of it is hashed, with this script.
sources=(scripts/build-image.sh Dockerfile .dockerignore pyproject.toml constraints.txt README.md)
mapfile -t -O ${#sources[@]} sources < <(cd "$root" && git ls-files --cached --others --exclude-standard lbcontroller providers)
key="$( (cd "$root" && cat "${sources[@]}"; echo "$base") | hash_of)"
image="$IMAGE_NAME:src-$key"
if ! podman image exists "$image"; then
  say "building $image from the Dockerfile (pip wheels from PyPI; a few minutes the first time)"
  started=$SECONDS
  # Where the host reaches PyPI through a TLS-inspecting proxy (PIP_CERT names its CA bundle),
  # the build's pip uses that bundle, mounted over the base's own (never copied into a layer).
  trust=()
  if [[ -n ${PIP_CERT:-} && -f $PIP_CERT ]]; then
    bundle=/etc/ssl/certs/ca-certificates.crt
    trust=(--volume "$PIP_CERT:$bundle:ro" --build-arg "PIP_CERT=$bundle")
  fi
  # No layer cache (this script's key is the cache): podman's would reuse the final stage's
  # install step after the builder's wheels changed, since it does not hash mounted stages.
  podman build --layers=false --network host "${trust[@]}" --build-arg "BASE=$base" --tag "$image" \
    --file "$root/Dockerfile" "$root" >"$log" 2>&1 || fail "podman build"
  say "built in $((SECONDS - started)) s (log: $log)"
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/pyproject.toml")"
podman tag "$image" "$IMAGE_NAME:$version"
# Older builds are superseded: drop their tags (the version tag has moved), so podman frees them.
podman images --format '{{.Repository}}:{{.Tag}}' "$IMAGE_NAME" | grep -F ":src-" |
  grep -vxF "$image" | xargs -r podman rmi >/dev/null 2>&1 || true
size="$(podman image inspect --format '{{.Size}}' "$image")"
say "$image (also $IMAGE_NAME:$version): $((size / 1000000)) MB"
echo "$image"
