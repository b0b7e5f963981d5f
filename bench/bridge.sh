#!/usr/bin/env bash
# The Python bridge's speed run (issue 13, "Speed"), side by side in one
# run: the trivial WSGI app of internal/bridgeaccept/testdata/bench
# under gunicorn alone (a); the same gunicorn behind a plain Go
# httputil.ReverseProxy over a unix socket (h: what any bridge that
# speaks HTTP to gunicorn costs at least); the same app behind Go's
# request_id and http_proxy_to_wsgi through pasteserve's bridge (b); b
# with Go's auth_token in front (c) or keystonemiddleware's auth_token
# in the Python pipeline (d), both with a cached token of a real
# Keystone; and keystonemiddleware's auth_token under gunicorn alone (e).
#
#   bench/bridge.sh [SECONDS] [ROUNDS]     (default 5 s, 3 rounds)
#
# It runs TestBridgeSpeed in internal/bridgeaccept (the test's doc
# comment says what it measures and how), which starts a Keystone
# (internal/keystonetest), the six servers on 127.0.0.1 and wrk against
# each, in the order a h b c d e in odd rounds and the reverse in even
# ones. Per run: requests/s, p50/p99, the requests completed, and the
# CPU per request of every process of the server (pasteserve and its
# Python pool, the hop and its gunicorn, or gunicorn's master and
# workers), from /proc, with the Go process's part apart; then the
# medians over rounds, b/a (target: CPU per request at most 1.15x), h/a
# and b/h, and what Go's auth_token saves per request (d-c). A run with
# a non-2xx answer or a socket error fails.
#
# Environment: PIN=1 runs the servers on CPU 0 and wrk on CPU 1
# (taskset). CONNS (default 8: the 2 workers x 4 threads the Python
# side serves at once), WORKERS (2) and THREADS (4) size it; ONLY=ab
# runs only the servers named. Needs Go, wrk, Debian's keystone and
# uwsgi-plugin-python3, python3-gunicorn, python3-oslo.middleware,
# python3-keystonemiddleware and python3-pastedeploy; the test says
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
rounds=${2:-3}
for n in "$secs" "$rounds"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/bridge.sh [SECONDS] [ROUNDS] (positive integers)" >&2; exit 2; }
done
(( secs <= 600 && rounds <= 50 )) || { echo "bench/bridge.sh: at most 600 s a run and 50 rounds" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/bridge.sh needs wrk: apt-get install wrk" >&2; exit 1; }

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
echo "bench/bridge.sh $secs $rounds at $commit, $(date -u +%FT%TZ); $(go version | cut -d' ' -f3)"
export PASTESERVE_BRIDGE_BENCH=1 BENCH_SECONDS=$secs BENCH_ROUNDS=$rounds
export BENCH_CONNS=${CONNS:-8} BENCH_WORKERS=${WORKERS:-2} BENCH_THREADS=${THREADS:-4} BENCH_ONLY=${ONLY:-}
# 6 servers x (rounds x secs + a warm-up second), plus Keystone's start.
timeout=$(( (6 * (rounds * (secs + 2) + 3) + 300) ))s
set +e
go test -count=1 -timeout "$timeout" -run '^TestBridgeSpeed$' -v ./internal/bridgeaccept |
  grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS$' -e '^ok '
status=${PIPESTATUS[0]}
exit "$status"
