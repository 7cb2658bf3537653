#!/usr/bin/env bash
# End to end through the real `swsearch` binary over the five seed documents
# in corpus/: indexing, the query language (inflection and case, phrase, OR,
# exclusion, partial mode), exit codes, --json, analyze, bad input reported
# with file:line, check, and a flipped byte in every index file never giving
# a crash or a wrong answer.
#
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" cli

# ids INDEX QUERY...: $got = the ids of all hits, sorted, space-separated
# ("-" for none); exit code in $rc; the JSON stays in $tmp/out.
ids() {
  local index=$1
  shift
  run "$SWSEARCH" --index "$index" --json -n 1000 "$@"
  [ "$rc" -le 1 ] || fail "query '$*' exited $rc :: $(cat "$tmp/err")"
  got=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
# the hits holding every clause (all of them in partial mode); the others,
# lacking a word, are ranked by score among them (swsearch.h)
print(" ".join(sorted(h["id"] for h in r["hits"]
                      if r["partial"] or h["matched"] == r["clauses"])) or "-")' "$tmp/out") \
    || fail "query '$*': --json output does not parse: $(head -c 500 "$tmp/out")"
}

s0=000_edd3e648c7099bc0.txt
s1=001_dcc03598cb1e7b7d.txt
s2=002_41484ad99dbc1724.txt
s3=003_cbcbe56bc7805af2.txt
s4=004_c6009626929c49d9.txt

# --------------------------------------------------------------- index --
run "$SWSEARCH" index --index "$ix" "$SW_SOURCE_DIR/corpus"
expect_rc 0 "index corpus"
grep -Eq '^indexed 5 documents \(0 skipped\) from 5 files, [0-9.]+ MB in [0-9.]+ s \([0-9.]+ MB/s\), [0-9]+ terms, index [0-9.]+ MB -> ' "$tmp/out" \
  || fail "index summary (corpus/ should hold exactly the 5 seeds): $(cat "$tmp/out")"
[ ! -s "$tmp/err" ] || fail "index of the seeds printed warnings: $(cat "$tmp/err")"

# ------------------------------------------------------------- queries --
# Expected sets, verified by reading the five seeds (grep -io over the files,
# then Snowball Swedish on each word form found):
#  - "social"/"sociala" stem to "social" and occur in 000, 001, 002 ("Social"
#    in a heading), 003; "socialt" stems to "socialt", a different term.
#    "insatsgrupper" (the only form present; stem "insatsgrupp") occurs in
#    000, 001 and 003 only. Both: 000, 001, 003. The compounds
#    Socialdemokraterna, socialtjänsten, ... are other terms.
#  - "utsatta" and "områden" both occur in 000, 001, 004, but side by side
#    only in 000 and 001 (004 has "utsatta" and "områden" apart).
#  - "skjutningar" (stem "skjutning"): only 000; 001 has only the compound
#    "dödsskjutningar". "kameraövervakning": only 004.
want="$s0 $s1 $s3"
for q in "sociala insatsgrupper" "SOCIALA INSATSGRUPPER" "Sociala insatsgruppen" "social insatsgrupp"; do
  ids "$ix" "$q"
  [ "$got" = "$want" ] || fail "'$q': got [$got], expected [$want]"
  [ "$rc" -eq 0 ] || fail "'$q' with hits exited $rc"
done
# Bare words are joined into one query; "search" is optional.
ids "$ix" sociala insatsgrupper
[ "$got" = "$want" ] || fail "bare words: got [$got]"
run "$SWSEARCH" search --index "$ix" --json sociala insatsgrupper
expect_rc 0 "search subcommand"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["total_hits"] == 3' "$tmp/out" \
  || fail "search subcommand: $(cat "$tmp/out")"

ids "$ix" '"utsatta områden"'
[ "$got" = "$s0 $s1" ] || fail "phrase: got [$got], expected [$s0 $s1]"
ids "$ix" 'utsatta områden'
# 003 says "utsatta" and has "områden" only inside compounds
# (stadsdelsområden, ansvarsområden): found through the compound parts.
[ "$got" = "$s0 $s1 $s3 $s4" ] || fail "AND: got [$got], expected [$s0 $s1 $s3 $s4]"

ids "$ix" 'skjutningar OR kameraövervakning'
# 001 has skjutningar only inside compounds (dödsskjutningar).
[ "$got" = "$s0 $s1 $s4" ] || fail "OR: got [$got], expected [$s0 $s1 $s4]"

ids "$ix" 'sociala insatsgrupper -skjutningar'
[ "$got" = "$s1 $s3" ] || fail "exclusion: got [$got], expected [$s1 $s3]"
ids "$ix" sociala insatsgrupper -skjutningar # "-word" as its own argument
[ "$got" = "$s1 $s3" ] || fail "exclusion as an argument: got [$got]"

# Partial mode: no document has the made-up third word; the documents with
# the most of the words (the three with both others) rank first, then those
# with one (002 has "Social"), and the output says so.
ids "$ix" 'sociala insatsgrupper xyzzyplugh'
top3=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert r["partial"] is True, "partial is not true"
print(" ".join(sorted(h["id"] for h in r["hits"][:3])))' "$tmp/out") || fail "partial: $(cat "$tmp/out")"
[ "$top3" = "$want" ] || fail "partial: first three [$top3], expected [$want]"
# 004 matches one clause only through a compound part (socialnämnden).
[ "$got" = "$s0 $s1 $s2 $s3 $s4" ] || fail "partial: got [$got], expected [$s0 $s1 $s2 $s3 $s4]"
run "$SWSEARCH" --index "$ix" sociala insatsgrupper xyzzyplugh
expect_rc 0 "partial (human)"
grep -q '^No document contains all 3 words; showing documents with the most of them' "$tmp/out" \
  || fail "partial header: $(head -1 "$tmp/out")"

# ---------------------------------------------------------- exit codes --
run "$SWSEARCH" --index "$ix" xyzzyplugh
expect_rc 1 "no hits"
grep -q '^No hits for "xyzzyplugh"' "$tmp/out" || fail "no-hit message: $(cat "$tmp/out")"
ids "$ix" xyzzyplugh
[ "$got" = "-" ] && [ "$rc" -eq 1 ] || fail "no hits with --json: [$got] exit $rc"

run "$SWSEARCH" --index "$ix" '"sociala insatsgrupper'
expect_rc 2 "unbalanced quote"
grep -q '^swsearch: .\+' "$tmp/err" || fail "unbalanced quote: no message on stderr"
[ ! -s "$tmp/out" ] || fail "unbalanced quote printed to stdout: $(cat "$tmp/out")"

run "$SWSEARCH" --index "$ix" --bogus sociala
expect_rc 2 "unknown option"
grep -qF "unknown option '--bogus'" "$tmp/err" && grep -qF 'see swsearch --help' "$tmp/err" || fail "unknown option: $(cat "$tmp/err")"
run "$SWSEARCH" --index "$ix"
expect_rc 2 "no query"
run "$SWSEARCH" --index "$ix" -n zero sociala
expect_rc 2 "-n zero"
run "$SWSEARCH" --index "$tmp/nothing-here" sociala
expect_rc 2 "missing index"
grep -q "^swsearch: $tmp/nothing-here: " "$tmp/err" || fail "missing index message: $(cat "$tmp/err")"
run "$SWSEARCH" --help
expect_rc 0 "--help"
grep -q '^usage: swsearch' "$tmp/out" || fail "--help prints no usage"
run "$SWSEARCH" --version
expect_rc 0 "--version"
grep -Eq '^swsearch [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# The default index comes from $SWSEARCH_INDEX.
SWSEARCH_INDEX="$ix" run "$SWSEARCH" sociala insatsgrupper
expect_rc 0 "default index from SWSEARCH_INDEX"

# ------------------------------------------------------- human output --
run "$SWSEARCH" --index "$ix" sociala insatsgrupper
expect_rc 0 "human output"
head -1 "$tmp/out" | grep -Eq '^3 hits for "sociala insatsgrupper" \([0-9.]+ ms\)$' \
  || fail "header: $(head -1 "$tmp/out")"
grep -q '^1\. ' "$tmp/out" && grep -q '^3\. ' "$tmp/out" || fail "numbered hits missing"
grep -q '\[[^]]*\]' "$tmp/out" || fail "no [bracket] highlights when stdout is not a TTY"
if grep -q $'\033' "$tmp/out"; then fail "escape sequences written to a pipe"; fi
grep -q " | score [0-9]" "$tmp/out" || fail "no id | file | score line"

# --------------------------------------------------------------- json --
run "$SWSEARCH" --index "$ix" --json 'sociala insatsgrupper'
expect_rc 0 "--json"
python3 - "$tmp/out" <<'EOF' || fail "--json output: $(cat "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("query", "total_hits", "took_ms", "partial", "hits"):
    assert k in r, k
assert r["query"] == "sociala insatsgrupper" and r["total_hits"] == 3
assert r["partial"] is False and r["clauses"] == 2
# the 3 holding both words; 002 and 004 hold only `sociala` (in compounds:
# skolsociala, socialtjänsten), less than half the query's weight: no hits
assert [h["matched"] for h in r["hits"]] == [2, 2, 2], r["hits"]
for i, h in enumerate(r["hits"], 1):
    for k in ("rank", "id", "file", "title", "date", "score", "snippet",
              "matched"):
        assert k in h, k
    assert h["rank"] == i and h["file"] == h["id"] and h["snippet"]
s = [h["score"] for h in r["hits"]]
assert s == sorted(s, reverse=True), s
EOF
# The first hits and the total do not depend on -n.
for q in 'sociala insatsgrupper' 'utsatta områden' 'skolan lärare' 'polisen ungdomar trygghet'; do
  run "$SWSEARCH" --index "$ix" --json --no-snippets -n 2 "$q"; cp "$tmp/out" "$tmp/n2"
  run "$SWSEARCH" --index "$ix" --json --no-snippets -n 1000 "$q"
  python3 - "$tmp/n2" "$tmp/out" <<'EOF' || fail "'$q': -n 2 and -n 1000 disagree"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["total_hits"] == b["total_hits"], (a["total_hits"], b["total_hits"])
assert [h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]][:2]
EOF
done
run "$SWSEARCH" --index "$ix" --json --no-snippets -n 1 'sociala insatsgrupper'
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r["hits"]) == 1 and r["hits"][0]["snippet"] is None' "$tmp/out" \
  || fail "--no-snippets -n 1: $(cat "$tmp/out")"

# ------------------------------------------------------------ analyze --
run "$SWSEARCH" analyze "Sociala insatsgrupperna och"
expect_rc 0 "analyze"
printf '0\tSociala\tsocial\n1\tinsatsgrupperna\tinsatsgrupp\n1\tinsats\tinsat\tpart\n1\tgrupperna\tgrupp\tpart\n2\toch\toch\tstop\n' >"$tmp/analyze.want"
diff "$tmp/analyze.want" "$tmp/out" >/dev/null || fail "analyze output: $(cat "$tmp/out")"

# ------------------------------------------------------ stats, check --
run "$SWSEARCH" stats --index "$ix"
expect_rc 0 "stats"
grep -Eq '^documents +5$' "$tmp/out" || fail "stats: $(cat "$tmp/out")"
run "$SWSEARCH" check --index "$ix"
expect_rc 0 "check of a good index"

# ---------------------------------------------------------- bad input --
bad="$tmp/bad-input"
mkdir -p "$bad/sub"
printf 'Ett bra dokument\nom avhopparverksamhet i staden\n' >"$bad/good.txt"
{
  printf '{"id":"j1","title":"Rad ett","text":"kameraövervakning vid torget"}\n'
  printf '{"id":"j2","title":"Trasig", "text": \n'
  printf '{"id":"j3","title":"Fel kodning","text":"fritidsg\xe5rdar och kvarnhjul"}\n'
} >"$bad/sub/data.jsonl"
printf 'bin\0ary\n' >"$bad/binary.txt"
bix="$tmp/bad-index"
run "$SWSEARCH" index --index "$bix" "$bad"
expect_rc 0 "index of partly bad input"
grep -q "data.jsonl:2: malformed JSON" "$tmp/err" || fail "malformed line not reported: $(cat "$tmp/err")"
grep -q "data.jsonl:3: 1 invalid UTF-8 sequence" "$tmp/err" || fail "invalid UTF-8 not reported: $(cat "$tmp/err")"
grep -q "binary.txt: binary file" "$tmp/err" || fail "binary file not reported: $(cat "$tmp/err")"
grep -q '^indexed 3 documents (2 skipped) from 3 files' "$tmp/out" || fail "bad-input summary: $(cat "$tmp/out")"
ids "$bix" kvarnhjul
[ "$got" = "j3" ] || fail "document with invalid UTF-8 not searchable: [$got]"
ids "$bix" avhopparverksamhet
[ "$got" = "good.txt" ] || fail "good.txt not indexed: [$got]"

run "$SWSEARCH" index --index "$tmp/never" "$tmp/does-not-exist"
expect_rc 2 "index of nothing"
grep -q "does-not-exist" "$tmp/err" && grep -q "no documents found" "$tmp/err" \
  || fail "index of nothing: $(cat "$tmp/err")"
run "$SWSEARCH" index --index "$tmp/never"
expect_rc 2 "index without paths"

# ---------------------------------------------------------- corruption --
# For each file of the live generation: copy the index, flip the middle
# byte. check must fail naming the file; search must fail with a message or
# answer exactly as the intact index does; nothing may crash.
queries=("sociala insatsgrupper" '"utsatta områden"' "skjutningar OR kameraövervakning" "Trefas samverkan -Rinkeby")
# normalised human output (timings removed) of every query, with exit codes
answers() {
  local index=$1 q
  for q in "${queries[@]}"; do
    run "$SWSEARCH" --index "$index" -n 10 "$q"
    if [ "$rc" -eq 2 ]; then
      [ -s "$tmp/err" ] || fail "exit 2 without a message for '$q' on $index"
      echo "ERROR"
      return
    fi
    echo "exit $rc"
    sed -E 's/\([0-9.]+ ms\)/(T ms)/; s/, [0-9.]+ ms\)/, T ms)/' "$tmp/out"
  done
}
answers "$ix" >"$tmp/intact.txt"
grep -q ERROR "$tmp/intact.txt" && fail "the intact index gave an error"

# Every file of the live index: the commit point and its segments' files.
nfiles=0
for f in "$ix"/commit-* "$ix"/seg-*/*; do
  [ -f "$f" ] || continue
  name=${f#"$ix"/}
  size=$(stat -c %s "$f")
  [ "$size" -gt 0 ] || continue
  nfiles=$((nfiles + 1))
  c="$tmp/corrupt"
  rm -rf "$c"
  cp -r "$ix" "$c"
  python3 -c 'import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xFF
open(p, "wb").write(b)' "$c/$name"
  run "$SWSEARCH" check --index "$c"
  [ "$rc" -eq 2 ] || fail "check of $name with a flipped byte: exit $rc, expected 2"
  grep -q "$name" "$tmp/err" || fail "check of $name with a flipped byte: message does not name it: $(cat "$tmp/err")"
  answers "$c" >"$tmp/corrupt.txt"
  if ! grep -q '^ERROR$' "$tmp/corrupt.txt"; then
    diff "$tmp/intact.txt" "$tmp/corrupt.txt" >/dev/null \
      || fail "flipped byte in $name: search answered differently without an error: $(diff "$tmp/intact.txt" "$tmp/corrupt.txt" | head -20)"
  fi
done
[ "$nfiles" -gt 7 ] || fail "too few files in the index $ix ($nfiles)"

# ------------------------------------------- add, delete, optimize, lock --
# A document re-added with the same id replaces it; delete by id; optimize
# merges; a second writer is refused; answers track every change.
up="$tmp/up"
mkdir -p "$tmp/docs"
printf 'Första versionen\nSkolskjutsar i Rinkeby utreds.\n' >"$tmp/docs/a.txt"
printf 'Andra dokumentet\nKameraövervakning vid Järva torg.\n' >"$tmp/docs/b.txt"
run "$SWSEARCH" add --index "$up" "$tmp/docs"
expect_rc 0 "add to a new index"
grep -q "added 2 documents (0 replaced" "$tmp/out" || fail "add summary: $(cat "$tmp/out")"
ids "$up" skolskjutsar
[ "$got" = "a.txt" ] || fail "after add: skolskjutsar gave [$got]"
printf 'Nya versionen\nCykelbanor i Kista byggs.\n' >"$tmp/docs/a.txt"
run "$SWSEARCH" add --index "$up" "$tmp/docs/a.txt"
expect_rc 0 "re-add a.txt"
ids "$up" skolskjutsar
[ "$got" = "-" ] || fail "the replaced text still matches: [$got]"
ids "$up" cykelbanor
[ "$got" = "a.txt" ] || fail "the new text does not match: [$got]"
run "$SWSEARCH" stats --index "$up"
grep -q '^documents   2$' "$tmp/out" || fail "stats after replace: $(cat "$tmp/out")"
run "$SWSEARCH" delete --index "$up" b.txt no-such.txt
expect_rc 1 "delete with an unknown id"
grep -q "id \"no-such.txt\": no document with this id" "$tmp/err" || fail "delete message: $(cat "$tmp/err")"
ids "$up" kameraövervakning
[ "$got" = "-" ] || fail "a deleted document is still found: [$got]"
run "$SWSEARCH" delete --index "$up" b.txt
expect_rc 1 "deleting it again"
run "$SWSEARCH" optimize --index "$up"
expect_rc 0 "optimize"
grep -q "1 segment ->" "$tmp/out" || fail "optimize summary: $(cat "$tmp/out")"
run "$SWSEARCH" check --index "$up"
expect_rc 0 "check after the changes"
ids "$up" cykelbanor
[ "$got" = "a.txt" ] || fail "after optimize: [$got]"
run "$SWSEARCH" delete --index "$tmp/nothing-here" a.txt
expect_rc 2 "delete without an index"
grep -q "nothing-here" "$tmp/err" || fail "delete without an index: $(cat "$tmp/err")"
if command -v flock >/dev/null; then
  flock "$up/LOCK" sleep 3 &
  holder=$!
  sleep 0.5
  run "$SWSEARCH" add --index "$up" "$tmp/docs/a.txt"
  expect_rc 2 "a second writer"
  grep -q "being written by another process" "$tmp/err" || fail "second writer: $(cat "$tmp/err")"
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  ids "$up" cykelbanor
  [ "$got" = "a.txt" ] || fail "after a refused writer: [$got]"
fi

rm -rf "$tmp"
echo "cli e2e: ok"
