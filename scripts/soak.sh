#!/usr/bin/env bash
# The crash test of tests/faults for longer: concurrent clients submit signed
# work registrations to the real signetd while it is killed with SIGKILL at
# random moments (every 0.2-3 s) and restarted; at the end every acknowledged
# statement must be in the log verbatim, the log root recomputed from the
# leaves must match the signed checkpoint, and /v1/match must find every
# registered work. Prints one line of figures; exits non-zero on any loss.
#
# Usage: scripts/soak.sh SECONDS [CLIENTS]        e.g. scripts/soak.sh 600 8
# SOAK_BUILD_DIR=build/<dir> (default build/release) must have signetd and
# fault_soak built: cmake --build build/<dir> --target signetd fault_soak
# The data dir is a fresh temp dir, removed afterwards unless SOAK_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:?usage: scripts/soak.sh SECONDS [CLIENTS]}"
clients="${2:-8}"
build="${SOAK_BUILD_DIR:-build/release}"
signetd="$build/server/signetd"
soak="$build/tests/faults/fault_soak"
for b in "$signetd" "$soak"; do
  [[ -x "$b" ]] || { echo "missing $b: cmake --build $build --target signetd fault_soak" >&2; exit 1; }
done

data=$(mktemp -d /tmp/signet_soak.XXXXXX)
cleanup() {
  if [[ "${SOAK_KEEP:-0}" == 1 ]]; then
    echo "data kept in $data/data (signetd stderr: $data/data.stderr)"
  else
    rm -rf "$data"
  fi
}
trap cleanup EXIT
echo "soak: $seconds s, $clients clients, $(nproc) cores, signetd $signetd, data $data/data"
"$soak" "$signetd" "$data/data" "$seconds" "$clients"
