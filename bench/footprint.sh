#!/usr/bin/env bash
# Footprint of the demo: bench/footprint.sh AGENTS [SECONDS] [label]
# Runs `bin/demo --agents AGENTS --duration SECONDS` (default 180) and samples the process every
# 10 s from /proc: open files (and of them TCP listening, other TCP, UDP over IPv4 and IPv6),
# threads, CPU (cores used since the previous sample), and the heap after a full GC at the end
# (jcmd GC.heap_info). Prints one line per sample, then the peak figures and the demo's stalls
# total. Needs the demo jar (mvn -B -q -pl e2e -am package -DskipTests) and a JDK's jcmd.
# The load average of the machine is printed beside the figures: it is shared.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
agents="${1:?usage: bench/footprint.sh AGENTS [SECONDS] [label]}"
seconds="${2:-180}"
label="${3:-}"
out="$(mktemp -d)"
"$root/bin/demo" --agents "$agents" --duration "$seconds" >"$out/stdout" 2>"$out/stderr" &
launcher=$!
# bin/demo runs java in a pipeline (it filters two lines webrtc-java prints at exit): find the JVM.
pid=""
for _ in $(seq 50); do
  pid=$(pgrep -P "$launcher" -x java || true)
  [ -n "$pid" ] && break
  sleep 0.2
done
[ -n "$pid" ] || { echo "bench/footprint.sh: the demo did not start" >&2; exit 1; }
hz=$(getconf CLK_TCK)

sockets() { # counts of listen-tcp, other-tcp, udp4, udp6 among the process's open sockets
  find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' >"$out/inodes"
  awk '
    FILENAME ~ /inodes$/ { mine[$1] = 1; next }
    FNR == 1 { next }
    ($10 in mine) {
      if (FILENAME ~ /tcp/) { if ($4 == "0A") listen++; else tcp++ }
      else if (FILENAME ~ /udp6/) udp6++; else udp4++
    }
    END { printf "%d %d %d %d\n", listen, tcp, udp4, udp6 }
  ' "$out/inodes" "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" "/proc/$pid/net/udp" "/proc/$pid/net/udp6"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

printf '%6s %6s %7s %6s %6s %6s %6s %8s %6s  %s\n' t_s fds tcp_lis tcp udp4 udp6 threads cores rss_MiB load
peak_fds=0; peak_threads=0; peak_listen=0; peak_udp4=0; peak_udp6=0
last_ticks=0; last_time=$(date +%s.%N); start=$(date +%s)
sleep 10
cores_sum=0; cores_n=0
while kill -0 "$pid" 2>/dev/null; do
  read -r listen tcp udp4 udp6 < <(sockets) || break
  fds=$(find "/proc/$pid/fd" -mindepth 1 2>/dev/null | wc -l)
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
  rss=$(awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null) || break
  ticks=$(cpu_ticks 2>/dev/null) || break
  now=$(date +%s.%N)
  cores=$(awk -v a="$ticks" -v b="$last_ticks" -v t="$now" -v s="$last_time" -v hz="$hz" \
    'BEGIN { printf "%.2f", (a - b) / hz / (t - s) }')
  last_ticks=$ticks; last_time=$now
  t=$(( $(date +%s) - start + 10 ))
  if [ "$t" -gt 40 ]; then # past start-up: the steady state
    cores_sum=$(awk -v a="$cores_sum" -v b="$cores" 'BEGIN { print a + b }'); cores_n=$((cores_n + 1))
  fi
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '%6d %6d %7d %6d %6d %6d %6d %8s %6d  %s\n' "$t" "$fds" "$listen" "$tcp" "$udp4" "$udp6" \
    "$threads" "$cores" "$rss" "$load"
  [ "$fds" -gt "$peak_fds" ] && peak_fds=$fds
  [ "$threads" -gt "$peak_threads" ] && peak_threads=$threads
  [ "$listen" -gt "$peak_listen" ] && peak_listen=$listen
  [ "$udp4" -gt "$peak_udp4" ] && peak_udp4=$udp4
  [ "$udp6" -gt "$peak_udp6" ] && peak_udp6=$udp6
  if [ "$t" -ge $((seconds - 15)) ] && [ -z "${heap:-}" ]; then
    heap=$(jcmd "$pid" GC.run >/dev/null 2>&1 && jcmd "$pid" GC.heap_info 2>/dev/null \
      | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%d", v / 1024 } }')
  fi
  sleep 10
done
wait "$launcher" || true
stalls=$(grep -o '"stalls" *: *[0-9]*' "$out/stdout" | tail -1 | grep -o '[0-9]*$' || echo '?')
steady=$(awk -v a="$cores_sum" -v n="$cores_n" 'BEGIN { if (n) printf "%.2f", a / n; else print "?" }')
echo "agents=$agents seconds=$seconds $label peak: fds=$peak_fds tcp_listen=$peak_listen udp4=$peak_udp4" \
  "udp6=$peak_udp6 threads=$peak_threads; steady cores=$steady; heap after GC=${heap:-?} MiB;" \
  "stalls=$stalls; load now: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -s "$out/stderr" ]; then
  echo "--- demo stderr ($(wc -l <"$out/stderr") lines), first 20:"
  head -20 "$out/stderr"
fi
echo "--- demo output in $out"
