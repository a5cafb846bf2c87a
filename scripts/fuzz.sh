#!/usr/bin/env bash
# Runs every libFuzzer target built by `make fuzz` (build/fuzz/fuzz/*_fuzzer)
# for a bounded time each, starting from its committed seed corpus
# fuzz/corpus/<target>/. Fails if any target crashes, leaks, times out or
# runs out of memory; the input that did it is left in
# build/fuzz/artifacts/<target>/ (turn it into a regression test).
# FUZZ_BUILD_DIR=build/<dir> runs the targets of another fuzz-configured build.
#
# Usage: scripts/fuzz.sh SECONDS_PER_TARGET [TARGET...]
#   e.g. scripts/fuzz.sh 5                                (what CI runs, via make fuzz-run)
#        scripts/fuzz.sh 300 fingerprint_codec_fuzzer     (a longer local session)
# New inputs found while fuzzing go to a scratch directory, not to the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:?usage: scripts/fuzz.sh SECONDS_PER_TARGET [TARGET...]}"
shift
root="${FUZZ_BUILD_DIR:-build/fuzz}"  # another configured fuzz build dir may be given
build="$root/fuzz"
if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(find "$build" -maxdepth 1 -type f -name '*_fuzzer' -perm -u+x -printf '%f\n' 2>/dev/null | sort)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no fuzz targets in $build: run 'make fuzz' first" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for t in "${targets[@]}"; do
  bin="$build/$t"
  [[ -x "$bin" ]] || { echo "missing fuzz target $bin" >&2; failed+=("$t"); continue; }
  seeds="fuzz/corpus/$t"
  work="$scratch/$t"
  artifacts="$root/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  [[ -d "$seeds" ]] || echo "note: no seed corpus $seeds for $t"
  echo "== fuzzing $t for ${seconds} s"
  # -timeout: one input may not take more than 10 s; -rss_limit_mb bounds memory.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" \
      $([[ -d "$seeds" ]] && echo "$seeds") > "$scratch/$t.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$scratch/$t.log" | tr '\n' ' '
    echo
  else
    tail -n 60 "$scratch/$t.log"
    echo "!! $t failed; crashing input saved under $artifacts/" >&2
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz targets that failed: ${failed[*]}" >&2
  exit 1
fi
echo "all ${#targets[@]} fuzz targets ran ${seconds} s without a crash"
