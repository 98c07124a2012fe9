#!/usr/bin/env bash
# Benchmark: offload, stalls, startup time and live latency of N agents with virtual players
# watching the built-in live origin (the shipped 2 s-segment clip, about 1 Mbit/s on the
# first variant), for each N in turn, with the hybrid scheduler and (unless BASELINE=0) with
# CDN-only players (the demo's --no-p2p) as the baseline. It runs the demo
# (e2e/target/hlsmesh-demo.jar) once per N and mode with --duration and turns each run's JSON
# summary into one row of a Markdown table for docs/benchmarks.md. CDN bytes are the origin's
# own count of segment bytes it served. CPU is the demo JVM's user+system CPU seconds per
# wall-clock second (2.00 = both cores of this machine busy).
#
# Usage: bench/offload.sh [DURATION_SECONDS] [N...]     (default: 180 s; N = 2 5 10 20)
#        BASELINE=0 bench/offload.sh ...                 (hybrid runs only)
# Needs: the demo jar (mvn -B -q install -DskipTests, or mvn -B -q -pl e2e -am package
# -DskipTests), node (bin/setup), /usr/bin/time. Not a test: run it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-180}"
shift || true
agents=("$@")
[ ${#agents[@]} -gt 0 ] || agents=(2 5 10 20)
jar=e2e/target/hlsmesh-demo.jar
[ -f "$jar" ] || { echo "bench/offload.sh: $jar not found; build it first: mvn -B -q install -DskipTests" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "bench/offload.sh: node not found (bash bin/setup installs it)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/offload.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
modes=(p2p)
[ "${BASELINE:-1}" = 0 ] || modes=(cdn p2p)

tmp="$(mktemp -d /tmp/hlsmesh-offload.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
for n in "${agents[@]}"; do
  for mode in "${modes[@]}"; do
    flags=()
    [ "$mode" = cdn ] && flags=(--no-p2p)
    echo "== $n agents, $mode, $duration s ($(uptime))" >&2
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
    /usr/bin/time -f '%U %S %e' -o "$tmp/cpu-$mode-$n.txt" \
      java ${JAVA_OPTS:-} -jar "$jar" --agents "$n" --duration "$duration" --report "$duration" "${flags[@]}" \
      >"$tmp/out-$mode-$n.txt" 2>"$tmp/err-$mode-$n.txt" || { cat "$tmp/err-$mode-$n.txt" >&2; exit 1; }
    grep '^{"durationSeconds"' "$tmp/out-$mode-$n.txt" > "$tmp/summary-$mode-$n.json" \
      || { echo "bench/offload.sh: no summary from the $n-agent $mode run" >&2; cat "$tmp/err-$mode-$n.txt" >&2; exit 1; }
    uptime | sed 's/.*load average: //' > "$tmp/load-$mode-$n.txt"
  done
done

node - "$tmp" "${modes[*]}" "${agents[@]}" <<'JS'
const fs = require('fs');
const [dir, modeList, ...ns] = process.argv.slice(2);
const modes = modeList.split(' ');
const mean = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
const max = xs => Math.max(...xs);
function row(mode, n) {
  const s = JSON.parse(fs.readFileSync(`${dir}/summary-${mode}-${n}.json`, 'utf8'));
  const load = fs.readFileSync(`${dir}/load-${mode}-${n}.txt`, 'utf8').trim();
  const [user, sys, wall] = fs.readFileSync(`${dir}/cpu-${mode}-${n}.txt`, 'utf8').trim().split(/\s+/).map(Number);
  const a = s.agents;
  const received = s.total.cdnBytes + s.total.peerBytes;
  // Offload as the origin sees it: the share of the bytes players received that it did not serve.
  const originOffload = received === 0 ? 0 : 1 - s.total.originSegmentBytes / received;
  const startup = a.map(x => x.startupMillis / 1000);
  const latency = a.map(x => x.liveLatencyMillis / 1000);
  return `| ${n} | ${mode === 'cdn' ? 'CDN only' : 'hybrid'} | ${(100 * Math.max(0, originOffload)).toFixed(1)}% | ` +
    `${(100 * s.total.offloadRatio).toFixed(1)}% | ${(100 * (n - 1) / n).toFixed(1)}% | ${s.total.stalls} | ` +
    `${(s.total.stallMillis / 1000).toFixed(1)} | ${mean(startup).toFixed(2)} / ${max(startup).toFixed(2)} | ` +
    `${mean(latency).toFixed(2)} / ${max(latency).toFixed(2)} | ${(s.total.originSegmentBytes / 1048576).toFixed(1)} | ` +
    `${((user + sys) / wall).toFixed(2)} | ${load} |`;
}
console.log('| agents | players | offload (origin) | offload (agents) | ceiling (N-1)/N | stalls | stall s | startup s mean / max | latency s mean / max | origin MiB | CPU (cores) | load after |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const n of ns) {
  for (const mode of modes) {
    console.log(row(mode, n));
  }
}
JS
