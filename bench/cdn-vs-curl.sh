#!/usr/bin/env bash
# Benchmark: hlsmesh's CDN fetcher (cdn-fallback, dev.hlsmesh.cdn.fetch) versus curl, both
# fetching the shipped HLS clip from a local nginx over loopback, in the same run.
# Prints a Markdown table (medians: time to first byte and throughput) for docs/benchmarks.md.
#
# Usage: bench/cdn-vs-curl.sh [ROUNDS]          (default 20 measured rounds per client)
# Needs: nginx (Debian nginx-light), curl, a JDK 17 and Maven. Not a test: run it by hand.
# nginx runs as the current user from a temporary prefix on a free 127.0.0.1 port and is
# stopped on exit; no system service is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-20}"

for tool in nginx curl java mvn python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
    echo "bench/cdn-vs-curl.sh: $tool not found (Debian: apt-get install -y nginx-light curl)" >&2; exit 1; }
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

tmp="$(mktemp -d /tmp/hlsmesh-cdn-bench.XXXXXX)"
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== building cdn-fallback test classes and their class path" >&2
mvn -B -q -pl cdn-fallback -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$tmp/classpath.txt" >&2
classpath="cdn-fallback/target/test-classes:cdn-fallback/target/classes:$(cat "$tmp/classpath.txt")"

echo "== preparing the web root" >&2
www="$tmp/www"
mkdir -p "$www"
cp -r test-support/src/main/resources/clip "$www/clip"
# A 32 MiB body for bulk throughput: the 360p segments over and over (real TS bytes).
python3 - "$www/clip/360p" "$www/bulk.ts" <<'EOF'
import glob, sys
parts = [open(p, 'rb').read() for p in sorted(glob.glob(sys.argv[1] + '/seg*.ts'))]
target, written = 32 * 1024 * 1024, 0
with open(sys.argv[2], 'wb') as out:
    while written < target:
        for p in parts:
            chunk = p[:target - written]
            out.write(chunk); written += len(chunk)
            if written >= target: break
EOF

# Run as root, nginx's worker runs as "nobody": let it read the (0700) temporary tree.
chmod -R a+rX "$tmp"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
mkdir -p "$tmp/logs" "$tmp/temp"
cat > "$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $tmp/temp/body;
  proxy_temp_path $tmp/temp/proxy;
  fastcgi_temp_path $tmp/temp/fastcgi;
  uwsgi_temp_path $tmp/temp/uwsgi;
  scgi_temp_path $tmp/temp/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port;
    root $www;
  }
}
EOF

echo "== starting nginx on 127.0.0.1:$port" >&2
"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/clip/master.m3u8" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/clip/master.m3u8" || {
  echo "bench/cdn-vs-curl.sh: nginx did not come up:" >&2; cat "$tmp/logs/error.log" >&2; exit 1; }

echo "== measuring ($rounds rounds per client)" >&2
java -Xms256m -Xmx1g -cp "$classpath" dev.hlsmesh.cdn.fetch.CdnVsCurlBenchmark \
  "http://127.0.0.1:$port/" "$rounds"
echo
echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///'), $(curl --version | head -1 | cut -d' ' -f1-2), $(java -version 2>&1 | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load: $(uptime | sed 's/.*load average/load average/')"
