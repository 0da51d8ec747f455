# Sourced by the set-up scripts whose long first-run steps (Go builds, pip installs) would
# otherwise flood the screen: one progress line says what is built, roughly how long it takes
# and where its log is; the tools' own output goes to that log; a failure prints its tail.
#   log_to NAME "WHAT (first run only, about N min)"   -> announces, sets LOGGED_TO
#   logged COMMAND...                                   -> runs it, output appended to the log
#   go_build_start NAME WHAT VERSION "N min"            -> checks go, sets up a static build

log_to() {
  LOGGED_TO="${LBC_CACHE:-$HOME/.cache/lbcontroller}/logs/$1.log"
  mkdir -p "${LOGGED_TO%/*}"
  : >"$LOGGED_TO"
  echo "==> $2; log: $LOGGED_TO" >&2
}

logged() {
  "$@" >>"$LOGGED_TO" 2>&1 && return 0
  tail -n 20 "$LOGGED_TO" >&2
  echo "env-up: $1 failed; see $LOGGED_TO" >&2
  return 1
}

go_build_start() {
  command -v go >/dev/null || {
    echo "env-up: the Go toolchain (go) is not installed; it builds $2" >&2; exit 1; }
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
  log_to "$1" "building $2 $3 from the Go module proxy (first run only, about $4)"
}
