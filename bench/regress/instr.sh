#!/bin/sh
# bench/regress/instr.sh — the deterministic half of a regression run:
# instruction counts (callgrind's Ir) of a fixed small build and a fixed query
# set, compared with bench/baselines/instructions.json (README.md here).
#
#   bench/regress/instr.sh [--build-dir DIR] [--baseline FILE] [--update]
#
#   build    Ir inside sw_build while swsearch-bench builds corpus/ (the 5
#            seed documents in the repository) on one thread
#   queries  Ir inside sw_search while swsearch-bench runs bench/queries.tsv
#            over that index: 1 warm-up + 3 passes = 4 x 125 queries
#
# Both are counted with valgrind --tool=callgrind --toggle-collect=FUNCTION,
# so process start-up, option parsing and the timing code are left out.
# --update measures twice, refuses when the two differ by more than a
# quarter of the band, and writes the baseline.
# Exit: 0 no regression (or skipped: valgrind missing and not root), 1 a
# count above its band, 2 an error (also: compiler/flags/valgrind differ
# from the baseline's).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${SW_BUILD_DIR:-$ROOT/build-rel}
BASELINE=$ROOT/bench/baselines/instructions.json
UPDATE=0
BAND=1
PASSES=3

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --update) UPDATE=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "instr.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

BENCH=$BUILD_DIR/bench/swsearch-bench
REGRESS=$BUILD_DIR/bench/swsearch-regress
CACHE=$BUILD_DIR/CMakeCache.txt
for f in "$BENCH" "$REGRESS" "$CACHE"; do
  [ -e "$f" ] || { echo "instr.sh: $f: missing (build $BUILD_DIR first)" >&2; exit 2; }
done

if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "instr.sh: installing valgrind (apt-get install valgrind)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind >/dev/null ||
      { echo "instr.sh: apt-get install valgrind failed" >&2; exit 2; }
  else
    echo "instructions: SKIPPED: valgrind is not installed and we are not root" \
         "(apt-get install valgrind)"
    exit 0
  fi
fi

# What the counts depend on: compiler, build type and flags, valgrind.
# shellcheck source=env.sh
. "$ROOT/bench/regress/env.sh"
sw_env "$CACHE"
# From here on "$@" holds the --env arguments of swsearch-regress.
set -- --env "compiler=$SW_COMPILER" --env "build_type=$SW_BUILD_TYPE" \
       --env "c_flags=$SW_C_FLAGS" --env "valgrind=$(valgrind --version)"

TMP=$(mktemp -d /tmp/rg-instr.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

# Ir total of a callgrind output file ("totals:" line, else "summary:").
ir_of() {
  awk '/^totals:/ {t = $2} /^summary:/ {s = $2}
       END { if (t != "") print t; else if (s != "") print s; else exit 1 }' "$1" ||
    { echo "instr.sh: $1: no totals line" >&2; exit 2; }
}

# measure N: sets BUILD_IR and QUERY_IR.
measure() {
  rm -rf "$TMP/ix"
  valgrind --tool=callgrind --callgrind-out-file="$TMP/build.$1.cg" \
    --toggle-collect=sw_build \
    "$BENCH" --build "$ROOT/corpus" --build-index "$TMP/ix" \
    --queries "$ROOT/bench/queries.tsv" --passes 1 --json \
    >"$TMP/build.$1.json" 2>"$TMP/build.$1.log" ||
    { cat "$TMP/build.$1.log" >&2; echo "instr.sh: build under callgrind failed" >&2; exit 2; }
  valgrind --tool=callgrind --callgrind-out-file="$TMP/query.$1.cg" \
    --toggle-collect=sw_search \
    "$BENCH" --index "$TMP/ix" --queries "$ROOT/bench/queries.tsv" \
    --passes "$PASSES" --json >"$TMP/query.$1.json" 2>"$TMP/query.$1.log" ||
    { cat "$TMP/query.$1.log" >&2; echo "instr.sh: queries under callgrind failed" >&2; exit 2; }
  BUILD_IR=$(ir_of "$TMP/build.$1.cg")
  QUERY_IR=$(ir_of "$TMP/query.$1.cg")
}

measure 1
if [ "$UPDATE" = 1 ]; then
  B1=$BUILD_IR Q1=$QUERY_IR
  measure 2
  echo "run 1: build=$B1 queries=$Q1"
  echo "run 2: build=$BUILD_IR queries=$QUERY_IR"
  # Repeatability: the two runs must agree within a quarter of the band.
  awk -v a="$B1" -v b="$BUILD_IR" -v c="$Q1" -v d="$QUERY_IR" -v band="$BAND" '
    function dev(x, y) { return (x > y ? x - y : y - x) / x * 100 }
    BEGIN { printf "repeatability: build %.4f%%, queries %.4f%%\n", dev(a, b), dev(c, d);
            exit !(dev(a, b) <= band / 4 && dev(c, d) <= band / 4) }' ||
    { echo "instr.sh: counts not repeatable within $BAND/4 %: baseline not written" >&2; exit 2; }
  "$REGRESS" instr --write "$BASELINE" --band "$BAND" "$@" \
    --note "callgrind Ir inside sw_build (swsearch-bench --build corpus/, 5 docs, 1 thread) and inside sw_search (bench/queries.tsv over that index, 1 warm-up + $PASSES passes); bench/regress/instr.sh" \
    "build=$B1" "queries=$Q1"
  exit 0
fi
[ -e "$BASELINE" ] || { echo "instr.sh: $BASELINE: missing (make one with --update)" >&2; exit 2; }
rc=0
"$REGRESS" instr --baseline "$BASELINE" "$@" "build=$BUILD_IR" "queries=$QUERY_IR" || rc=$?
exit $rc
