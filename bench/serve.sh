#!/usr/bin/env bash
# Load test on loopback, five servers of the same pipeline in one run:
#   P  pasteserve serving bench/neutron-like.ini with its default
#      settings (the access log on, as shipped; only the address is given)
#   Q  P with its access line off (bench/no-access-log.conf): P/Q is
#      what writing the access line costs a request
#   A  bench/baseline: the same filters and app wired by hand (net/http,
#      chi, alice), logging nothing, no logger per request
#   B  bench/baseline -access-log: A writing pasteserve's access line per
#      request to stderr with zerolog
#   Y  the Python stack neutron-server runs: PasteDeploy and
#      oslo.middleware under eventlet.wsgi, serving the same paste file
#      (bench/python/serve.py)
# Every server's stderr goes to a file, as under systemd or a container
# runtime.
#
#   bench/serve.sh [SECONDS] [ROUNDS]     (default 5 s, 3 rounds)
#
# After one uncounted warm-up run of 1 s per server, each round runs wrk
# --latency against each server in turn, P Q A B Y
# in odd rounds and Y B A Q P in even ones, so that a drift in the machine's
# speed hits all alike. Per run it prints requests/s, p50/p99, the
# requests wrk completed, non-2xx answers and socket errors (a run with
# any is flagged, and the script exits 3), the server's CPU per request,
# and how many cores other processes kept busy meanwhile ("others"; the
# machine may be shared). Server CPU per request is the server process's
# utime+stime from /proc/PID/stat, read before wrk starts and 0.3 s after
# it ends (work deferred past the last answer, an asynchronous log's
# flush say, is counted), over the requests wrk completed: it does not
# depend on whether wrk or the server was the limit, so it is the figure
# to compare, Python's included. Then a summary: each server's start to
# first 200 and RSS idle, the medians over rounds, and the ratios P/A,
# P/B, P/Q and Y/P (the median of the per-round ratios) of CPU per request
# and of requests/s.
#
# Environment: CGO=1 builds the Go servers with cgo (by default they are
# built with CGO_ENABLED=0, as deploy/Containerfile builds the binary it
# ships). PIN=1 runs the servers on CPU 0 and the clients (wrk, the
# start probe) on CPU 1 (taskset). CONNS (default 64) is wrk's
# connections for the Go servers; PY_CONNS (default 16) for Python,
# whose single eventlet thread answers an order of magnitude fewer
# requests a second, so its requests/s figure is not comparable and its
# CPU per request is. Needs wrk, Go and, for Y, Debian's
# python3-pastedeploy python3-paste python3-oslo.middleware
# python3-eventlet python3-webob: the script installs what is missing
# with apt-get when it runs as root, and otherwise says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
rounds=${2:-3}
conns=${CONNS:-64}
py_conns=${PY_CONNS:-16}
for n in "$secs" "$rounds" "$conns" "$py_conns"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/serve.sh [SECONDS] [ROUNDS] (positive integers; CONNS, PY_CONNS too)" >&2; exit 2; }
done
(( secs <= 600 && rounds <= 50 )) || { echo "bench/serve.sh: at most 600 s a run and 50 rounds" >&2; exit 2; }

py=/usr/bin/python3
py_pkgs="python3 python3-pastedeploy python3-paste python3-oslo.middleware python3-eventlet python3-webob"
py_ok() { [ -x "$py" ] && "$py" -c 'import paste.deploy, paste.urlmap, oslo_middleware, oslo_config, eventlet.wsgi, webob' 2>/dev/null; }
install() { # install PKG...: with apt-get as root, else say what to run.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $*" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$@" >&2; }
  else
    echo "bench/serve.sh needs: apt-get install $*" >&2
    exit 1
  fi
}
command -v wrk >/dev/null || install wrk
py_ok || { install $py_pkgs; py_ok || { echo "bench/serve.sh: $py cannot import PasteDeploy, oslo.middleware, eventlet or webob after installing $py_pkgs" >&2; exit 1; }; }
server_cpu=() client_cpu=()
if [ "${PIN:-0}" = 1 ]; then
  command -v taskset >/dev/null || { echo "PIN=1 needs taskset (util-linux)" >&2; exit 1; }
  server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi
hz=$(getconf CLK_TCK)

out=$(mktemp -d)
pids=() # the servers and the wrk in flight, ended on any exit
cleanup() {
  local p i alive
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # pasteserve drains on SIGTERM, at once with no request in flight;
  # whatever is still there after 5 s is killed.
  for i in $(seq 1 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# P and A are built as deploy/Containerfile builds the shipped binary,
# without cgo (CGO=1 links it, as a plain go build with a C compiler
# does: libc then costs each server about 1.4 MiB of RSS).
cgo_env=(env CGO_ENABLED=0)
[ "${CGO:-0}" = 1 ] && cgo_env=(env)
"${cgo_env[@]}" go build -o "$out/pasteserve" ./cmd/pasteserve
"${cgo_env[@]}" go build -o "$out/baseline" ./bench/baseline
go build -o "$out/firstok" bench/firstok.go

names=(P Q A B Y)
declare -A what=([P]="pasteserve, defaults" [Q]="pasteserve, access off" [A]="hand-wired, no log" [B]="hand-wired + access log" [Y]="Python: eventlet")
declare -A port=([P]=9797 [Q]=9801 [A]=9798 [B]=9799 [Y]=9800)
declare -A pid=() startms=() rssidle=() nconns=([P]=$conns [Q]=$conns [A]=$conns [B]=$conns [Y]=$py_conns)
url() { echo "http://127.0.0.1:${port[$1]}/v2.0/"; }

rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# ticks PID: the process's user+system CPU so far, in clock ticks.
ticks() { local s; s=$(<"/proc/$1/stat"); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
# machine: busy and total ticks of all CPUs (/proc/stat).
machine() { local c u n s i w q sq st; read -r c u n s i w q sq st _ </proc/stat; echo $((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st)); }
# childms: the CPU (ms) of this shell's waited-for children so far (wrk
# among them). It must run in this shell, not in $(...): a subshell is a
# new process, whose children are its own.
childms() { times >"$out/times"; awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60000 + a[2] * 1000 }; printf "%d", t }' "$out/times"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# start NAME CMD...: starts a server with its stderr appended to a file
# and notes the ms from the start to its first 200.
start() {
  local name=$1 t0 p; shift
  if (exec 3<>"/dev/tcp/127.0.0.1/${port[$name]}") 2>/dev/null; then
    echo "port ${port[$name]} is in use: bench/serve.sh would measure someone else's server" >&2; exit 1
  fi
  t0=$EPOCHREALTIME
  "${server_cpu[@]}" "$@" >>"$out/$name.log" 2>&1 &
  p=$!
  pids+=("$p") pid[$name]=$p
  if ! startms[$name]=$("${client_cpu[@]}" "$out/firstok" -since "$t0" -timeout 30s "$(url "$name")") ||
    ! kill -0 "$p" 2>/dev/null; then
    echo "$name (${what[$name]}) did not start:" >&2; tail -20 "$out/$name.log" >&2; exit 1
  fi
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
echo "bench/serve.sh $secs $rounds at $commit, $(date -u +%FT%TZ); $(go version | cut -d' ' -f3), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t2 -c$conns -d${secs}s --latency (Python: -c$py_conns) on $(url P) and the like; PIN=${PIN:-0} CGO=${CGO:-0}"

start P "$out/pasteserve" --paste bench/neutron-like.ini --bind "127.0.0.1:${port[P]}"
start Q "$out/pasteserve" --paste bench/neutron-like.ini --config-file bench/no-access-log.conf --bind "127.0.0.1:${port[Q]}"
start A "$out/baseline" -addr "127.0.0.1:${port[A]}"
start B "$out/baseline" -addr "127.0.0.1:${port[B]}" -access-log
start Y env PYTHONPATH="$PWD/bench/python" PYTHONDONTWRITEBYTECODE=1 "$py" bench/python/serve.py bench/neutron-like.ini "${port[Y]}"

# The five must answer alike: the same status, Content-Type, request id
# header and body, but for the host in the links.
for name in "${names[@]}"; do
  code=$(curl -s -D "$out/$name.head" -o "$out/$name.body" -w '%{http_code}' "$(url "$name")")
  sed -i "s#127\.0\.0\.1:${port[$name]}#HOST#g" "$out/$name.body"
  {
    echo "status $code"
    grep -i '^content-type:' "$out/$name.head" | tr -d '\r' | tr 'A-Z' 'a-z' || true
    grep -qi '^x-openstack-request-id: req-' "$out/$name.head" && echo "x-openstack-request-id: req-..."
    cat "$out/$name.body"
  } >"$out/$name.answer"
  if ! cmp -s "$out/P.answer" "$out/$name.answer"; then
    echo "$name (${what[$name]}) answers differently from pasteserve:" >&2
    diff "$out/P.answer" "$out/$name.answer" >&2 || true
    exit 1
  fi
done
echo "same answer from all five: $(head -c 200 "$out/P.answer" | tr '\n' ' ')"
sleep 1
for name in "${names[@]}"; do rssidle[$name]=$(rss "${pid[$name]}"); : >"$out/$name.log"; done

# load NAME ROUND: one wrk run against NAME, one line of figures.
load() {
  local name=$1 round=$2 p=${pid[$1]} c0 c1 m0 m1 w0 w1 wp
  childms >"$out/w0"
  c0=$(ticks "$p") m0=$(machine)
  "${client_cpu[@]}" wrk -t2 -c"${nconns[$name]}" -d"${secs}s" --latency "$(url "$name")" >"$out/wrk.txt" 2>&1 &
  wp=$!
  pids+=("$wp")
  wait "$wp" || { echo "wrk failed:" >&2; cat "$out/wrk.txt" >&2; exit 1; }
  unset 'pids[${#pids[@]}-1]'
  sleep 0.3
  c1=$(ticks "$p") m1=$(machine)
  childms >"$out/w1"
  w0=$(<"$out/w0") w1=$(<"$out/w1")
  local lines=-
  [ "$name" != A ] && [ "$name" != Q ] && lines=$(wc -l <"$out/$name.log")
  : >"$out/$name.log"
  awk -v name="$name" -v what="${what[$name]}" -v round="$round" -v hz="$hz" \
    -v cpu=$((c1 - c0)) -v busy=$(( ${m1% *} - ${m0% *} )) -v total=$(( ${m1#* } - ${m0#* } )) \
    -v wrkms=$((w1 - w0)) -v lines="$lines" -v ncpu="$(nproc)" -v out="$out" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    / requests in / { reqs = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses/ { non2xx = $NF }
    /Socket errors/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10; kinds = sprintf(" (connect %d, read %d, write %d, timeout %d)", $4, $6, $8, $10) }
    END {
      us = reqs > 0 ? cpu / hz * 1e6 / reqs : 0
      secs = total / ncpu / hz
      others = secs > 0 ? (busy / hz - cpu / hz - wrkms / 1000) / secs : 0
      if (others < 0) others = 0
      flag = (non2xx + sock > 0 || reqs == 0) ? "  !! ERRORS: this run does not count" : ""
      printf "round %d  %s %-24s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  %8d requests  %5.1f us CPU/req  log lines %s  non-2xx %d  socket errors %d%s  others %.2f cores%s\n",
        round, name, what, rps, p50, p99, reqs, us, lines, non2xx, sock, (sock > 0 ? kinds : ""), others, flag
      if (flag != "") { print "flag" > (out "/flagged"); exit }
      print rps >> (out "/" name ".rps"); print us >> (out "/" name ".us")
      printf "%d %s %s\n", round, rps, us >> (out "/" name ".rounds")
    }' "$out/wrk.txt"
}

# One warm-up run of 1 s per server before the first round, not counted,
# as bench/bridge.sh does: a fresh process's first load grows its heap
# and its log file and faults in its buffers, which a steady state does
# not pay per request, and which fell on whichever server came first.
for name in "${names[@]}"; do
  "${client_cpu[@]}" wrk -t2 -c"${nconns[$name]}" -d1s "$(url "$name")" >"$out/wrk.txt" 2>&1 ||
    { echo "warm-up of $name failed:" >&2; cat "$out/wrk.txt" >&2; exit 1; }
  : >"$out/$name.log"
done

for r in $(seq 1 "$rounds"); do
  order=("${names[@]}")
  [ $((r % 2)) = 0 ] && order=(Y B A Q P)
  for name in "${order[@]}"; do load "$name" "$r"; done
done

echo
echo "summary over $rounds rounds of ${secs}s (medians; runs with errors left out)"
for name in "${names[@]}"; do
  rps=nan us=nan
  [ -s "$out/$name.rps" ] && rps=$(median <"$out/$name.rps") us=$(median <"$out/$name.us")
  printf "%s %-24s start to first 200 %7.1f ms  RSS idle %5.1f MiB, after load %5.1f MiB  %8.0f req/s  %6.1f us CPU/req\n" \
    "$name" "${what[$name]}" "${startms[$name]}" "${rssidle[$name]}" "$(rss "${pid[$name]}")" "$rps" "$us"
done
# ratio X Y COLUMN: the median over rounds of X/Y, each X over the Y of
# the same round (COLUMN 2 is req/s, 3 CPU per request).
ratio() {
  [ -s "$out/$1.rounds" ] && [ -s "$out/$2.rounds" ] || { echo nan; return; }
  awk -v c="$3" 'NR == FNR { y[$1] = $c; next } ($1 in y) && y[$1] > 0 { print $c / y[$1] }' \
    "$out/$2.rounds" "$out/$1.rounds" | median
}
for pair in "P A" "P B" "P Q" "Y P"; do
  set -- $pair
  printf "%s/%s  CPU per request %.3f  req/s %.3f\n" "$1" "$2" "$(ratio "$1" "$2" 3)" "$(ratio "$1" "$2" 2)"
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -e "$out/flagged" ]; then
  echo "!! some runs had non-2xx answers or socket errors (flagged above)"
  exit 3
fi
