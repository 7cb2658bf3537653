#!/bin/sh
# bench/regress/run.sh — a regression run (bench/regress/README.md):
# query latency per class against bench/baselines/latency.json, then the
# instruction counts of bench/regress/instr.sh against
# bench/baselines/instructions.json.
#
#   bench/regress/run.sh [--build-dir DIR] [--index DIR] [--corpus DIR]
#                        [--runs R] [--passes P] [--gap S] [--no-latency]
#                        [--no-instr] [--save DIR] [--update]
#
#   --build-dir DIR  a Release build (default $SW_BUILD_DIR or build-rel)
#   --index DIR      query this index of the full corpus; without it the
#                    corpus (--corpus, default ../shared/corpus) is built
#                    into a temporary directory first and removed at the end
#   --runs R         swsearch-bench runs per check (default 5); the baseline's
#                    statistic (the minimum of the 5) is compared per class
#                    and metric; with --update: runs measured (default 30)
#   --passes P       timed passes per run (default 30)
#   --gap S          sleep S seconds between runs, to sample the machine's
#                    noise over time rather than in one burst (default 2;
#                    with --update 10)
#   --save DIR       keep the runs' swsearch-bench JSON in DIR
#   --update         rewrite both baselines from this machine and build:
#                    R runs give value and band (swsearch-regress latency
#                    --write), instr.sh --update the counts
#
# Exit: 0 no regression, 1 a regression (latency or instructions), 2 an error.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${SW_BUILD_DIR:-$ROOT/build-rel}
CORPUS=$ROOT/../shared/corpus
INDEX=
RUNS=
PASSES=30
GAP=
LATENCY=1
INSTR=1
UPDATE=0
SAVE=
BASELINE=$ROOT/bench/baselines/latency.json

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --index) INDEX=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --passes) PASSES=$2; shift 2 ;;
    --gap) GAP=$2; shift 2 ;;
    --no-latency) LATENCY=0; shift ;;
    --no-instr) INSTR=0; shift ;;
    --update) UPDATE=1; shift ;;
    --save) SAVE=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
CHECK_RUNS=5 # runs per check: the band written by --update is for this many
[ -n "$RUNS" ] || { [ "$UPDATE" = 1 ] && RUNS=30 || RUNS=$CHECK_RUNS; }
[ -n "$GAP" ] || { [ "$UPDATE" = 1 ] && GAP=10 || GAP=2; }
case $GAP in ''|*[!0-9]*) echo "run.sh: --gap: expected whole seconds" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*) echo "run.sh: --runs: expected a number" >&2; exit 2 ;; esac
if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 64 ]; then echo "run.sh: --runs: 1..64" >&2; exit 2; fi

BENCH=$BUILD_DIR/bench/swsearch-bench
REGRESS=$BUILD_DIR/bench/swsearch-regress
CACHE=$BUILD_DIR/CMakeCache.txt
for f in "$BENCH" "$REGRESS" "$CACHE"; do
  [ -e "$f" ] || { echo "run.sh: $f: missing (build $BUILD_DIR first)" >&2; exit 2; }
done
# shellcheck source=env.sh
. "$ROOT/bench/regress/env.sh"
sw_env "$CACHE"
[ "$SW_BUILD_TYPE" = Release ] ||
  echo "run.sh: warning: $BUILD_DIR is a '$SW_BUILD_TYPE' build; the baselines are of Release" >&2

TMP=$(mktemp -d /tmp/rg-run.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

lat_rc=0
if [ "$LATENCY" = 1 ]; then
  LOAD=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
  NCPU=$(nproc 2>/dev/null || echo 1)
  echo "machine: $SW_MACHINE CPUs, load average $LOAD"
  if awk -v l="$LOAD" -v n="$NCPU" 'BEGIN { exit !(l + 0 >= n + 0) }'; then
    echo "run.sh: warning: load average $LOAD on $NCPU CPUs: latencies will be" \
         "high; a REGRESSION now may be the load (rerun when quieter)" >&2
  fi
  if [ -z "$INDEX" ]; then
    set -- "$CORPUS"/*.jsonl.zst
    [ -e "$1" ] || { echo "run.sh: $CORPUS: no *.jsonl.zst (give --corpus or --index)" >&2; exit 2; }
    INDEX=$TMP/ix
    echo "building $CORPUS into $INDEX ..."
    "$BENCH" --build "$@" --build-index "$INDEX" \
      --queries "$ROOT/bench/queries.tsv" --passes 1 --json >"$TMP/build.json" ||
      { echo "run.sh: building the index failed" >&2; exit 2; }
  fi
  i=1
  while [ "$i" -le "$RUNS" ]; do
    "$BENCH" --index "$INDEX" --queries "$ROOT/bench/queries.tsv" \
      --passes "$PASSES" --json >"$TMP/run$(printf %02d "$i").json" ||
      { echo "run.sh: swsearch-bench run $i failed" >&2; exit 2; }
    i=$((i + 1))
    [ "$i" -gt "$RUNS" ] || [ "$GAP" = 0 ] || sleep "$GAP"
  done
  if [ -n "$SAVE" ]; then
    if ! { mkdir -p "$SAVE" && cp "$TMP"/run*.json "$SAVE"/; }; then
      echo "run.sh: $SAVE: cannot save the runs" >&2; exit 2
    fi
  fi
  set -- --env "machine=$SW_MACHINE" --env "compiler=$SW_COMPILER" \
         --env "build_type=$SW_BUILD_TYPE" --env "c_flags=$SW_C_FLAGS" \
         --env "bench=swsearch-bench --passes $PASSES, bench/queries.tsv, full corpus"
  i=1
  while [ "$i" -le "$RUNS" ]; do set -- "$@" "$TMP/run$(printf %02d "$i").json"; i=$((i + 1)); done
  if [ "$UPDATE" = 1 ]; then
    "$REGRESS" latency --write "$BASELINE" --runs-per-check "$CHECK_RUNS" \
      --statistic min "$@" || lat_rc=$?
  else
    [ -e "$BASELINE" ] || { echo "run.sh: $BASELINE: missing (make one with --update)" >&2; exit 2; }
    "$REGRESS" latency --baseline "$BASELINE" "$@" || lat_rc=$?
  fi
fi

ins_rc=0
if [ "$INSTR" = 1 ]; then
  if [ "$UPDATE" = 1 ]; then
    "$ROOT/bench/regress/instr.sh" --build-dir "$BUILD_DIR" --update || ins_rc=$?
  else
    "$ROOT/bench/regress/instr.sh" --build-dir "$BUILD_DIR" || ins_rc=$?
  fi
fi

if [ "$lat_rc" = 2 ] || [ "$ins_rc" = 2 ]; then exit 2; fi
if [ "$lat_rc" != 0 ] || [ "$ins_rc" != 0 ]; then
  echo "regression run: REGRESSION (latency exit $lat_rc, instructions exit $ins_rc)"
  exit 1
fi
echo "regression run: ok"
