#!/usr/bin/env bash
# HTTP/2 figure: Debian's h2load against pasteserve serving the bundled
# example (testdata/paste/example.ini, its /v1 pipeline: cors, request_id,
# catch_errors, echo) with its default settings (the access log on) and
# h2c = true, then the same with h2load --h1 (HTTP/1.1) for comparison,
# then a second server with use_ssl (a self-signed P-256 certificate) for
# h2 over TLS, the default.
# The server's stderr goes to a file. Per run: requests/s as h2load gives
# it, and the server's CPU per request: its utime+stime (/proc/PID/stat)
# from before h2load starts to 0.3 s after it ends, over the requests
# that succeeded. The load average is printed: the machine may be shared.
#
#   bench/h2load.sh [REQUESTS] [CONNS] [STREAMS]   (default 200000 4 16)
#
# Needs Go, openssl and h2load (Debian's nghttp2-client).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
C=${2:-4}
M=${3:-16}
command -v h2load >/dev/null || { echo "needs h2load (apt-get install nghttp2-client)" >&2; exit 2; }
dir=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
go build -o "$dir/pasteserve" ./cmd/pasteserve
printf '[DEFAULT]\nh2c = true\n' >"$dir/h2c.conf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
printf '[DEFAULT]\nuse_ssl = true\n[ssl]\ncert_file = %s\nkey_file = %s\n' "$dir/cert.pem" "$dir/key.pem" >"$dir/tls.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scheme=http
serve() { # CONF
  "$dir/pasteserve" --paste testdata/paste/example.ini --config-file "$1" --bind "127.0.0.1:$port" 2>"$dir/server.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -kfsS "$scheme://127.0.0.1:$port/v1/x" >/dev/null 2>&1 && break; sleep 0.1; done
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
run() { # NAME h2load-args...
  local name=$1; shift
  h2load -n 2000 -c "$C" -m "$M" "$@" "$scheme://127.0.0.1:$port/v1/x" >/dev/null # warm-up
  local before after out ok rps
  before=$(ticks)
  out=$(h2load -n "$N" -c "$C" -m "$M" "$@" "$scheme://127.0.0.1:$port/v1/x")
  sleep 0.3
  after=$(ticks)
  ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out")
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  awk -v n="$name" -v r="$rps" -v ok="$ok" -v t=$((after - before)) -v hz="$hz" -v total="$N" \
    'BEGIN { printf "%-8s %10.0f req/s  %6.1f us CPU/request  (%d of %d succeeded)\n", n, r, t / hz * 1e6 / ok, ok, total }'
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
serve "$dir/h2c.conf"
run h2c
run http1.1 --h1
stop
scheme=https
serve "$dir/tls.conf"
run h2-tls
stop
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
