#!/usr/bin/env bash
# The frozen format-v1 index (tests/data/format-v1/index, the five seeds of
# corpus/ as built by the first release writing format 1) must keep opening
# and answering, read-only, exactly like a fresh build of corpus/: same hits,
# ids, titles, scores and snippets. And an index whose files say format 4
# (or 0) must be refused with exit 2 and a message naming the file and
# "index format N" -- with valid checksums, so that it is the version check
# that refuses it and not the footer check.
#
# Read-only is enforced, not assumed: the in-place run and the copy run as
# the user `nobody` when the test runs as root (root ignores file modes), on
# a copy whose files and directories have no write bits; and the tree's
# copy is hashed before and after, so a reader that wrote anything (a LOCK,
# a temporary) fails the test.
#
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
: "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
export LC_ALL=C

fail() { echo "FAIL: $*" >&2; exit 1; }
frozen="$SW_SOURCE_DIR/tests/data/format-v1/index"
[ -f "$frozen/CURRENT" ] || fail "the frozen index $frozen is missing"
tmp="$SW_TMP/format-v1"
rm -rf "$tmp"
mkdir -p "$tmp"
export SWSEARCH_INDEX="$tmp/no-default-index"
unset XDG_DATA_HOME

# as_reader CMD...: run CMD as an unprivileged user when we are root, so
# that missing write permission is real; otherwise as ourselves.
as_reader() { "$@"; }
reader="$(id -un)"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null \
   && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null \
   && setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$frozen/CURRENT" 2>/dev/null \
   && setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SWSEARCH"; then
  as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  reader=nobody
fi
echo "readers run as: $reader"

run() {
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -lt 128 ] || fail "crashed with exit $rc: $* :: $(head -c 2000 "$tmp/err")"
}

queries=("sociala insatsgrupper" "SOCIALA INSATSGRUPPEN" "Trefas samverkan"
         '"utsatta områden"' '"vikten av att"' "skjutningar OR kameraövervakning"
         "sociala insatsgrupper -skjutningar" "sociala insatsgrupper xyzzyplugh"
         "Rinkeby-Kista" "xyzzyplugh")
# answers INDEX: every query's --json answer (took_ms dropped) and exit code,
# then stats without the path, to stdout.
answers() {
  local index=$1 q
  for q in "${queries[@]}"; do
    run as_reader "$SWSEARCH" search --index "$index" --json -n 10 -- "$q"
    [ "$rc" -le 1 ] || fail "query '$q' on $index exited $rc: $(cat "$tmp/err")"
    [ ! -s "$tmp/err" ] || fail "query '$q' on $index wrote to stderr: $(cat "$tmp/err")"
    echo "== $q: exit $rc"
    # (metadata fields: a format-1 index stores none, a fresh build does)
    sed -E 's/"took_ms": [0-9.]+, //; s/, "type": "[^"]*", "organs": "[^"]*", "parties": "[^"]*", "dnr": "[^"]*"//; s/"date": "[0-9-]*"/"date": ""/' "$tmp/out"
  done
  run as_reader "$SWSEARCH" stats --index "$index"
  [ "$rc" -eq 0 ] || fail "stats of $index exited $rc: $(cat "$tmp/err")"
  # (not the format line: the frozen index is format 1, a fresh one 2; not
  # the term count: the analysis chain may fold a rare character otherwise
  # than when it was frozen, which leaves every answer here unchanged)
  grep -E '^(documents|tokens|avg length) ' "$tmp/out"
}
# snapshot DIR: every path with its type, mode and content hash.
snapshot() {
  (cd "$1" && find . -printf '%p %y %m\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

# ------------------------------------------- what the frozen index holds --
# CURRENT and one generation; no LOCK (only writers take it; readers must not
# need it), no temporaries.
gen=$(tr -d '\n' <"$frozen/CURRENT")
[ "$gen" = gen-00000001 ] || fail "frozen CURRENT names '$gen', expected gen-00000001"
listing=$(cd "$frozen" && find . -mindepth 1 | sort | tr '\n' ' ')
want="./CURRENT ./gen-00000001 ./gen-00000001/doclens ./gen-00000001/docmeta ./gen-00000001/doctext ./gen-00000001/manifest ./gen-00000001/positions ./gen-00000001/postings ./gen-00000001/terms "
[ "$listing" = "$want" ] || fail "frozen index holds [$listing], expected [$want]"

# ------------------------------------------------------- a fresh build --
# A fresh build of the same five seeds (format 2) must find every document
# the frozen one finds; its scores differ since format 2 indexes more
# (title field for BM25F, identifiers), so the frozen index's own answers
# are compared with the answers it gave when format 2 came
# (tests/data/format-v1/answers.expected; SW_UPDATE_V1=1 rewrites it).
fresh="$tmp/fresh"
mkdir -p "$tmp/seeds"
cp "$SW_SOURCE_DIR"/corpus/[0-9][0-9][0-9]_*.txt "$tmp/seeds/"
run "$SWSEARCH" index --index "$fresh" "$tmp/seeds"
[ "$rc" -eq 0 ] || fail "fresh build exited $rc: $(cat "$tmp/err")"
answers "$fresh" >"$tmp/fresh.txt"
expected="$SW_SOURCE_DIR/tests/data/format-v1/answers.expected"

# ------------------------------------------------- in place, read-only --
snapshot "$frozen" >"$tmp/before.txt"
run as_reader "$SWSEARCH" check --index "$frozen"
[ "$rc" -eq 0 ] || fail "check of the frozen index in place exited $rc: $(cat "$tmp/err")"
answers "$frozen" >"$tmp/inplace.txt"
snapshot "$frozen" >"$tmp/after.txt"
diff "$tmp/before.txt" "$tmp/after.txt" >/dev/null \
  || fail "reading the frozen index changed the tree: $(diff "$tmp/before.txt" "$tmp/after.txt")"
if [ "${SW_UPDATE_V1:-}" = 1 ]; then cp "$tmp/inplace.txt" "$expected"; fi
diff -u "$expected" "$tmp/inplace.txt" >"$tmp/diff" \
  || { cat "$tmp/diff"; fail "the frozen v1 index (in place) answers differently from $expected"; }
# Every document the frozen index finds with every word, a fresh build finds
# too, query by query (a fresh one may find more: compound parts are indexed
# since format 2). Hits lacking a word are left out of the comparison: which
# of them rank is a matter of weights, and those differ between the formats.
for q in "${queries[@]}"; do
  for ix in "$fresh" "$frozen"; do
    run as_reader "$SWSEARCH" search --index "$ix" --json -n 100 -- "$q"
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); print(sorted(h["id"] for h in r["hits"] if r["partial"] or h["matched"] == r["clauses"]))' "$tmp/out" >"$tmp/ids-$(basename "$ix")"
  done
  python3 -c 'import ast,sys; a=set(ast.literal_eval(open(sys.argv[1]).read())); b=set(ast.literal_eval(open(sys.argv[2]).read())); sys.exit(0 if a <= b else 1)' "$tmp/ids-index" "$tmp/ids-fresh" \
    || fail "query '$q': the frozen index finds $(cat "$tmp/ids-index"), a fresh build only $(cat "$tmp/ids-fresh")"
done

# ---------------------------------------------- a copy without write bits --
ro="$tmp/ro"
cp -r "$frozen" "$ro"
chmod -R a-w "$ro"
snapshot "$ro" >"$tmp/ro-before.txt"
run as_reader "$SWSEARCH" check --index "$ro"
[ "$rc" -eq 0 ] || fail "check of a read-only copy exited $rc: $(cat "$tmp/err")"
answers "$ro" >"$tmp/ro.txt"
diff -u "$expected" "$tmp/ro.txt" >"$tmp/diff" \
  || { cat "$tmp/diff"; fail "the read-only copy of the v1 index answers differently from $expected"; }
snapshot "$ro" >"$tmp/ro-after.txt"
diff "$tmp/ro-before.txt" "$tmp/ro-after.txt" >/dev/null || fail "a reader changed the read-only copy"
chmod -R u+w "$ro"

# ------------------------------------------------- an unknown version --
# A helper that recomputes the XXH3-64 footers (FORMAT.md §0) and the
# manifest's per-file entries (§2), so a bumped version is the only thing
# wrong with the index. Built with the C compiler and libxxhash the project
# builds with.
cc=${CC:-cc}
command -v "$cc" >/dev/null || cc=gcc
refoot="$tmp/refoot"
cat >"$tmp/refoot.c" <<'EOF'
/* refoot GENDIR: rewrite the footer checksum of every file of a generation
** and the manifest's length/checksum entries, manifest last. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static unsigned char *slurp(const char *p, size_t *n) {
  FILE *f = fopen(p, "rb");
  if (!f) { perror(p); exit(1); }
  fseek(f, 0, SEEK_END);
  long l = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)l + 1);
  if (!b || fread(b, 1, (size_t)l, f) != (size_t)l) { perror(p); exit(1); }
  fclose(f);
  *n = (size_t)l;
  return b;
}
static void spit(const char *p, const unsigned char *b, size_t n) {
  FILE *f = fopen(p, "wb");
  if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) { perror(p); exit(1); }
}
static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
/* fix the footer of path; return the checksum and the length */
static uint64_t refoot(const char *path, uint64_t *len) {
  size_t n;
  unsigned char *b = slurp(path, &n);
  if (n < 32) { fprintf(stderr, "%s: too short\n", path); exit(1); }
  put64(b + n - 16, n);
  uint64_t h = XXH3_64bits(b, n - 8);
  put64(b + n - 8, h);
  spit(path, b, n);
  free(b);
  *len = n;
  return h;
}
int main(int argc, char **argv) {
  static const char *names[6] = {"terms", "postings", "positions",
                                 "doclens", "docmeta", "doctext"};
  char path[4096];
  if (argc != 2) { fprintf(stderr, "usage: refoot GENDIR\n"); return 2; }
  snprintf(path, sizeof path, "%s/manifest", argv[1]);
  size_t mn;
  unsigned char *m = slurp(path, &mn);
  if (mn != 264) { fprintf(stderr, "manifest: %zu bytes\n", mn); return 1; }
  for (int i = 0; i < 6; i++) {
    char p[4096];
    uint64_t len;
    snprintf(p, sizeof p, "%s/%s", argv[1], names[i]);
    uint64_t h = refoot(p, &len);
    unsigned char *e = m + 56 + 32 * i;
    if (strncmp((const char *)e, names[i], 16) != 0) {
      fprintf(stderr, "manifest entry %d is not %s\n", i, names[i]);
      return 1;
    }
    put64(e + 16, len);
    put64(e + 24, h);
  }
  spit(path, m, mn);
  free(m);
  uint64_t len;
  refoot(path, &len);
  return 0;
}
EOF
if ! "$cc" -std=c17 -O1 -o "$refoot" "$tmp/refoot.c" -lxxhash 2>"$tmp/cc.err"; then
  # Without a compiler (or xxhash.h) the footers cannot be fixed up. The
  # version is checked right after the magic, before the footer (FORMAT.md
  # §0), so the test still holds with the stale footers; say so.
  echo "note: could not build the footer helper ($(head -c 300 "$tmp/cc.err")); bumped files keep stale footers"
  refoot=""
fi
# The helper itself must be right: re-footing an intact copy keeps it sound.
if [ -n "$refoot" ]; then
  c="$tmp/refooted"
  rm -rf "$c"
  cp -r "$frozen" "$c"
  "$refoot" "$c/$gen" || fail "the footer helper failed on an intact copy"
  cmp -s "$frozen/$gen/terms" "$c/$gen/terms" || fail "the footer helper changed an intact file: it computes the wrong checksum"
  run "$SWSEARCH" check --index "$c"
  [ "$rc" -eq 0 ] || fail "check after re-footing an intact copy exited $rc: $(cat "$tmp/err")"
fi

# bump DIR FILE VERSION: write VERSION (u32 LE at offset 8) into FILE (or
# "all" files) of the copy's generation and fix the checksums up.
bump() {
  local dir=$1 which=$2 v=$3 f
  local files=(manifest terms postings positions doclens docmeta doctext)
  [ "$which" = all ] || files=("$which")
  for f in "${files[@]}"; do
    printf '%b' "$(printf '\\x%02x' "$v")" | dd of="$dir/$gen/$f" bs=1 seek=8 conv=notrunc status=none
  done
  [ -z "$refoot" ] || "$refoot" "$dir/$gen" || fail "footer helper failed on $dir"
}
# refused DIR FILE VERSION: check, search and stats all exit 2 naming the
# file, "index format VERSION" and what this build reads.
refused() {
  local dir=$1 file=$2 v=$3 what
  for what in check search stats; do
    case $what in
      search) run as_reader "$SWSEARCH" search --index "$dir" -- "sociala insatsgrupper" ;;
      *) run as_reader "$SWSEARCH" "$what" --index "$dir" ;;
    esac
    [ "$rc" -eq 2 ] || fail "$what of an index with $file at format $v: exit $rc, expected 2 :: $(cat "$tmp/out" "$tmp/err" | head -c 500)"
    grep -q "$file: index format $v; this build reads 1\.\.3" "$tmp/err" \
      || fail "$what of an index with $file at format $v: message does not name the file and the version: $(cat "$tmp/err")"
  done
}
for f in manifest terms postings positions doclens docmeta doctext; do
  c="$tmp/v2-$f"
  rm -rf "$c"
  cp -r "$frozen" "$c"
  bump "$c" "$f" 4
  refused "$c" "$f" 4
done
c="$tmp/v2-all"
cp -r "$frozen" "$c"
bump "$c" all 4
refused "$c" manifest 4
c="$tmp/v0-terms"
cp -r "$frozen" "$c"
bump "$c" terms 0
refused "$c" terms 0
# And a real v4 index copied over read-only is refused the same way.
chmod -R a-w "$tmp/v2-all"
refused "$tmp/v2-all" manifest 4
chmod -R u+w "$tmp/v2-all"

rm -rf "$tmp"
echo "format-v1 e2e: ok"
