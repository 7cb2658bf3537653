#!/bin/sh
# bench/growth/run.sh — the growth benchmark (bench/growth/README.md): build
# time, peak memory, index size and p50/p99 per query class on ×K scale-ups
# of the shared corpus, copies 2..K SYNTHETIC (swsearch-synth: new ids,
# words shuffled within lines).
#
#   bench/growth/run.sh [--build-dir DIR] [--corpus DIR] [--factors "1 2 5 10"]
#                       [--passes P] [--query-runs N] [--work DIR]
#                       [--results DIR] [--no-plot]
#
#   --build-dir DIR  a Release build (default $SW_BUILD_DIR or build-rel)
#   --corpus DIR     the *.jsonl.zst of ../shared/corpus (default)
#   --factors LIST   scale factors, ascending (default "1 2 5 10")
#   --passes P       timed query passes per run (default 20)
#   --query-runs N   query runs per factor: the one after the build plus N-1
#                    on the same index; the table and plot take per class
#                    the smallest p50 and p99 of the N (default 3), as
#                    bench/regress does, so one run delayed by other
#                    processes does not set the tail
#   --work DIR       where the synthetic corpus and the index go, one factor
#                    at a time, deleted after use (default /tmp; ×10 needs
#                    about 0.7 GB of compressed corpus + 0.7 GB of index)
#   --results DIR    xK.json, growth.tsv, growth.md, info.txt (default
#                    bench/growth/results); growth.png goes to bench/growth/
#   --no-plot        skip gnuplot
#
# Per factor: swsearch-synth --factor K --synthetic-only writes copies 2..K,
# then swsearch-bench --build <corpus files> <synthetic file> --build-index
# <work>/ix --queries bench/queries.tsv --passes P --json (results/xK.json),
# then N-1 times swsearch-bench --index <work>/ix ... (results/xK.qJ.json).
# Run it alone on the machine: it measures time. Exit 0, or 2 on an error.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${SW_BUILD_DIR:-$ROOT/build-rel}
CORPUS=$ROOT/../shared/corpus
FACTORS="1 2 5 10"
PASSES=20
QUERY_RUNS=3
WORK=/tmp
RESULTS=$ROOT/bench/growth/results
PLOT=1

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --factors) FACTORS=$2; shift 2 ;;
    --passes) PASSES=$2; shift 2 ;;
    --query-runs) QUERY_RUNS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --no-plot) PLOT=0; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "growth/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

BENCH=$BUILD_DIR/bench/swsearch-bench
SYNTH=$BUILD_DIR/bench/swsearch-synth
REGRESS=$BUILD_DIR/bench/swsearch-regress
CACHE=$BUILD_DIR/CMakeCache.txt
for f in "$BENCH" "$SYNTH" "$REGRESS" "$CACHE"; do
  [ -e "$f" ] || { echo "growth/run.sh: $f: missing (build $BUILD_DIR first)" >&2; exit 2; }
done
# shellcheck source=../regress/env.sh
. "$ROOT/bench/regress/env.sh"
sw_env "$CACHE"
[ "$SW_BUILD_TYPE" = Release ] ||
  echo "growth/run.sh: warning: $BUILD_DIR is a '$SW_BUILD_TYPE' build" >&2

set -- "$CORPUS"/*.jsonl.zst
[ -e "$1" ] || { echo "growth/run.sh: $CORPUS: no *.jsonl.zst" >&2; exit 2; }
case $QUERY_RUNS in ''|*[!0-9]*|0) echo "growth/run.sh: --query-runs: expected a number >= 1" >&2; exit 2 ;; esac
for k in $FACTORS; do
  case $k in ''|*[!0-9]*|0) echo "growth/run.sh: --factors: '$k' is not a factor >= 1" >&2; exit 2 ;; esac
done

if [ "$PLOT" = 1 ] && ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "growth/run.sh: installing gnuplot-nox (apt-get install gnuplot-nox)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null ||
      { echo "growth/run.sh: apt-get install gnuplot-nox failed" >&2; exit 2; }
  else
    echo "growth/run.sh: gnuplot missing and not root: no plot (apt-get install gnuplot-nox)" >&2
    PLOT=0
  fi
fi

mkdir -p "$RESULTS" "$WORK"
SCRATCH=$(mktemp -d "$WORK/rg-growth.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $SW_MACHINE CPUs, $(awk '/^MemTotal/ {printf "%.0f GB RAM", $2 / 1e6}' /proc/meminfo)"
  echo "build: $SW_COMPILER, $SW_BUILD_TYPE, $SW_C_FLAGS"
  echo "corpus: $* ; copies 2..K synthetic (swsearch-synth --synthetic-only, seed default)"
  echo "bench: swsearch-bench --build ... --build-index DIR --queries bench/queries.tsv --passes $PASSES --json, then $((QUERY_RUNS - 1)) more query runs (--index DIR); latency = the smallest p50/p99 per class of the $QUERY_RUNS"
} >"$RESULTS/info.txt"

TABLE_ARGS=
for k in $FACTORS; do
  synth=
  if [ "$k" -gt 1 ]; then
    synth=$SCRATCH/synthetic-x$k.jsonl.zst
    echo "x$k: generating copies 2..$k ..."
    "$SYNTH" --factor "$k" --synthetic-only --out "$synth" "$@" ||
      { echo "growth/run.sh: swsearch-synth --factor $k failed" >&2; exit 2; }
  fi
  echo "x$k: building and querying ..."
  # $synth is empty for K=1 and then adds no argument.
  # shellcheck disable=SC2086
  "$BENCH" --build "$@" $synth --build-index "$SCRATCH/ix" \
    --queries "$ROOT/bench/queries.tsv" --passes "$PASSES" --json \
    >"$RESULTS/x$k.json" ||
    { echo "growth/run.sh: swsearch-bench at x$k failed" >&2; exit 2; }
  runs=$RESULTS/x$k.json
  j=2
  while [ "$j" -le "$QUERY_RUNS" ]; do
    "$BENCH" --index "$SCRATCH/ix" --queries "$ROOT/bench/queries.tsv" \
      --passes "$PASSES" --json >"$RESULTS/x$k.q$j.json" ||
      { echo "growth/run.sh: query run $j at x$k failed" >&2; exit 2; }
    runs=$runs,$RESULTS/x$k.q$j.json
    j=$((j + 1))
  done
  rm -rf "$SCRATCH/ix"
  [ -z "$synth" ] || rm -f "$synth"
  TABLE_ARGS="$TABLE_ARGS $k=$runs"
done

# shellcheck disable=SC2086 # one K=FILE[,FILE] word per factor; no spaces or commas in paths
"$REGRESS" table $TABLE_ARGS >"$RESULTS/growth.tsv"
# shellcheck disable=SC2086
"$REGRESS" table --markdown $TABLE_ARGS >"$RESULTS/growth.md"
cat "$RESULTS/growth.md"
if [ "$PLOT" = 1 ]; then
  NCLS=$(head -n 1 "$RESULTS/growth.tsv" | awk -F'\t' '{print (NF - 7) / 2}')
  gnuplot -e "datafile='$RESULTS/growth.tsv'; outfile='$ROOT/bench/growth/growth.png'; ncls=$NCLS" \
    "$ROOT/bench/growth/growth.gp" ||
    { echo "growth/run.sh: gnuplot failed" >&2; exit 2; }
  echo "plot: $ROOT/bench/growth/growth.png"
fi
