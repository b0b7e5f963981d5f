#!/usr/bin/env bash
# Load test on loopback: pasteserve serving bench/neutron-like.ini against
# bench/baseline, the same filters and app wired by hand with chi and
# alice, in the same run. Needs wrk (apt-get install wrk).
#   bench/serve.sh [SECONDS] [ROUNDS]    (default 10 s, 2 rounds)
# Prints start-up time to the first 200, RSS idle and after load, and
# requests/s with p50/p99 latency for each, alternating the two servers
# (baseline first in odd rounds, pasteserve first in even ones, so a
# drift in the machine's speed hits both alike). Then the ratio of the
# totals and the median of the per-round ratios.
# PIN=1 runs the servers on CPU 0 and wrk on CPU 1 (taskset), so that wrk
# and the server under test do not fight over the same core.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${2:-2}
command -v wrk >/dev/null || { echo "bench/serve.sh needs wrk: apt-get install wrk" >&2; exit 1; }
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o "$out/pasteserve" ./cmd/pasteserve
go build -o "$out/baseline" ./bench/baseline

rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$1/status; }

# start NAME URL CMD...: starts a server, prints ms to the first 200.
start() {
  local name=$1 url=$2; shift 2
  local t0=$(date +%s%N)
  "$@" >"$out/$name.log" 2>&1 &
  echo $! >"$out/$name.pid"
  for i in $(seq 1 500); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; then
      echo "$name: first 200 after $(( ($(date +%s%N) - t0) / 1000000 )) ms, RSS idle $(rss $(cat "$out/$name.pid"))"
      return
    fi
    sleep 0.01
  done
  echo "$name did not start" >&2; cat "$out/$name.log" >&2; exit 1
}

server_cpu=() wrk_cpu=()
if [ "${PIN:-0}" = 1 ]; then
  command -v taskset >/dev/null || { echo "PIN=1 needs taskset (util-linux)" >&2; exit 1; }
  server_cpu=(taskset -c 0) wrk_cpu=(taskset -c 1)
fi
start pasteserve http://127.0.0.1:9797/v2.0/ "${server_cpu[@]}" "$out/pasteserve" --paste bench/neutron-like.ini --log-format json
start baseline http://127.0.0.1:9798/v2.0/ "${server_cpu[@]}" "$out/baseline" -addr 127.0.0.1:9798

load() {
  local name=$1 url=$2
  "${wrk_cpu[@]}" wrk -t2 -c64 -d"${secs}s" --latency "$url" >"$out/wrk.txt"
  local rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  local p50=$(awk '$1=="50%" {print $2}' "$out/wrk.txt")
  local p99=$(awk '$1=="99%" {print $2}' "$out/wrk.txt")
  local errs=$(awk '/Non-2xx|Socket errors/ {print}' "$out/wrk.txt")
  echo "$name: $rps req/s, p50 $p50, p99 $p99, RSS after load $(rss $(cat "$out/$name.pid")) ${errs}"
  echo "$rps" >>"$out/$name.rps"
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    load baseline http://127.0.0.1:9798/v2.0/
    load pasteserve http://127.0.0.1:9797/v2.0/
  else
    load pasteserve http://127.0.0.1:9797/v2.0/
    load baseline http://127.0.0.1:9798/v2.0/
  fi
done
awk -v b="$(paste -sd+ "$out/baseline.rps" | bc)" -v p="$(paste -sd+ "$out/pasteserve.rps" | bc)" \
  'BEGIN { printf "ratio pasteserve/baseline requests/s, totals: %.3f\n", p/b }'
paste "$out/pasteserve.rps" "$out/baseline.rps" | awk '{ print $1 / $2 }' | sort -g |
  awk '{ r[NR] = $1; printf "round ratio: %.3f\n", $1 }
       END { m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "median of round ratios: %.3f\n", m }'
