#!/usr/bin/env bash
# Tracker benchmark: hlsmesh's standalone tracker (bin/tracker) and the reference
# bittorrent-tracker 11.2.3 (interop/bittorrent-tracker-server.mjs), driven in the same run by
# the same load generator (signaling-server/src/test/java/dev/hlsmesh/tracker/bench) with the
# same parameters, on 127.0.0.1. Prints one row per tracker and mode, and the ratios.
# Results of docs/benchmarks.md come from this script; see there for the figures.
#
#   bash bench/tracker.sh            (after bash bin/setup)
#
# Parameters (environment):
#   CONNECTIONS=1000 SWARMS=50      peers (one WebSocket each) spread over swarms
#   DURATION_SECONDS=20 WARMUP_SECONDS=15   (the JIT of both runtimes warms up first)
#   OFFERS_PER_ANNOUNCE=5 WINDOW_ANNOUNCES=1   announces in flight per connection
#   GENERATOR_THREADS=1             client event loops
#   IDLE_CONNECTIONS=50000          idle mode (capped by the open-files limit, see below)
#   IDLE_PEERS_PER_SWARM=50
#   TRACKER_HEAP=1g                 -Xmx of our tracker
#   ONLY=all|hlsmesh|bittorrent-tracker   RUNS=load,idle (either or both)
#   IO_THREADS_1_ROW=0              1: also load-test our tracker with tracker.ioThreads: 1
#   REPEAT=3                        load runs per tracker, interleaved; ratios use the medians
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-1000}
SWARMS=${SWARMS:-50}
DURATION_SECONDS=${DURATION_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-15}
OFFERS_PER_ANNOUNCE=${OFFERS_PER_ANNOUNCE:-5}
WINDOW_ANNOUNCES=${WINDOW_ANNOUNCES:-1}
GENERATOR_THREADS=${GENERATOR_THREADS:-1}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-50000}
IDLE_PEERS_PER_SWARM=${IDLE_PEERS_PER_SWARM:-50}
TRACKER_HEAP=${TRACKER_HEAP:-1g}
ONLY=${ONLY:-all}
RUNS=${RUNS:-load,idle}
IO_THREADS_1_ROW=${IO_THREADS_1_ROW:-0}
REPEAT=${REPEAT:-3}
HLSMESH_PORT=${HLSMESH_PORT:-18000}

# Every connection is a file descriptor in the generator and one in the tracker. Without
# CAP_SYS_RESOURCE the hard limit cannot be raised, so the idle run is capped below it (and the
# heap at IDLE_TARGET connections is extrapolated from two sizes).
IDLE_TARGET=$IDLE_CONNECTIONS
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
open_files=$(ulimit -n)
if [ "$open_files" != unlimited ] && [ "$IDLE_CONNECTIONS" -gt $((open_files - 1000)) ]; then
  echo "bench: the open-files limit is $open_files per process (ulimit -Hn; raising it needs" \
       "CAP_SYS_RESOURCE): idle run capped at $((open_files - 1000)) connections instead of $IDLE_CONNECTIONS" >&2
  IDLE_CONNECTIONS=$((open_files - 1000))
fi

command -v node >/dev/null || { echo "bench: node is missing: run bash bin/setup" >&2; exit 1; }
[ -d interop/node_modules/bittorrent-tracker ] || { echo "bench: run bash bin/setup first" >&2; exit 1; }

echo "bench: building (signaling-server and the load generator)" >&2
mvn -B -q -pl signaling-server -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="signaling-server/target/test-classes:signaling-server/target/classes:$(cat signaling-server/target/bench-classpath.txt)"

mkdir -p bench-results
results=bench-results/tracker-$(date -u +%Y%m%dT%H%M%SZ).txt
work=$(mktemp -d)
tracker_pid=""
cleanup() {
  if [ -n "$tracker_pid" ]; then kill "$tracker_pid" 2>/dev/null || true; wait "$tracker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_hlsmesh() { # [config file]
  TRACKER_HOST=127.0.0.1 TRACKER_PORT=$HLSMESH_PORT JAVA_OPTS="-Xmx$TRACKER_HEAP" \
    bin/tracker "${1:-bench/tracker-bench.yaml}" > "$work/hlsmesh.log" 2>&1 &
  tracker_pid=$!
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$HLSMESH_PORT/health" >/dev/null 2>&1; then
      url=ws://127.0.0.1:$HLSMESH_PORT; memory_url=""; return 0
    fi
    kill -0 "$tracker_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: our tracker did not start:" >&2; cat "$work/hlsmesh.log" >&2; exit 1
}

start_bittorrent_tracker() {
  rm -f "$work/bt.port" # not truncated by the redirection below before the loop may read it
  node --expose-gc interop/bittorrent-tracker-server.mjs --host 127.0.0.1 --port 0 > "$work/bt.port" 2> "$work/bt.log" &
  tracker_pid=$!
  for _ in $(seq 1 300); do
    if [ -s "$work/bt.port" ]; then
      local port; port=$(head -1 "$work/bt.port")
      url=ws://127.0.0.1:$port; memory_url=http://127.0.0.1:$port/memory; return 0
    fi
    kill -0 "$tracker_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: bittorrent-tracker did not start:" >&2; cat "$work/bt.log" >&2; exit 1
}

start_hlsmesh_io1() {
  { cat bench/tracker-bench.yaml; echo "  ioThreads: 1"; } > "$work/io1.yaml"
  start_hlsmesh "$work/io1.yaml"
}

stop_tracker() {
  kill "$tracker_pid" 2>/dev/null || true
  wait "$tracker_pid" 2>/dev/null || true
  tracker_pid=""
}

generate() { # label mode [extra generator options...]
  local label=$1 mode=$2; shift 2
  echo "bench: $label $mode $*" >&2
  java -Xms1g -Xmx2g -cp "$CP" dev.hlsmesh.tracker.bench.TrackerLoadGenerator \
    --label "$label" --mode "$mode" --url "$url" --tracker-pid "$tracker_pid" \
    --tracker-memory-url "$memory_url" --threads "$GENERATOR_THREADS" "$@" | tee -a "$results" >&2
}

field() { # key  -> value of key in the last RESULT line of $results
  grep '^RESULT ' "$results" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

load_runs() { # label start-function
  local label=$1
  "$2"
  local common=(--connections "$CONNECTIONS" --swarms "$SWARMS" --seconds "$DURATION_SECONDS"
    --warmup-seconds "$WARMUP_SECONDS" --offers-per-announce "$OFFERS_PER_ANNOUNCE"
    --window-announces "$WINDOW_ANNOUNCES")
  generate "$label" peak "${common[@]}"
  local half; half=$(awk -v r="$(field announces_per_s)" 'BEGIN { printf "%d", r / 2 }')
  # "half of peak": the same peers, paced at half the announce rate this tracker just sustained;
  # a window 4 times larger so that pacing, not the window, sets the rate.
  generate "$label" rate "${common[@]}" --announces-per-second "$half" \
    --window-announces $((WINDOW_ANNOUNCES * 4))
  stop_tracker
}

idle_run() { # label start-function sources connections
  "$2"
  generate "$1" idle --connections "$4" --swarms $(( $4 / IDLE_PEERS_PER_SWARM > 0 ? $4 / IDLE_PEERS_PER_SWARM : 1 )) \
    --sources "$3" --idle-hold-seconds 15 --connect-concurrency 512
  stop_tracker
}

{
  echo "# bench/tracker.sh $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "# uptime: $(uptime)"
  echo "# nproc: $(nproc), $(java -version 2>&1 | head -1), node $(node --version)"
  echo "# CONNECTIONS=$CONNECTIONS SWARMS=$SWARMS DURATION_SECONDS=$DURATION_SECONDS WARMUP_SECONDS=$WARMUP_SECONDS" \
       "OFFERS_PER_ANNOUNCE=$OFFERS_PER_ANNOUNCE WINDOW_ANNOUNCES=$WINDOW_ANNOUNCES GENERATOR_THREADS=$GENERATOR_THREADS" \
       "IO_THREADS_1_ROW=$IO_THREADS_1_ROW REPEAT=$REPEAT IDLE_CONNECTIONS=$IDLE_CONNECTIONS IDLE_PEERS_PER_SWARM=$IDLE_PEERS_PER_SWARM TRACKER_HEAP=$TRACKER_HEAP"
} | tee "$results" >&2

# Other work on the machine changes the CPU left to us from minute to minute: the trackers take
# turns, REPEAT times, so that each sees the same conditions on average.
if [[ $RUNS == *load* ]]; then
  for _ in $(seq 1 "$REPEAT"); do
    if [ "$ONLY" != bittorrent-tracker ]; then load_runs hlsmesh start_hlsmesh; fi
    if [ "$ONLY" != hlsmesh ]; then load_runs bittorrent-tracker start_bittorrent_tracker; fi
    if [ "$ONLY" != bittorrent-tracker ] && [ "$IO_THREADS_1_ROW" = 1 ]; then
      load_runs hlsmesh-io1 start_hlsmesh_io1
    fi
  done
fi
# Two sizes per tracker, so that the heap per connection (the slope) can be extrapolated when the
# open-files limit keeps the run below IDLE_CONNECTIONS. Distinct source addresses per run: the
# previous run's closed sockets sit in TIME_WAIT.
small=$((IDLE_CONNECTIONS / 4))
if [[ $RUNS == *idle* ]] && [ "$ONLY" != bittorrent-tracker ]; then
  idle_run hlsmesh start_hlsmesh 127.0.1.1,127.0.1.2 "$small"
  idle_run hlsmesh start_hlsmesh 127.0.2.1,127.0.2.2,127.0.2.3,127.0.2.4 "$IDLE_CONNECTIONS"
fi
if [[ $RUNS == *idle* ]] && [ "$ONLY" != hlsmesh ]; then
  idle_run bittorrent-tracker start_bittorrent_tracker 127.0.3.1,127.0.3.2 "$small"
  idle_run bittorrent-tracker start_bittorrent_tracker 127.0.4.1,127.0.4.2,127.0.4.3,127.0.4.4 "$IDLE_CONNECTIONS"
fi
echo "# uptime after: $(uptime)" | tee -a "$results" >&2

awk -v target="$IDLE_TARGET" -f bench/tracker-table.awk "$results"
echo "(raw results: $results)"
