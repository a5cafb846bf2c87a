#!/usr/bin/env bash
# A Signet cluster on loopback (docs/CLUSTER.md): 3 nats-server processes with
# JetStream in one NATS cluster (stream and buckets with 3 replicas) and 4
# signetd nodes indexing 2 shards x 2 replicas, each process on its own
# 127.0.0.x address and a free port.
#
# Usage:
#   scripts/cluster.sh up DIR          start everything, wait until every node serves
#                                      and one is the sequencer, write DIR/nodes.json
#   scripts/cluster.sh down DIR        stop everything (SIGTERM, then SIGKILL after 10 s)
#   scripts/cluster.sh start DIR NAME  (re)start one process with its saved command
#                                      line: nats-1..3, signetd-1..4
#   scripts/cluster.sh stop DIR NAME   SIGTERM one process and wait for it
#
# DIR/nodes.json = {"nats": [{"url", "pid"}, ...], "signetd": [{"url", "pid"}, ...]}, entry i
# (0-based) being nats-(i+1) and signetd-(i+1); pid 0 for a stopped process. Each process
# logs to DIR/NAME.log and keeps its data in DIR/NAME/.
#
# Environment:
#   SIGNET_BUILD           build directory with server/signetd and tools/signet/signet
#                          (default build/release)
#   SIGNET_CLUSTER_NODES   signetd nodes (default 4)
#   SIGNET_CLUSTER_SHARDS  index shards (default 2); SIGNET_CLUSTER_SHARDS_PER_NODE (default 1)
#   SIGNET_CLUSTER_SET     extra signetd settings, "key=value key=value"
#   SIGNET_CLUSTER_WATCH_PID  stop the cluster when this process exits (tests: nothing
#                          is left behind even if the test process dies)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,27p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
cmd=$1
dir=$2
build=${SIGNET_BUILD:-build/release}
nodes=${SIGNET_CLUSTER_NODES:-4}
shards=${SIGNET_CLUSTER_SHARDS:-2}
per_node=${SIGNET_CLUSTER_SHARDS_PER_NODE:-1}

free_port() {  # free_port ADDRESS
  python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# A killed process may linger as a zombie until it is reaped: that is not alive.
pid_alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n "$st" && "$st" != Z* ]]; }
alive() { [[ -f "$dir/$1.pid" ]] && pid_alive "$(cat "$dir/$1.pid")"; }

launch() {  # launch NAME: runs DIR/NAME.cmd in the background, pid in DIR/NAME.pid
  local name=$1
  if alive "$name"; then echo "$name is running already (pid $(cat "$dir/$name.pid"))" >&2; return 0; fi
  local line
  line=$(cat "$dir/$name.cmd")
  (eval "exec $line") >>"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

wait_tcp() {  # wait_tcp HOST PORT SECONDS
  local end=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    ((SECONDS < end)) || return 1
    sleep 0.1
  done
}

healthz() { curl -fsS --max-time 2 "$1/healthz" 2>/dev/null || true; }

wait_serving() {  # wait_serving NAME SECONDS: /healthz answers 200
  local url end=$((SECONDS + $2))
  url=$(cat "$dir/$1.url")
  until [[ -n "$(healthz "$url")" ]]; do
    alive "$1" || { echo "$1 exited; see $dir/$1.log:" >&2; tail -5 "$dir/$1.log" >&2; return 1; }
    ((SECONDS < end)) || { echo "$1 does not serve $url/healthz after $2 s" >&2; return 1; }
    sleep 0.2
  done
}

stop_one() {  # stop_one NAME: SIGTERM, SIGKILL after 10 s
  local name=$1 pid
  [[ -f "$dir/$name.pid" ]] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 100); do pid_alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/$name.pid"
}

write_nodes_json() {
  python3 - "$dir" "$nodes" <<'PY'
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
def entry(name):
    pid = open(os.path.join(d, name + ".pid")).read().strip() if os.path.exists(os.path.join(d, name + ".pid")) else "0"
    return {"url": open(os.path.join(d, name + ".url")).read().strip(), "pid": int(pid)}
out = {"nats": [entry("nats-%d" % i) for i in (1, 2, 3)],
       "signetd": [entry("signetd-%d" % i) for i in range(1, n + 1)]}
tmp = os.path.join(d, "nodes.json.tmp")
json.dump(out, open(tmp, "w"), indent=1)
os.replace(tmp, os.path.join(d, "nodes.json"))
PY
}

up() {
  scripts/install-deps.sh cluster
  [[ -x "$build/server/signetd" && -x "$build/tools/signet/signet" ]] ||
    { echo "build signetd and signet first (make build)" >&2; exit 1; }
  [[ ! -f "$dir/nodes.json" ]] || { echo "$dir holds a cluster already; run down first" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  rm -f "$dir/down"
  local i routes="" urls=""
  declare -a nhost nport rport
  for i in 1 2 3; do
    nhost[i]=127.0.0.$((10 + i))
    nport[i]=$(free_port "${nhost[i]}")
    rport[i]=$(free_port "${nhost[i]}")
    routes+="${routes:+, }nats-route://${nhost[i]}:${rport[i]}"
    urls+="${urls:+,}nats://${nhost[i]}:${nport[i]}"
  done
  for i in 1 2 3; do
    local name=nats-$i
    mkdir -p "$dir/$name"
    cat >"$dir/$name.conf" <<EOF
server_name: $name
listen: ${nhost[i]}:${nport[i]}
max_payload: 8MB
jetstream { store_dir: "$dir/$name/js", max_memory_store: 64MB, max_file_store: 8GB }
cluster {
  name: signet
  listen: ${nhost[i]}:${rport[i]}
  routes: [$routes]
  connect_retries: 600
}
EOF
    printf '%q ' nats-server -c "$dir/$name.conf" >"$dir/$name.cmd"
    echo "nats://${nhost[i]}:${nport[i]}" >"$dir/$name.url"
    launch "$name"
  done
  for i in 1 2 3; do
    wait_tcp "${nhost[i]}" "${nport[i]}" 20 || { echo "nats-$i does not listen; see $dir/nats-$i.log" >&2; exit 1; }
  done

  # One log key for every node: any of them may become the sequencer.
  [[ -f "$dir/log.key" ]] || "$build/tools/signet/signet" keygen --out "$dir/log.key" >/dev/null
  local signetd
  signetd=$(cd "$build/server" && pwd)/signetd
  for i in $(seq "$nodes"); do
    local name=signetd-$i host port
    host=127.0.0.$((20 + i))
    port=$(free_port "$host")
    mkdir -p "$dir/$name"
    chmod 700 "$dir/$name"
    [[ -f "$dir/$name/server.key" ]] || install -m 600 "$dir/log.key" "$dir/$name/server.key"
    local -a line=(env SIGNET_ACCESS_LOG="${SIGNET_ACCESS_LOG:-0}" "$signetd" --data "$dir/$name"
      --listen "$host:$port" --set "cluster.nats_urls=$urls" --set "cluster.node_id=n$i"
      --set "cluster.shards=$shards" --set "cluster.shards_per_node=$per_node")
    for kv in ${SIGNET_CLUSTER_SET:-}; do line+=(--set "$kv"); done
    printf '%q ' "${line[@]}" >"$dir/$name.cmd"
    echo "http://$host:$port" >"$dir/$name.url"
    launch "$name"
  done
  if [[ -n "${SIGNET_CLUSTER_WATCH_PID:-}" ]]; then
    local watched=$SIGNET_CLUSTER_WATCH_PID
    (
      trap '' HUP INT
      while kill -0 "$watched" 2>/dev/null && [[ ! -f "$dir/down" ]]; do sleep 1; done
      [[ -f "$dir/down" ]] || SIGNET_CLUSTER_WATCH_PID="" "$0" down "$dir" >/dev/null 2>&1
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watcher.pid"
  fi
  for i in $(seq "$nodes"); do wait_serving "signetd-$i" 90; done
  # Exactly one sequencer.
  local end=$((SECONDS + 60)) count
  while :; do
    count=0
    for i in $(seq "$nodes"); do
      healthz "$(cat "$dir/signetd-$i.url")" | grep -q '"role":"sequencer"' && count=$((count + 1))
    done
    [[ $count -eq 1 ]] && break
    ((SECONDS < end)) || { echo "no single sequencer after 60 s ($count)" >&2; exit 1; }
    sleep 0.2
  done
  write_nodes_json
  echo "cluster up in $dir: $(cat "$dir/nodes.json" | tr -d '\n ')"
}

down() {
  [[ -d "$dir" ]] || return 0
  touch "$dir/down"
  local i
  for i in $(seq 16); do [[ -f "$dir/signetd-$i.pid" ]] && stop_one "signetd-$i" & done
  wait
  for i in 1 2 3; do stop_one "nats-$i"; done
  if [[ -f "$dir/watcher.pid" ]]; then
    local w
    w=$(cat "$dir/watcher.pid")
    [[ "$w" == "${BASHPID:-}" || "$w" == "$PPID" ]] || kill "$w" 2>/dev/null || true
    rm -f "$dir/watcher.pid"
  fi
  rm -f "$dir/nodes.json"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  start)
    [[ $# -eq 3 ]] || usage
    launch "$3"
    if [[ "$3" == signetd-* ]]; then wait_serving "$3" 90; else
      url=$(cat "$dir/$3.url"); hp=${url#nats://}; wait_tcp "${hp%:*}" "${hp##*:}" 20; fi
    [[ -f "$dir/nodes.json" ]] && write_nodes_json
    ;;
  stop)
    [[ $# -eq 3 ]] || usage
    stop_one "$3"
    ;;
  *) usage ;;
esac
