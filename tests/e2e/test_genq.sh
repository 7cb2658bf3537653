#!/usr/bin/env bash
# swsearch-genq over the five seeds: the same seed gives the same file,
# another seed another one; every class has its queries, in the bench's
# class<TAB>query format; every query finds something (its words are
# drawn from the documents), as swsearch answers it.
set -eu
: "${SWSEARCH_GENQ:?set by ctest}" "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="$SW_TMP/genq"; rm -rf "$tmp"; mkdir -p "$tmp"
export SWSEARCH_INDEX="$tmp/index" SWSEARCH_SYNONYMS=/dev/null
"$SWSEARCH_GENQ" --seed 7 --per-class 4 "$SW_SOURCE_DIR/corpus" >"$tmp/a.tsv"
"$SWSEARCH_GENQ" --seed 7 --per-class 4 "$SW_SOURCE_DIR/corpus" >"$tmp/b.tsv"
"$SWSEARCH_GENQ" --seed 8 --per-class 4 "$SW_SOURCE_DIR/corpus" >"$tmp/c.tsv"
cmp -s "$tmp/a.tsv" "$tmp/b.tsv" || fail "the same seed gave two files"
! cmp -s "$tmp/a.tsv" "$tmp/c.tsv" || fail "seeds 7 and 8 gave the same file"
for c in term and2 and3 phrase or; do
  n=$(grep -c "^$c	" "$tmp/a.tsv" || true)
  [ "$n" -eq 4 ] || fail "class $c: $n queries, expected 4"
done
[ "$(grep -vc '^#' "$tmp/a.tsv")" -eq 20 ] || fail "not 20 query lines"
"$SWSEARCH" index "$SW_SOURCE_DIR/corpus" >/dev/null
grep -v '^#' "$tmp/a.tsv" | cut -f2 | while IFS= read -r q; do
  "$SWSEARCH" -n 1 --no-snippets -- "$q" >/dev/null || fail "no hit for: $q"
done
echo "ok: 20 generated queries, repeatable, each with a hit"
