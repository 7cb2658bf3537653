#!/usr/bin/env bash
# End to end through the real `swsearch` binary: the command line's one
# option parser (options before or after the command, --opt=value, -n5,
# --, unknown options refused in one line with a hint), the unknown-command
# rule (bare words search; a first word one typo from a command is refused)
# and `swsearch inspect` (segments, term, doc) printing facts of an index
# built from the five seed documents in corpus/.
#
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" cli-rooms
# json EXPR [ARG...]: print a python expression over the JSON on stdout
# (r; the ARGs are a[0], a[1], ...).
json() {
  python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
a = sys.argv[3:]
print(eval(sys.argv[2]))' "$tmp/out" "$@" || fail "JSON ($1): $(head -c 500 "$tmp/out")"
}
# one_line_error WHAT: stderr is exactly one line starting "swsearch: ",
# stdout is empty.
one_line_error() {
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$tmp/err")"
  grep -q '^swsearch: ' "$tmp/err" || fail "$1: stderr: $(cat "$tmp/err")"
  [ ! -s "$tmp/out" ] || fail "$1: printed to stdout: $(head -c 300 "$tmp/out")"
}

s0=000_edd3e648c7099bc0.txt
s1=001_dcc03598cb1e7b7d.txt
s2=002_41484ad99dbc1724.txt
s3=003_cbcbe56bc7805af2.txt

run "$SWSEARCH" index "$SW_SOURCE_DIR/corpus" --index "$ix"
expect_rc 0 "index with --index after the paths"
grep -q '^indexed 5 documents' "$tmp/out" || fail "index: $(cat "$tmp/out")"

# ------------------------------------------------------------- options --
# Options after the command, and global ones before it.
run "$SWSEARCH" stats --index "$ix"
expect_rc 0 "stats --index"
grep -Eq '^documents +5$' "$tmp/out" || fail "stats --index: $(cat "$tmp/out")"
run "$SWSEARCH" --index "$ix" stats
expect_rc 0 "--index before stats"
grep -Eq '^documents +5$' "$tmp/out" || fail "--index before stats ran no stats: $(cat "$tmp/out")"
stats_terms=$(awk '$1 == "terms" {print $2}' "$tmp/out")
# Options after the query words.
run "$SWSEARCH" sociala insatsgrupper --index "$ix" --json
expect_rc 0 "options after the query"
[ "$(json 'r["query"], r["total_hits"]')" = "('sociala insatsgrupper', 3)" ] \
  || fail "options after the query: $(head -c 300 "$tmp/out")"
run "$SWSEARCH" search sociala --json --index="$ix" insatsgrupper
expect_rc 0 "search with options between the words"
[ "$(json 'r["query"], r["total_hits"]')" = "('sociala insatsgrupper', 3)" ] \
  || fail "options between words: $(head -c 300 "$tmp/out")"
# --opt=value, -n5, -n 5, --limit=N
run "$SWSEARCH" --index="$ix" --limit=1 --json sociala insatsgrupper
[ "$(json 'len(r["hits"])')" = 1 ] || fail "--limit=1"
run "$SWSEARCH" --index "$ix" -n2 --json sociala insatsgrupper
[ "$(json 'len(r["hits"])')" = 2 ] || fail "-n2"
run "$SWSEARCH" --index "$ix" --json sociala insatsgrupper -n 1
[ "$(json 'len(r["hits"])')" = 1 ] || fail "-n 1 after the words"
run "$SWSEARCH" --index "$ix" -n0 sociala
expect_rc 2 "-n0"
one_line_error "-n0"
grep -q -- "-n needs a number of hits from 1 to" "$tmp/err" || fail "-n0: $(cat "$tmp/err")"
# "-word" stays an exclusion, also one starting with n; -n without digits too.
run "$SWSEARCH" --index "$ix" --json sociala -nämnd -Trefas
[ "$rc" -le 1 ] || fail "exclusions: exit $rc :: $(cat "$tmp/err")"
[ "$(json 'r["query"]')" = "sociala -nämnd -Trefas" ] || fail "exclusions taken as options: $(head -c 300 "$tmp/out")"
# --: the rest are words, a command's name too.
run "$SWSEARCH" --index "$ix" -- stats
[ "$rc" -le 1 ] || fail "-- stats: exit $rc :: $(cat "$tmp/err")"
grep -Eq '^(No hits|[0-9]+ hits?) for "stats"' "$tmp/out" || fail "-- stats did not search: $(head -3 "$tmp/out")"
run "$SWSEARCH" --index "$ix" --json -- --json
[ "$rc" -le 2 ] || fail "-- --json"
if [ "$rc" -lt 2 ]; then [ "$(json 'r["query"]')" = "--json" ] || fail "-- --json: query"; fi
run "$SWSEARCH" delete --index "$ix" -- -no-such-id
expect_rc 1 "delete -- -id"
grep -q 'no-such-id' "$tmp/err" || fail "delete -- -id: $(cat "$tmp/err")"

# Unknown options: one line naming it, with a hint; exit 2; no search.
run "$SWSEARCH" --index "$ix" --jsn sociala
expect_rc 2 "--jsn"
one_line_error "--jsn"
grep -qF "unknown option '--jsn' (did you mean --json?)" "$tmp/err" || fail "--jsn: $(cat "$tmp/err")"
grep -qF "swsearch --help" "$tmp/err" || fail "--jsn: no pointer to --help: $(cat "$tmp/err")"
run "$SWSEARCH" stats --index "$ix" --bogus
expect_rc 2 "stats --bogus"
one_line_error "stats --bogus"
grep -qF "unknown option '--bogus'" "$tmp/err" || fail "stats --bogus: $(cat "$tmp/err")"
run "$SWSEARCH" index --tread=2 --index "$tmp/never" "$SW_SOURCE_DIR/corpus"
expect_rc 2 "index --tread=2"
one_line_error "--tread=2"
grep -qF "unknown option '--tread' (did you mean --threads?)" "$tmp/err" || fail "--tread: $(cat "$tmp/err")"
[ ! -e "$tmp/never" ] || fail "index ran despite an unknown option"
run "$SWSEARCH" stats --json --index "$ix"
expect_rc 2 "stats --json"
one_line_error "stats --json"
grep -qF -- "--json is not an option of 'stats'" "$tmp/err" || fail "stats --json: $(cat "$tmp/err")"
run "$SWSEARCH" --index "$ix" -x sociala
expect_rc 2 "-x"
one_line_error "-x"
run "$SWSEARCH" --json=yes --index "$ix" sociala
expect_rc 2 "--json=yes"
one_line_error "--json=yes"
run "$SWSEARCH" --index
expect_rc 2 "--index without its value"
one_line_error "--index without its value"
grep -qF -- "--index needs a directory" "$tmp/err" || fail "--index: $(cat "$tmp/err")"

# ---------------------------------------------------- unknown commands --
# Bare words search, the first one too.
run "$SWSEARCH" --index "$ix" Trefas samverkan
expect_rc 0 "bare words"
grep -q 'hits\? for "Trefas samverkan"' "$tmp/out" || fail "bare words: $(head -1 "$tmp/out")"
run "$SWSEARCH" --index "$ix" "sociala insatsgrupper"
expect_rc 0 "one quoted argument"
grep -q '^3 hits for "sociala insatsgrupper"' "$tmp/out" || fail "quoted: $(head -1 "$tmp/out")"
# A first word one typo from a command is refused, naming the command and
# how to search for the word anyway.
for pair in indx:index optimse:optimize stat:stats serch:search chekc:check; do
  word=${pair%%:*} cmd=${pair#*:}
  run "$SWSEARCH" --index "$ix" "$word" corpus
  expect_rc 2 "near-miss $word"
  one_line_error "near-miss $word"
  grep -qF "unknown command '$word' (did you mean $cmd?)" "$tmp/err" || fail "near-miss $word: $(cat "$tmp/err")"
  grep -qF "swsearch -- $word" "$tmp/err" || fail "near-miss $word: no way to search given: $(cat "$tmp/err")"
done
# ... but not Swedish words a little further from a name (one edit per four
# letters of the name: analys/analyze, stad/stats, chef/check, and/add), not
# a later word, not after --, not with an explicit search.
for q in "analys" "stad" "chef" "and" "sociala stat" "-- stat" "search stat"; do
  # shellcheck disable=SC2086
  run "$SWSEARCH" --index "$ix" $q
  [ "$rc" -le 1 ] || fail "'$q' should search: exit $rc :: $(cat "$tmp/err")"
  grep -Eq '^(No hits for|[0-9]+ hits? for|about|No document contains)' "$tmp/out" || fail "'$q' did not search: $(head -2 "$tmp/out")"
done

# ----------------------------------------------------------------- help --
run "$SWSEARCH" --help
expect_rc 0 "--help"
for c in search index add delete optimize analyze stats check inspect; do
  grep -Eq "^  $c +[a-z]" "$tmp/out" || fail "--help lists no command $c"
done
grep -q 'swsearch inspect' "$tmp/out" || fail "--help has no inspect usage"
grep -q 'swsearch -- WORD' "$tmp/out" || fail "--help does not state the unknown-command rule"
run "$SWSEARCH" stats --help
expect_rc 0 "stats --help"
grep -q '^usage: swsearch' "$tmp/out" || fail "stats --help"

# -------------------------------------------------------------- inspect --
run "$SWSEARCH" inspect segments --index "$ix"
expect_rc 0 "inspect segments"
grep -Eq '^segments +1$' "$tmp/out" || fail "inspect segments: $(cat "$tmp/out")"
grep -Eq '^documents +5 \(5 live, 0 deleted\)$' "$tmp/out" || fail "inspect segments docs: $(cat "$tmp/out")"
segdir=$(awk '$1 == "directory" {print $2; exit}' "$tmp/out")
[ -d "$segdir" ] && [ -f "$segdir/manifest" ] || fail "inspect segments: directory '$segdir' is no segment"
run "$SWSEARCH" --json inspect --index "$ix" segments
expect_rc 0 "inspect segments --json"
[ "$(json 'len(r["segments"]), r["docs"], r["live_docs"]')" = "(1, 5, 5)" ] || fail "inspect segments --json: $(cat "$tmp/out")"
[ "$(json 'r["segments"][0]["terms"]')" = "$stats_terms" ] || fail "inspect segments: terms differ from stats ($stats_terms)"
[ "$(json 'r["segments"][0]["format_version"] >= 1 and r["segments"][0]["docs"] == 5 and r["segments"][0]["first_doc"] == 0')" = True ] \
  || fail "inspect segments --json fields: $(cat "$tmp/out")"
# Each file the manifest lists is there with that size.
python3 - "$tmp/out" <<'PY' || fail "inspect segments: file sizes do not match the disk"
import json, os, sys
r = json.load(open(sys.argv[1]))
for s in r["segments"]:
    assert s["files"], "no files"
    for f in s["files"]:
        assert os.path.getsize(os.path.join(s["dir"], f["name"])) == f["bytes"], f
PY

# "sociala" is analysed to "social", in 000, 001, 002 and 003 (see
# test_cli.sh for how that was established from the seeds).
run "$SWSEARCH" inspect --index "$ix" --json term sociala
expect_rc 0 "inspect term sociala"
[ "$(json '[(t["term"], t["df"]) for t in r["terms"]]')" = "[('social', 4)]" ] || fail "inspect term: $(cat "$tmp/out")"
docs=$(json '" ".join(str(p["doc"]) for p in r["terms"][0]["segments"][0]["postings"])')
got=""
for d in $docs; do
  run "$SWSEARCH" inspect --index "$ix" --json doc "#$d"
  expect_rc 0 "inspect doc #$d"
  got="$got $(json 'r["docs"][0]["id"]')"
done
[ "$got" = " $s0 $s1 $s2 $s3" ] || fail "postings of social are in [$got], expected [$s0 $s1 $s2 $s3]"
run "$SWSEARCH" inspect term social --index "$ix" --positions -n1
expect_rc 0 "inspect term --positions -n1"
grep -Eq '^term "social" \(from "social"\): df 4 ' "$tmp/out" || fail "inspect term human: $(cat "$tmp/out")"
[ "$(grep -c '^    doc ' "$tmp/out")" -eq 1 ] || fail "-n1 listed more than one posting: $(cat "$tmp/out")"
grep -q '^    \.\.\. 3 more' "$tmp/out" || fail "-n1: no 'more' line: $(cat "$tmp/out")"
run "$SWSEARCH" inspect term social --index "$ix" --positions --json
python3 - "$tmp/out" <<'PY' || fail "--positions: $(head -c 400 "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))
seg = r["terms"][0]["segments"][0]
assert sum(p["freq"] for p in seg["postings"]) == seg["cf"] == r["terms"][0]["cf"]
for p in seg["postings"]:
    assert len(p["positions"]) == p["freq"], p
    assert p["positions"] == sorted(set(p["positions"])), p
PY
run "$SWSEARCH" inspect --index "$ix" term och
expect_rc 0 "inspect term och"
grep -q '^term "och" (from "och", a stop word): df 5 ' "$tmp/out" || fail "stop word: $(head -1 "$tmp/out")"
run "$SWSEARCH" inspect --index "$ix" term xyzzyplugh
expect_rc 1 "inspect term of no segment"
grep -q 'in no segment' "$tmp/out" || fail "absent term: $(cat "$tmp/out")"

# inspect doc: the title is the file's first non-empty line.
title=$(grep -m1 -v '^[[:space:]]*$' "$SW_SOURCE_DIR/corpus/$s0")
run "$SWSEARCH" inspect doc "$s0" --index "$ix"
expect_rc 0 "inspect doc"
grep -qxF "  title     $title" "$tmp/out" || fail "inspect doc: title is not '$title': $(cat "$tmp/out")"
grep -qxF "  id        $s0" "$tmp/out" || fail "inspect doc: id: $(cat "$tmp/out")"
grep -qx '  status    live' "$tmp/out" || fail "inspect doc: status: $(cat "$tmp/out")"
grep -q 'dnr:ks 2020/1050' "$tmp/out" || fail "inspect doc: facets (the title names Dnr KS 2020/1050): $(cat "$tmp/out")"
run "$SWSEARCH" inspect doc "$s0" --index "$ix" --json
[ "$(json 'r["docs"][0]["title"] == a[0]' "$title")" = True ] \
  || fail "inspect doc --json title: $(cat "$tmp/out")"
[ "$(json 'r["docs"][0]["deleted"], r["docs"][0]["length"] > 0, r["docs"][0]["segment"]')" = "(False, True, 0)" ] \
  || fail "inspect doc --json: $(cat "$tmp/out")"
run "$SWSEARCH" inspect doc no-such-id --index "$ix"
expect_rc 1 "inspect doc of an unknown id"
one_line_error "inspect doc of an unknown id"
run "$SWSEARCH" inspect --index "$ix" frobnicate
expect_rc 2 "inspect frobnicate"
grep -qF "swsearch: inspect what? 'segments', 'term WORD' or 'doc ID', not 'frobnicate'" "$tmp/err" \
  || fail "inspect frobnicate: $(cat "$tmp/err")"
grep -q '^usage: swsearch inspect' "$tmp/err" || fail "inspect frobnicate: no usage line: $(cat "$tmp/err")"
run "$SWSEARCH" inspect --index "$tmp/nothing-here" segments
expect_rc 2 "inspect without an index"
grep -q "nothing-here: no index here" "$tmp/err" || fail "inspect without an index: $(cat "$tmp/err")"

# A deleted document keeps its record in its segment until a merge drops
# it: delete 004 (the only seed with "kameraövervakning") from a copy.
s4=004_c6009626929c49d9.txt
del="$tmp/del"
cp -r "$ix" "$del"
run "$SWSEARCH" delete --index "$del" "$s4"
expect_rc 0 "delete $s4"
grep -q '^deleted 1 document (0 not found); 0 segments merged' "$tmp/out" || fail "delete: $(cat "$tmp/out")"
run "$SWSEARCH" inspect segments --json --index "$del"
[ "$(json 'r["docs"], r["live_docs"], [(s["docs"], s["live_docs"], s["deleted"]) for s in r["segments"]]')" = "(5, 4, [(5, 4, 1)])" ] \
  || fail "segments after a delete: $(cat "$tmp/out")"
run "$SWSEARCH" inspect doc "$s4" --json --index "$del"
expect_rc 0 "inspect doc of a deleted id"
[ "$(json '[(d["doc"], d["deleted"]) for d in r["docs"]]')" = "[(4, True)]" ] \
  || fail "inspect doc of a deleted id: $(cat "$tmp/out")"
run "$SWSEARCH" inspect doc "$s4" --index "$del"
grep -qx '  status    deleted' "$tmp/out" || fail "inspect doc of a deleted id (human): $(cat "$tmp/out")"
run "$SWSEARCH" inspect term kameraövervakning --json --index "$del"
expect_rc 0 "inspect term of a deleted document"
[ "$(json 'r["terms"][0]["df"], [(s["df"], [(p["doc"], p["deleted"]) for p in s["postings"]]) for s in r["terms"][0]["segments"]]')" = "(0, [(1, [(4, True)])])" ] \
  || fail "term only in a deleted document: $(cat "$tmp/out")"
run "$SWSEARCH" --index "$del" kameraövervakning
expect_rc 1 "search for a deleted document's word"

rm -rf "$tmp"
echo "cli rooms e2e: ok"
