#!/usr/bin/env bash
# Reruns the benchmarks quoted in docs/benchmarks.md and prints them
# through benchstat. Takes a few minutes on a 2-core machine.
#   bench/run.sh [COUNT]   (default 8 samples per benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-8}
out=$(mktemp -d)
command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")

echo "== parser (dsl)"
go test ./dsl -run '^$' -bench . -benchmem -count "$count" > "$out/dsl.txt"
"$benchstat" "$out/dsl.txt"

echo "== load: read, parse, resolve and build (loader)"
go test ./loader -run '^$' -bench 'Load' -benchmem -count "$count" > "$out/load.txt"
"$benchstat" "$out/load.txt"

# The built pipeline and the hand-wired alice chain, run alternately so
# that drift in the machine's speed hits both alike.
echo "== pipeline of 10 no-op filters: built from a paste file vs wired by hand"
go test -c -o "$out/loader.test" ./loader
for i in $(seq 1 "$count"); do
  (cd loader && "$out/loader.test" -test.run '^$' -test.bench 'Pipeline/hand-wired$' -test.benchmem -test.benchtime 2000000x) >> "$out/hand.txt"
  (cd loader && "$out/loader.test" -test.run '^$' -test.bench 'Pipeline/built$' -test.benchmem -test.benchtime 2000000x) >> "$out/built.txt"
done
sed -i 's#Pipeline/hand-wired#Pipeline#' "$out/hand.txt"
sed -i 's#Pipeline/built#Pipeline#' "$out/built.txt"
(cd "$out" && "$benchstat" hand-wired=hand.txt built=built.txt)
