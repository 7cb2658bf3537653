#!/usr/bin/env bash
# bench/regress/same-answers.sh — do two builds give the same answers? For
# changes meant to alter structure, not behaviour.
#
#   bench/regress/same-answers.sh OLD_SWSEARCH NEW_SWSEARCH [WORKDIR]
#
# Each binary indexes the seeds (corpus/) and, when ../shared/corpus is
# there, the whole shared corpus plus the seeds (2 threads); then answers
# every query of corpus/queries/municipal.tsv, bench/queries.tsv and
# corpus/queries/golden.tsv on each index, as text and as --json --facets
# (top 10, no synonyms). Timings are masked; everything else must be equal,
# and so must the index files (byte for byte) and `stats` but for the path.
# Both binaries must take `index --index DIR PATH...` and
# `--index DIR -n 10 [--json --facets] -- QUERY`.
# Exit 0: the same; 1: a difference (the first lines of the diff shown);
# 2: usage or set-up error. WORKDIR (default: a temporary directory, removed
# afterwards) keeps the indexes and answers for a closer look.
set -uo pipefail

[ $# -ge 2 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
old=$1 new=$2
for b in "$old" "$new"; do
  [ -x "$b" ] || { echo "same-answers.sh: $b: not an executable" >&2; exit 2; }
done
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=$root/../shared/corpus
if [ $# -ge 3 ]; then work=$3; mkdir -p "$work" || exit 2
else work=$(mktemp -d "${TMPDIR:-/tmp}/same-answers.XXXXXX") || exit 2
     trap 'rm -rf "$work"' EXIT; fi
export SWSEARCH_SYNONYMS=/dev/null

{ tail -n +2 "$root/corpus/queries/municipal.tsv" | cut -f3
  grep -v '^#' "$root/bench/queries.tsv" | cut -f2
  grep -v '^#' "$root/corpus/queries/golden.tsv" | cut -f2; } |
  grep -v '^$' >"$work/queries.txt"

sets="seeds"
[ -d "$shared" ] && sets="seeds all" ||
  echo "same-answers.sh: $shared absent: the seeds only" >&2

answer() { # answer BIN OUT
  local b=$1 o=$2 ix q
  mkdir -p "$o"
  for ix in $sets; do
    rm -rf "$o/ix-$ix"
    if [ "$ix" = seeds ]; then
      "$b" index --index "$o/ix-seeds" --threads 2 "$root/corpus" >/dev/null 2>&1
    else
      "$b" index --index "$o/ix-all" --threads 2 "$shared" "$root/corpus" >/dev/null 2>&1
    fi || { echo "same-answers.sh: $b: index $ix failed" >&2; exit 2; }
    while IFS= read -r q; do
      echo "## $q"
      "$b" --index "$o/ix-$ix" -n 10 -- "$q" 2>&1; echo "rc=$?"
      "$b" --index "$o/ix-$ix" -n 10 --json --facets -- "$q" 2>&1; echo "rc=$?"
    done <"$work/queries.txt" |
      sed -E 's/\([0-9.]+ ms\)//; s/, [0-9.]+ ms\)/)/; s/"took_ms": *[0-9.]+//' \
      >"$o/answers-$ix.txt"
    (cd "$o/ix-$ix" && find . -type f ! -name LOCK -exec md5sum {} + | sort -k2) \
      >"$o/files-$ix.txt"
    "$b" stats --index "$o/ix-$ix" 2>&1 | sed "s|$o/||" >"$o/stats-$ix.txt"
  done
}
answer "$old" "$work/old"
answer "$new" "$work/new"

rc=0 n=$(wc -l <"$work/queries.txt")
for ix in $sets; do
  for f in answers files stats; do
    if ! diff "$work/old/$f-$ix.txt" "$work/new/$f-$ix.txt" >"$work/diff" 2>&1; then
      echo "DIFFERENT: $f on the $ix index:"; head -20 "$work/diff"; rc=1
    fi
  done
done
[ $rc = 0 ] && echo "same: $n queries x text and JSON on: $sets; index files and stats equal"
exit $rc
