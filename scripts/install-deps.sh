#!/usr/bin/env bash
# Installs the Debian 12 packages Signet needs, and only those that are missing.
# Usage: scripts/install-deps.sh build|run|test|fuzz|bench|cluster|all
#   build  compilers, libraries and tools to build signetd and signet
#   run    build + what the README walkthrough uses (ffmpeg, the wesnoth recordings)
#   test   build + what the test suite uses (real recordings, fpcalc, ffmpeg,
#          sox, Go's sumdb packages for the log interop test, an AcoustID client,
#          espeak-ng for the eval's speech mixes, Chromium with its WebDriver and
#          Selenium for the web app's browser tests, nats-server for the cluster tests)
#   fuzz   build + clang-14 and its libFuzzer runtime
#   bench  test + wrk + the unrelated music signet-eval and signet-landmark-probe
#          query as negatives and mix in (hyperrogue, singularity, supertux:
#          ../shared/corpus/README.md); `make eval` uses this set too; and
#          supertuxkart-data, whose music signet-eval --landmark-filler copies
#          (~630 MB: bench only, not CI)
#   cluster build + nats-server, curl, python3 (scripts/cluster.sh, docs/CLUSTER.md)
# Idempotent: when nothing is missing it only runs dpkg-query and returns.
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev libsodium-dev libchromaprint-dev
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
  libfmt-dev libcli11-dev libgtest-dev libgmock-dev zlib1g-dev
  libnats-dev libssl-dev
)
test_pkgs=(
  wesnoth-1.16-music libchromaprint-tools ffmpeg sox libsox-fmt-mp3
  golang-go golang-golang-x-mod-dev python3 python3-acoustid curl
  espeak-ng nats-server chromium chromium-driver python3-selenium openssl
)
cluster_pkgs=(nats-server curl python3)  # scripts/cluster.sh waits with curl, writes nodes.json with python3
run_pkgs=(ffmpeg wesnoth-1.16-music)
fuzz_pkgs=(clang-14 libclang-rt-14-dev)
# Other composers and genres than the registered wesnoth set: signet-eval's
# default --negative packages (false positives, mix_music rows, --calibrate).
eval_pkgs=(hyperrogue-music singularity-music supertux-data)
# Real music that is in no corpus or negative package: signet-eval's
# --landmark-filler, an index of registry size for the landmark print.
filler_pkgs=(supertuxkart-data)
bench_pkgs=(wrk "${eval_pkgs[@]}" "${filler_pkgs[@]}")

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  run) want+=("${run_pkgs[@]}") ;;
  test) want+=("${test_pkgs[@]}") ;;
  fuzz) want+=("${fuzz_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  cluster) want+=("${cluster_pkgs[@]}") ;;
  all) want+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}" "${bench_pkgs[@]}" "${cluster_pkgs[@]}") ;;
  *) echo "usage: $0 build|run|test|fuzz|bench|cluster|all" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing missing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
