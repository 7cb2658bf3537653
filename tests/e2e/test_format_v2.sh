#!/usr/bin/env bash
# The frozen format-2 index (tests/data/format-v2, README there): this build
# must open it read-only and answer every query exactly as recorded when a
# fresh build of corpus/ gave the same bytes (same hits, scores and
# snippets: the readers of format 2's per-term checksums and 16-byte skip
# entries); `check` must pass; and a
# copy with one document added (a format-3 segment beside the two format-2
# ones) must still check and answer the same. The version refusals are
# test_format_v1.sh's.
#
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
: "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
export LC_ALL=C SWSEARCH_SYNONYMS=/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
frozen="$SW_SOURCE_DIR/tests/data/format-v2/index"
[ -f "$frozen/CURRENT" ] || fail "the frozen index $frozen is missing"
tmp="$SW_TMP/format-v2"
rm -rf "$tmp"
mkdir -p "$tmp"

run() {
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -lt 128 ] || fail "crashed with exit $rc: $* :: $(head -c 2000 "$tmp/err")"
}
queries=("sociala insatsgrupper" "SOCIALA INSATSGRUPPEN" "Trefas samverkan"
         '"utsatta områden"' '"vikten av att"' "skjutningar OR kameraövervakning"
         "sociala insatsgrupper -skjutningar" "sociala insatsgrupper xyzzyplugh"
         "Rinkeby-Kista" "ks 2020/1050" "typ:motion" "xyzzyplugh")
# answers INDEX: every query's --json answer (took_ms dropped) and exit code.
answers() {
  local q
  for q in "${queries[@]}"; do
    run "$SWSEARCH" search --index "$1" --json -n 10 -- "$q"
    [ "$rc" -le 1 ] || fail "query '$q' on $1 exited $rc: $(cat "$tmp/err")"
    echo "== $q: exit $rc"
    sed -E 's/"took_ms": [0-9.]+, //' "$tmp/out"
  done
}

# Read-only: a copy without write bits (as the user nobody when root, so the
# missing bits are real), hashed before and after.
ro="$tmp/ro"
cp -r "$frozen" "$ro"
chmod -R a-w "$ro"
as_reader() { "$@"; }
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$ro/CURRENT" 2>/dev/null &&
   setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SWSEARCH" 2>/dev/null; then
  as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
fi
before=$(cd "$ro" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
run as_reader "$SWSEARCH" stats --index "$ro"
[ "$rc" -eq 0 ] || fail "stats exited $rc: $(cat "$tmp/err")"
grep -q '^format      2$' "$tmp/out" || fail "the frozen index is not format 2: $(cat "$tmp/out")"
grep -q '^segments    2$' "$tmp/out" || fail "the frozen index has not 2 segments: $(cat "$tmp/out")"
run as_reader "$SWSEARCH" check --index "$ro"
[ "$rc" -eq 0 ] || fail "check of the frozen index exited $rc: $(cat "$tmp/out" "$tmp/err")"
answers "$ro" >"$tmp/frozen.answers"
after=$(cd "$ro" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
[ "$before" = "$after" ] || fail "reading the frozen index changed it"
[ -z "$(find "$ro" -newer "$tmp/frozen.answers" -o -name LOCK)" ] || fail "a reader left a file in the frozen index"
chmod -R u+w "$ro"

# The frozen index answers as it did when a fresh build still analysed text
# as it was built (analysis version 1; tests/data/format-v2/answers.expected,
# written by dc02907's build, whose fresh build gave the same bytes, and
# rewritten when proximity changed scores (only the scores changed);
# SW_UPDATE_V2=1 rewrites it). A fresh build now analyses with lemmas
# (analysis version 2), so its terms, and scores, differ.
expected="$SW_SOURCE_DIR/tests/data/format-v2/answers.expected"
if [ "${SW_UPDATE_V2:-}" = 1 ]; then cp "$tmp/frozen.answers" "$expected"; fi
diff -u "$expected" "$tmp/frozen.answers" >&2 ||
  fail "the frozen format-2 index answers differently from $expected (diff above)"
# A fresh build finds every document the frozen one finds with every word.
run "$SWSEARCH" index --threads 1 --index "$tmp/fresh" "$SW_SOURCE_DIR/corpus"
[ "$rc" -eq 0 ] || fail "fresh build exited $rc: $(cat "$tmp/err")"
for q in "${queries[@]}"; do
  for ix in "$tmp/fresh" "$frozen"; do
    run "$SWSEARCH" search --index "$ix" --json -n 100 -- "$q"
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); print(sorted(h["id"] for h in r["hits"] if r["partial"] or h["matched"] == r["clauses"]))' "$tmp/out" >"$tmp/ids-$(basename "$ix")"
  done
  python3 -c 'import ast,sys; a=set(ast.literal_eval(open(sys.argv[1]).read())); b=set(ast.literal_eval(open(sys.argv[2]).read())); sys.exit(0 if a <= b else 1)' "$tmp/ids-index" "$tmp/ids-fresh" \
    || fail "query '$q': the frozen index finds $(cat "$tmp/ids-index"), a fresh build only $(cat "$tmp/ids-fresh")"
done
grep -q '"total_hits": 3' "$tmp/frozen.answers" || fail "the answers found nothing: $(head -c 400 "$tmp/frozen.answers")"

# Mixed formats: a document added to a copy becomes a format-3 segment.
mix="$tmp/mixed"
cp -r "$frozen" "$mix"
printf 'Ett nytt dokument om sociala insatsgrupper.\n' >"$tmp/new.txt"
run "$SWSEARCH" add --index "$mix" "$tmp/new.txt"
[ "$rc" -eq 0 ] || fail "add to a copy of the frozen index exited $rc: $(cat "$tmp/err")"
run "$SWSEARCH" stats --index "$mix"
grep -q '^segments    3$' "$tmp/out" || fail "expected 3 segments after add: $(cat "$tmp/out")"
run "$SWSEARCH" check --index "$mix"
[ "$rc" -eq 0 ] || fail "check of the mixed-format index exited $rc: $(cat "$tmp/out" "$tmp/err")"
run "$SWSEARCH" search --index "$mix" --json -n 10 -- "sociala insatsgrupper"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["total_hits"] == 4, r["total_hits"]; assert "new.txt" in [h["id"] for h in r["hits"]]' "$tmp/out" ||
  fail "the mixed-format index does not find the new document: $(head -c 600 "$tmp/out")"
run "$SWSEARCH" optimize --index "$mix"
[ "$rc" -eq 0 ] || fail "optimize of the mixed-format index exited $rc: $(cat "$tmp/err")"
run "$SWSEARCH" stats --index "$mix"
grep -q '^format      3$' "$tmp/out" || fail "optimize did not make a format-3 index: $(cat "$tmp/out")"
run "$SWSEARCH" check --index "$mix"
[ "$rc" -eq 0 ] || fail "check after optimize exited $rc: $(cat "$tmp/out" "$tmp/err")"

rm -rf "$tmp"
echo "format-v2 e2e: ok"
