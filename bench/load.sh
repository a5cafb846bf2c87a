#!/usr/bin/env bash
# Load benchmark of signetd's matching routes with wrk (Debian package), on loopback.
#
# Starts its own signetd (temp data dir, access log and rate limit off),
# registers the corpus recordings with the signet CLI (real signed statements),
# makes a 10 s query from a registered recording (ffmpeg excerpt, fpcalc
# fingerprint), checks that both routes find it, then runs wrk for a bounded
# time against POST /v1/match (JSON fingerprint) and GET /v2/lookup
# (AcoustID-style) and prints one table with requests/s and latency
# percentiles, with the machine's core count.
#
# usage: bench/load.sh [BUILD_DIR]        (default build/release)
# env:   DURATION=10s CONNECTIONS=32 WRK_THREADS=2 IO_THREADS=1 WORKER_THREADS=nproc
#        MUSIC=/usr/share/games/wesnoth/1.16/data/core/music
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
SIGNETD=$BUILD/server/signetd
SIGNET=$BUILD/tools/signet/signet
MUSIC=${MUSIC:-/usr/share/games/wesnoth/1.16/data/core/music}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
CORES=$(nproc)
IO_THREADS=${IO_THREADS:-1}
WORKER_THREADS=${WORKER_THREADS:-$CORES}

for tool in "$SIGNETD" "$SIGNET" wrk fpcalc ffmpeg curl; do
  command -v "$tool" > /dev/null || { echo "load.sh: $tool not found (build signetd and signet first)" >&2; exit 2; }
done

TMP=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2> /dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

SIGNET_ACCESS_LOG=0 SIGNET_RATE_LIMIT=0 SIGNET_IO_THREADS=$IO_THREADS \
  SIGNET_WORKER_THREADS=$WORKER_THREADS \
  "$SIGNETD" --data "$TMP/data" --listen 127.0.0.1:0 > "$TMP/signetd.out" 2> "$TMP/signetd.err" &
PID=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/signetd.out" 2> /dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/signetd.out")
[ -n "$URL" ] || { echo "load.sh: signetd did not start" >&2; cat "$TMP/signetd.err" >&2; exit 1; }

echo "registering the corpus ($(ls "$MUSIC"/*.ogg | wc -l) recordings) ..." >&2
"$SIGNET" keygen --out "$TMP/bench.key" > /dev/null
"$SIGNET" artist register --server "$URL" --key "$TMP/bench.key" --name "Load Bench" > /dev/null
"$SIGNET" register --server "$URL" --key "$TMP/bench.key" "$MUSIC"/*.ogg > "$TMP/register.out" 2>&1 \
  || { cat "$TMP/register.out" >&2; exit 1; }
WORKS=$(curl -s "$URL/healthz" | grep -o '"indexed_works":[0-9]*' | cut -d: -f2)

# A 10 s query from 60 s into a registered recording, re-encoded as MP3.
ffmpeg -loglevel error -y -ss 60 -t 10 -i "$MUSIC/battle.ogg" -codec:a libmp3lame -b:a 128k "$TMP/q.mp3"
FP=$({ fpcalc "$TMP/q.mp3" 2> /dev/null || true; } | sed -n "s/^FINGERPRINT=//p")  # fpcalc exits 3 at a cut MP3 frame, after printing
printf '{"fingerprint":"%s"}' "$FP" > "$TMP/match.json"
curl -sf -H 'Content-Type: application/json' --data-binary @"$TMP/match.json" "$URL/v1/match" \
  | grep -qi '"title":"battle' || { echo "load.sh: /v1/match did not find the query" >&2; exit 1; }
LOOKUP="/v2/lookup?format=json&duration=10&meta=recordings&fingerprint=$FP"
curl -sf "$URL$LOOKUP" | grep -qi '"title":"battle' \
  || { echo "load.sh: /v2/lookup did not find the query" >&2; exit 1; }

cat > "$TMP/match.lua" << LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$TMP/match.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA

run() {  # name, wrk args...
  local name=$1; shift
  local out="$TMP/run.wrk"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" > "$out"
  local rps p50 p90 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
  p50=$(awk '$1=="50%" {print $2}' "$out")
  p90=$(awk '$1=="90%" {print $2}' "$out")
  p99=$(awk '$1=="99%" {print $2}' "$out")
  errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$out")
  printf '| %-34s | %10s | %8s | %8s | %8s | %s\n' "$name" "$rps" "$p50" "$p90" "$p99" "${errors:-none}"
}

echo
echo "signetd load, loopback: $CORES cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
echo "  signetd io_threads=$IO_THREADS worker_threads=$WORKER_THREADS, $WORKS works indexed;"
echo "  wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION (keep-alive), query: 10 s MP3 excerpt fingerprint"
echo
printf '| %-34s | %10s | %8s | %8s | %8s | %s\n' route "requests/s" p50 p90 p99 errors
echo "|------------------------------------|------------|----------|----------|----------|-------"
run "POST /v1/match (JSON fingerprint)" -s "$TMP/match.lua" "$URL/v1/match"
run "GET /v2/lookup (AcoustID)" "$URL$LOOKUP"
run "GET /healthz (transport baseline)" "$URL/healthz"

# The dataset check: one NDJSON stream of CHECK_ITEMS items (alternately the
# query fingerprint, which matches, and a sha256 nobody registered), timed end
# to end with curl (which reads the answer while it sends).
CHECK_ITEMS=${CHECK_ITEMS:-20000}
awk -v n="$CHECK_ITEMS" -v fp="$FP" 'BEGIN {
  for (i = 0; i < n; i++) {
    if (i % 2 == 0) printf "{\"id\":\"f%d\",\"fingerprint\":\"%s\"}\n", i, fp;
    else printf "{\"id\":\"f%d\",\"sha256\":\"%064d\"}\n", i, i;
  }
}' > "$TMP/check.ndjson"
START=$(date +%s.%N)
curl -sf -H 'Content-Type: application/x-ndjson' --data-binary @"$TMP/check.ndjson" \
  "$URL/v1/check?purpose=ai_training" > "$TMP/check.out"
END=$(date +%s.%N)
LINES=$(grep -c '"verdict"' "$TMP/check.out" || true)
echo
awk -v n="$LINES" -v s="$START" -v e="$END" -v b="$(stat -c %s "$TMP/check.ndjson")" 'BEGIN {
  printf "POST /v1/check: %d verdicts streamed in %.2f s = %.0f items/s (%.1f MB in)\n", n, e - s, n / (e - s), b / 1e6 }'
