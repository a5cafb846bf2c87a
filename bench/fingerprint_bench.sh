#!/usr/bin/env bash
# Fingerprinting throughput: `signet fingerprint` against `fpcalc -length 0` on
# the same files in the same run, first on one core, then on all cores.
# Prints seconds of audio per CPU-second for both and their ratio, and checks
# that both printed the same fingerprints.
#
# Usage: bench/fingerprint_bench.sh [SIGNET_BINARY] [AUDIO_FILE...]
#   defaults: build/release/tools/signet/signet (make build), the Wesnoth corpus
#   (shared/corpus/README.md). Needs fpcalc, ffprobe and GNU time:
#   scripts/install-deps.sh test.
#
# How it is measured: CPU time is user+sys of the whole process tree from GNU
# time (xargs waits for its children, so their time is included). Debian's
# fpcalc 1.5.1 stops after the first file (exit 3, shared/corpus/README.md), so
# it runs once per file; signet runs once per file too (same process start-up
# cost), and once for all files (how it is meant to be used). Each mode runs
# once after a warm-up pass that puts the files in the page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

signet="${1:-build/release/tools/signet/signet}"
shift || true
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(/usr/share/games/wesnoth/1.16/data/core/music/*.ogg)
fi
[[ -x "$signet" ]] || { echo "no signet binary at $signet (make build)" >&2; exit 1; }
for tool in fpcalc ffprobe /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: scripts/install-deps.sh test" >&2; exit 1; }
done
[[ -f "${files[0]}" ]] || { echo "no audio files (install wesnoth-1.16-music)" >&2; exit 1; }

cores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\0' "${files[@]}" > "$tmp/files"

audio_seconds=$(for f in "${files[@]}"; do
  ffprobe -v error -show_entries format=duration -of csv=p=0 "$f"
done | awk '{s += $1} END {printf "%.1f", s}')

cat "${files[@]}" > /dev/null  # warm the page cache

# run NAME COMMAND...: runs it under GNU time, stdout to $tmp/NAME.out,
# and appends "NAME wall cpu" to $tmp/times.
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/$name.time" "$@" > "$tmp/$name.out" 2>/dev/null || true
  # GNU time puts "Command exited with non-zero status N" first when fpcalc
  # exits 3 (via xargs, 123): the figures are on the last line.
  read -r wall user sys < <(tail -n 1 "$tmp/$name.time")
  echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')" >> "$tmp/times"
}

run fpcalc_1core xargs -0 -n 1 -P 1 fpcalc -length 0 < "$tmp/files"
run signet_1core_per_file xargs -0 -n 1 -P 1 "$signet" fingerprint -j 1 < "$tmp/files"
run signet_1core_one_process xargs -0 "$signet" fingerprint -j 1 < "$tmp/files"
run fpcalc_all_cores xargs -0 -n 1 -P "$cores" fpcalc -length 0 < "$tmp/files"
run signet_all_cores_one_process xargs -0 "$signet" fingerprint -j "$cores" < "$tmp/files"

# Same fingerprints? (fpcalc -P N prints in completion order: compare sorted.)
same=$(cmp -s "$tmp/fpcalc_1core.out" "$tmp/signet_1core_one_process.out" && echo yes || echo NO)

echo "fingerprint benchmark: $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n), nproc=$cores, load: $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "files: ${#files[@]}, total audio: ${audio_seconds} s; signet: $signet; $(fpcalc -version)"
echo "signet output identical to fpcalc's: $same"
echo
printf '%-30s %8s %9s %14s %14s\n' mode wall_s cpu_s audio_s/cpu_s audio_s/wall_s
while read -r name wall cpu; do
  awk -v n="$name" -v w="$wall" -v c="$cpu" -v a="$audio_seconds" \
    'BEGIN {printf "%-30s %8.2f %9.2f %14.1f %14.1f\n", n, w, c, a / c, a / w}'
done < "$tmp/times"
echo
awk -v a="$audio_seconds" '
  {cpu[$1] = $3; wall[$1] = $2}
  END {
    printf "ratio signet/fpcalc, audio per CPU-second, 1 core, one process per file: %.2f\n",
      cpu["fpcalc_1core"] / cpu["signet_1core_per_file"]
    printf "ratio signet/fpcalc, audio per CPU-second, 1 core, signet in one process: %.2f\n",
      cpu["fpcalc_1core"] / cpu["signet_1core_one_process"]
    printf "ratio signet/fpcalc, audio per wall-second, all cores: %.2f\n",
      wall["fpcalc_all_cores"] / wall["signet_all_cores_one_process"]
  }' "$tmp/times"
