#!/bin/sh
# bench/regress/selftest.sh — checks swsearch-regress's decisions on made-up
# numbers (no timing, no valgrind; well under a second):
#   sh bench/regress/selftest.sh path/to/swsearch-regress
# Prints one line per case and "N passed, N failed"; exit 1 on a failure.
set -eu
REGRESS=${1:?usage: selftest.sh path/to/swsearch-regress}
T=$(mktemp -d /tmp/rg-selftest.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0

# run FILE P50 P99: a swsearch-bench --json result with one class "term".
run() {
  printf '{"classes": {"term": {"n": 10, "queries": 1, "zero_hit_queries": 0, "p50_ms": %s, "p95_ms": %s, "p99_ms": %s, "mean_ms": %s}}, "passes": 10, "snippets": false, "build": null, "index_bytes": {"total": 1}}\n' \
    "$2" "$3" "$3" "$2" >"$1"
}
# expect CODE NAME CMD...: CMD must exit with CODE.
expect() {
  want=$1 name=$2
  shift 2
  got=0
  "$@" >"$T/out" 2>&1 || got=$?
  if [ "$got" = "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, expected $want"; sed 's/^/     /' "$T/out"
  fi
}

# Ten runs: p50 1.00..1.09, p99 2.0 except one slow outlier.
i=0
for v in 1.00 1.01 1.02 1.03 1.04 1.05 1.06 1.07 1.08 1.09; do
  i=$((i + 1)); run "$T/b$i.json" "$v" 2.0
done
run "$T/b10.json" 1.09 9.0
expect 0 "write latency baseline" "$REGRESS" latency --write "$T/lat.json" \
  --runs-per-check 3 --env machine=m "$T"/b*.json
# min of 3 runs over 10: typical 1.01 or 1.02; band at least the 10% floor.
run "$T/c1.json" 1.03 2.0; run "$T/c2.json" 1.10 2.1; run "$T/c3.json" 1.20 2.2
expect 0 "same speed passes" "$REGRESS" latency --baseline "$T/lat.json" \
  --env machine=m "$T/c1.json" "$T/c2.json" "$T/c3.json"
run "$T/d1.json" 1.60 2.0; run "$T/d2.json" 1.70 2.0; run "$T/d3.json" 1.80 2.0
expect 1 "p50 60% slower is a regression" "$REGRESS" latency --baseline \
  "$T/lat.json" --env machine=m "$T/d1.json" "$T/d2.json" "$T/d3.json"
run "$T/e1.json" 1.0 4.0; run "$T/e2.json" 1.0 4.0; run "$T/e3.json" 1.0 4.0
expect 1 "p99 doubled is a regression" "$REGRESS" latency --baseline \
  "$T/lat.json" --env machine=m "$T/e1.json" "$T/e2.json" "$T/e3.json"
expect 0 "other machine only warns" "$REGRESS" latency --baseline \
  "$T/lat.json" --env machine=other "$T/c1.json" "$T/c2.json" "$T/c3.json"
printf '{"classes": {"and": {"p50_ms": 1, "p99_ms": 2}}}\n' >"$T/f.json"
expect 2 "missing class is an error" "$REGRESS" latency --baseline \
  "$T/lat.json" "$T/f.json"
printf '{"classes": ' >"$T/g.json"
expect 2 "malformed JSON is an error" "$REGRESS" latency --baseline \
  "$T/lat.json" "$T/g.json"

expect 0 "write instruction baseline" "$REGRESS" instr --write "$T/ins.json" \
  --band 1 --env compiler=c1 build=1000000 queries=500000
expect 0 "counts within 1%" "$REGRESS" instr --baseline "$T/ins.json" \
  --env compiler=c1 build=1009000 queries=495500
expect 1 "count 2% higher is a regression" "$REGRESS" instr --baseline \
  "$T/ins.json" --env compiler=c1 build=1020000 queries=500000
expect 0 "count 5% lower passes (improvement)" "$REGRESS" instr --baseline \
  "$T/ins.json" --env compiler=c1 build=950000 queries=500000
expect 2 "other compiler is refused" "$REGRESS" instr --baseline \
  "$T/ins.json" --env compiler=c2 build=1000000 queries=500000
expect 2 "unmeasured count is an error" "$REGRESS" instr --baseline \
  "$T/ins.json" --env compiler=c1 build=1000000

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
