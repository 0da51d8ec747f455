#!/usr/bin/env bash
# Installs the container tools `make image` and the image test use: Debian's podman with runc
# (crun refuses this host's hybrid cgroups) and mmdebstrap (builds the local base image from
# the Debian mirror, since no image registry is reachable). A no-op when they are installed.
# Writes the containers.conf every podman call here uses (CONTAINERS_CONF): runc, no rlimits
# raised (the host refuses them), logs in files (`podman logs` works without journald). Prints
# that file's path.
set -euo pipefail
CACHE="${LBC_CACHE:-$HOME/.cache/lbcontroller}"
CONF="$CACHE/image/containers.conf"
missing=()
for tool in podman runc mmdebstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "env-up: ${missing[*]} not installed (as root: apt-get install podman runc mmdebstrap)" >&2
    exit 1
  fi
  echo "install-podman.sh: apt-get install podman runc mmdebstrap" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another install (a sibling script) may hold dpkg's lock: wait for it rather than fail.
  apt_wait=(-o DPkg::Lock::Timeout=600)
  { apt-get "${apt_wait[@]}" update -qq &&
    apt-get "${apt_wait[@]}" install -y -q --no-install-recommends \
      podman runc mmdebstrap uidmap slirp4netns fuse-overlayfs; } >&2 || {
    echo "env-up: apt-get could not install podman runc mmdebstrap" >&2; exit 1; }
fi
mkdir -p "${CONF%/*}"
want=$'[containers]\ndefault_ulimits = []\nlog_driver = "k8s-file"\n\n[engine]\nruntime = "runc"\n'
[[ -f $CONF && "$(cat "$CONF"; echo x)" == "${want}x" ]] || printf '%s' "$want" >"$CONF"
echo "$CONF"
