#!/usr/bin/env bash
# Benchmark: mixed swarms of browser viewers (hls.js 1.7.4 + p2p-media-loader 2.3.1 in headless
# Chromium, the web player example web/example/index.html) and Java agents watching the live
# origin through our tracker, DURATION seconds per run; one Markdown row per run for
# docs/benchmarks.md: offload counted at the origin, stalls, startup and live latency per side.
# Runs: 10 browsers with hls.js alone (the CDN-only baseline), then 10 + 0, 8 + 2 and 5 + 5
# (browsers + agents) each with p2p-media-loader's defaults and with the recipe's settings.
#
# Usage: bench/mixed-swarm.sh [DURATION_SECONDS=90] ["B A MODE" ...]
# Needs: bin/setup (chromium, chromedriver, interop/node_modules). CPU-heavy: 10 Chromiums.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-90}"
shift || true
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=("10 0 off" "10 0 defaults" "10 0 recipe" "8 2 defaults" "8 2 recipe" "5 5 defaults" "5 5 recipe")
cp_file="$PWD/e2e/target/bench-mixed.classpath"
mvn -B -q -pl e2e -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
echo "| browsers + agents | browsers' settings | offload at the origin | stalls browsers / agents | startup browsers | startup agents | live latency browsers | live latency agents | browsers playing |"
echo "|---|---|---:|---|---:|---:|---:|---:|---|"
for run in "${runs[@]}"; do
  echo "run: $run, $duration s, load before: $(uptime)" >&2
  # shellcheck disable=SC2086 # "B A MODE" is three arguments
  java -cp "e2e/target/test-classes:e2e/target/classes:$(cat "$cp_file")" \
    dev.hlsmesh.e2e.browser.MixedSwarmBenchmark $run "$duration" 2>/dev/null | grep '^|'
  echo "load after: $(uptime)" >&2
done
