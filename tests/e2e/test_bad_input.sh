#!/usr/bin/env bash
# Bad input and failures, end to end through the real binary:
#   (a) a full disk: a build under `ulimit -f` (SIGXFSZ ignored, so writes
#       fail with EFBIG) and, where a private mount namespace is allowed, on
#       a tiny tmpfs (ENOSPC) exits 2 naming the file, and the previous
#       index still answers exactly as before; with SIGXFSZ at its default
#       the build dies by the signal and the previous index still answers;
#   (b) builds killed with SIGKILL at several points (fractions of the time
#       an uninterrupted build takes, with the default and with a tiny
#       memory budget so sorted runs are on disk): the index answers exactly
#       as the old one (or, if the kill came after the publish, as the new
#       one), `check` passes, and the next build succeeds and leaves no
#       leftovers;
#   (c) an empty file, a binary file, invalid UTF-8, a 30 MB document, a
#       10,000-character token, a file over the document limit, a malformed
#       JSON line, a .jsonl cut mid-line and a truncated .jsonl.zst in one
#       build: each problem reported on stderr naming the file (and line),
#       everything else indexed and searchable; a JSON \u0000 escape;
#   (d) a query of 1,000 terms, over the term and byte limits, and
#       unbalanced quotes: exit 0/1 with results or 2 with a message, never
#       a crash;
#   (e) a second writer while the lock is held is refused with a clear
#       message, and readers keep working;
#   (f) readers during 20 publishes always see a whole index;
#   (g) a 100 MB document and a million-word document (1,000,000 distinct
#       words), generated here, indexed whole and searchable to the end;
#   (h) directories, symlink loops (to an ancestor, between two
#       directories, a file to itself, two files to each other), dangling
#       links, a FIFO, unreadable files and directories (as the user nobody
#       when run as root; SKIP where that is impossible), an unwritable
#       index directory, an unreadable index, --index naming a file or a
#       directory without an index;
#   (i) duplicate ids in one build: the last one read wins, each reported;
#   (j) bad input to add, delete (unknown ids) and optimize;
#   (k) an index whose commit point or segment says format 4: add, delete,
#       optimize and search refuse it naming the file and change nothing.
# tests/README.md tabulates every bad input and where it is checked.
# Every case asserts on the exit code and on stderr. A signal death of the
# binary (exit >= 128) fails the test, except where the test sends the
# signal itself (SIGKILL, SIGXFSZ).
#
# ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo root), SW_TMP (scratch).
set -eu
: "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
export LC_ALL=C

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "note: $*"; }
tmp="$SW_TMP/bad-input"
rm -rf "$tmp"
mkdir -p "$tmp"
export SWSEARCH_INDEX="$tmp/no-default-index"
unset XDG_DATA_HOME

# run CMD...: stdout/stderr in $tmp/out, $tmp/err, exit code in $rc; a
# signal death fails at once.
run() {
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -lt 128 ] || fail "crashed with exit $rc: $(printf '%.200s ' "$@") :: $(head -c 2000 "$tmp/err")"
}
expect_rc() { # WANT WHAT
  [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 :: $(head -c 1000 "$tmp/err")"
}
expect_err() { # ERE WHAT
  grep -Eq -- "$1" "$tmp/err" || fail "$2: stderr does not match /$1/: $(head -c 1000 "$tmp/err")"
}

# answers INDEX: every query's --json answer without took_ms, with its exit
# code: what "the index answers identically" compares.
queries=("sociala insatsgrupper" "Trefas samverkan" '"utsatta områden"'
         "skjutningar OR kameraövervakning" "samverkan -Rinkeby"
         "sociala insatsgrupper xyzzyplugh" "xyzzyplugh")
answers() {
  local index=$1 q
  for q in "${queries[@]}"; do
    run "$SWSEARCH" search --index "$index" --json -n 5 -- "$q"
    [ "$rc" -le 1 ] || fail "query '$q' on $index exited $rc: $(cat "$tmp/err")"
    echo "== $q: exit $rc"
    sed -E 's/"took_ms": [0-9.]+, //' "$tmp/out"
  done
}
same_answers() { # INDEX REFERENCE WHAT
  answers "$1" >"$tmp/got.txt"
  diff -u "$2" "$tmp/got.txt" >"$tmp/diff" || { head -40 "$tmp/diff"; fail "$3: the index answers differently"; }
}
check_ok() { # INDEX WHAT
  run "$SWSEARCH" check --index "$1"
  [ "$rc" -eq 0 ] || fail "$2: check exited $rc: $(cat "$tmp/out" "$tmp/err" | head -c 1000)"
}
# live_parts INDEX: the commit point CURRENT names and the segment
# directories that commit point lists (their names are stored in it), one a
# line.
live_parts() {
  local cur
  cur=$(tr -d '\n' <"$1/CURRENT")
  echo "$cur"
  grep -ao 'seg-[0-9]\{8\}' "$1/$cur" | sort -u
}
# no_leftovers INDEX WHAT: only LOCK, CURRENT, the live commit point and its
# segments, each segment with exactly its seven files.
no_leftovers() {
  local extra p
  extra=$(cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | grep -vxF -e LOCK -e CURRENT $(live_parts "$1" | sed 's/^/-e /') | sort | tr '\n' ' ') || true
  [ -z "$extra" ] || fail "$2: leftovers in the index directory: $extra"
  for p in $(live_parts "$1" | grep '^seg-'); do
    extra=$(cd "$1/$p" && find . -mindepth 1 -printf '%P\n' | grep -v -E '^(manifest|terms|postings|positions|doclens|docmeta|doctext)$' | tr '\n' ' ') || true
    [ -z "$extra" ] || fail "$2: unexpected files in the live segment $p: $extra"
  done
}

# gen_corpus DIR N: N generated .txt documents in 30 sub-directories, about
# 2 KB each, with words the seeds also have (so scores change with N).
gen_corpus() {
  mkdir -p "$1"
  awk -v dir="$1" -v ndocs="$2" 'BEGIN {
    srand(11)
    n = split("och att det som en på är för med till av den har de inte om ett men var sig så kommunen staden nämnden förvaltningen beslut ärendet samverkan trygghet fritidsgård ungdomar skola budget sociala", w, " ")
    for (d = 0; d < ndocs; d++) {
      sub_ = sprintf("%s/d%02d", dir, d % 30)
      if (d < 30) system("mkdir -p " sub_)
      f = sprintf("%s/doc%04d.txt", sub_, d)
      print "Genererat dokument " d > f
      print "" > f
      line = ""
      for (i = 0; i < 300; i++) {
        line = line w[int(rand() * n) + 1] " "
        if (i % 15 == 14) { print line "ordnr" (d * 7 + i) > f; line = "" }
      }
      close(f)
    }
  }'
}

# ------------------------------------------------------------ set-up --
seeds="$SW_SOURCE_DIR/corpus"
base="$tmp/base" # the seeds, built normally: the "previous index"
run "$SWSEARCH" index --index "$base" "$seeds"
expect_rc 0 "index of the seeds"
answers "$base" >"$tmp/old.txt"
gen="$tmp/gen3k"
gen_corpus "$gen" 3000
newref="$tmp/newref" # what a complete rebuild from seeds + gen3k answers
run "$SWSEARCH" index --index "$newref" "$seeds" "$gen"
expect_rc 0 "index of seeds + 3000 generated documents"
grep -q '^indexed 3005 documents (0 skipped) from 3005 files' "$tmp/out" || fail "generated corpus: $(cat "$tmp/out")"
answers "$newref" >"$tmp/new.txt"
! cmp -s "$tmp/old.txt" "$tmp/new.txt" || fail "set-up: old and new answers should differ"

# ------------------------------------------------- (a) a full disk --
# ulimit -f 64 (64 KiB) with SIGXFSZ ignored: write() fails with EFBIG.
ix="$tmp/fsz"
cp -r "$base" "$ix"
rc=0
( ulimit -f 64; trap '' XFSZ; exec "$SWSEARCH" index --index "$ix" "$seeds" "$gen" ) >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -lt 128 ] || fail "(a) build under ulimit -f died with exit $rc: $(cat "$tmp/err")"
expect_rc 2 "(a) build under ulimit -f 64"
expect_err "^swsearch: .*$ix/seg-[0-9]{8}/[a-z0-9.-]+: File too large$" "(a) build under ulimit -f 64"
same_answers "$ix" "$tmp/old.txt" "(a) after a build failed on EFBIG"
check_ok "$ix" "(a) after a build failed on EFBIG"
# The failed build removed its own partial generation (a full disk stays no
# fuller than before).
no_leftovers "$ix" "(a) after a build failed on EFBIG"
run "$SWSEARCH" index --index "$ix" "$seeds" "$gen"
expect_rc 0 "(a) the next build, without the limit"
same_answers "$ix" "$tmp/new.txt" "(a) the next build"

# The same with SIGXFSZ at its default: the kernel kills the build (exit
# 128 + SIGXFSZ); that is the signal's job, and the old index must survive.
ix="$tmp/fsz-sig"
cp -r "$base" "$ix"
rc=0
{ ( ulimit -f 64; trap - XFSZ; exec "$SWSEARCH" index --index "$ix" "$seeds" "$gen" ) >"$tmp/out" 2>"$tmp/err" || rc=$?; } 2>/dev/null
[ "$rc" -eq 2 ] || [ "$rc" -eq $((128 + $(kill -l XFSZ))) ] || fail "(a) build killed by SIGXFSZ: exit $rc :: $(cat "$tmp/err")"
same_answers "$ix" "$tmp/old.txt" "(a) after a build killed by SIGXFSZ"
check_ok "$ix" "(a) after a build killed by SIGXFSZ"

# A real ENOSPC: a 1 MiB tmpfs in a private mount namespace (as root, or in
# a user namespace of our own; skipped with a note where neither is allowed).
mnt="$tmp/tiny"
mkdir -p "$mnt"
ns=()
if unshare -m -- sh -c "mount -t tmpfs -o size=1m tmpfs '$mnt'" 2>/dev/null; then
  ns=(unshare -m --)
elif unshare -r -m -- sh -c "mount -t tmpfs -o size=1m tmpfs '$mnt'" 2>/dev/null; then
  ns=(unshare -r -m --) # unprivileged: a user namespace of our own
fi
if [ ${#ns[@]} -gt 0 ]; then
  cat >"$tmp/enospc.sh" <<'EOF'
set -u
mnt=$1 seeds=$2 gen=$3 out=$4
mount -t tmpfs -o size=1m tmpfs "$mnt" || exit 90
"$SWSEARCH" index --index "$mnt/ix" "$seeds" >"$out/1.out" 2>"$out/1.err"; echo $? >"$out/1.rc"
(cd "$mnt/ix" && find . | sort) >"$out/0.list"
"$SWSEARCH" index --index "$mnt/ix" "$seeds" "$gen" >"$out/2.out" 2>"$out/2.err"; echo $? >"$out/2.rc"
while IFS= read -r q; do
  r=0
  "$SWSEARCH" search --index "$mnt/ix" --json -n 5 -- "$q" >"$out/q.out" 2>>"$out/q.err" || r=$?
  echo "== $q: exit $r"
  sed -E 's/"took_ms": [0-9.]+, //' "$out/q.out"
done <"$out/queries.txt" >"$out/3.answers"
"$SWSEARCH" check --index "$mnt/ix" >"$out/4.out" 2>&1; echo $? >"$out/4.rc"
(cd "$mnt/ix" && find . | sort) >"$out/5.list"
# the space of the failed build is free again: the seeds build once more
"$SWSEARCH" index --index "$mnt/ix" "$seeds" >"$out/6.out" 2>"$out/6.err"; echo $? >"$out/6.rc"
EOF
  mkdir -p "$tmp/enospc"
  printf '%s\n' "${queries[@]}" >"$tmp/enospc/queries.txt" # as answers() asks them
  rc=0
  "${ns[@]}" bash "$tmp/enospc.sh" "$mnt" "$seeds" "$gen" "$tmp/enospc" || rc=$?
  [ "$rc" -eq 0 ] || fail "(a) ENOSPC script exited $rc"
  e="$tmp/enospc"
  [ "$(cat "$e/1.rc")" -eq 0 ] || fail "(a) seeds build on a 1 MiB tmpfs: $(cat "$e/1.err")"
  r2=$(cat "$e/2.rc")
  [ "$r2" -lt 128 ] || fail "(a) build on a full tmpfs crashed: exit $r2 :: $(cat "$e/2.err")"
  [ "$r2" -eq 2 ] || fail "(a) build on a full tmpfs: exit $r2, expected 2 :: $(cat "$e/2.err")"
  grep -Eq "^swsearch: .*$mnt/ix/seg-[0-9]{8}/[a-z0-9.-]+: No space left on device$" "$e/2.err" \
    || fail "(a) build on a full tmpfs: message: $(cat "$e/2.err")"
  diff -u "$tmp/old.txt" "$e/3.answers" >"$tmp/diff" || { head -40 "$tmp/diff"; fail "(a) after ENOSPC the old index answers differently"; }
  [ "$(cat "$e/4.rc")" -eq 0 ] || fail "(a) check after ENOSPC: $(cat "$e/4.out")"
  cmp -s "$e/0.list" "$e/5.list" \
    || fail "(a) after ENOSPC the index directory holds: $(tr '\n' ' ' <"$e/5.list"), before: $(tr '\n' ' ' <"$e/0.list")"
  [ "$(cat "$e/6.rc")" -eq 0 ] || fail "(a) a build after ENOSPC (space freed?): $(cat "$e/6.err")"
  echo "(a) ENOSPC on a 1 MiB tmpfs: exit 2 naming the file, the old index intact"
else
  note "(a) no private mount namespace here; the ENOSPC case on a tiny tmpfs did not run"
fi

# ----------------------------------------------- (b) killed builds --
# Time an uninterrupted build, then kill builds at fractions of that time.
# The timing only picks the moments; every assertion holds for any moment.
t0=$EPOCHREALTIME
run "$SWSEARCH" index --index "$tmp/timing" "$seeds" "$gen"
t1=$EPOCHREALTIME
expect_rc 0 "(b) timing build"
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
ix="$tmp/killed"
cp -r "$base" "$ix"
midway=0
for mem in 256 1; do
  for frac in 0.05 0.15 0.3 0.45 0.6 0.75 0.9 0.98; do
    delay=$(awk -v f="$full" -v x="$frac" 'BEGIN { printf "%.3f", f * x }')
    "$SWSEARCH" index --mem "$mem" --index "$ix" "$seeds" "$gen" >"$tmp/kill.out" 2>"$tmp/kill.err" &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    krc=0
    { wait "$pid" || krc=$?; } 2>/dev/null # no "Killed" from the shell
    what="(b) build --mem $mem killed after ${delay}s of ${full}s"
    if [ "$krc" -eq 137 ]; then
      # Killed: the old index serves, unless the kill came after the publish.
      # The leftovers stay for the next round's writer to clean up.
      answers "$ix" >"$tmp/got.txt"
      if cmp -s "$tmp/got.txt" "$tmp/old.txt"; then
        midway=$((midway + 1))
      elif cmp -s "$tmp/got.txt" "$tmp/new.txt"; then
        note "$what: killed after the publish; the new index serves"
      else
        diff -u "$tmp/old.txt" "$tmp/got.txt" | head -40
        fail "$what: the index answers neither as the old nor as the new one"
      fi
      check_ok "$ix" "$what"
    elif [ "$krc" -eq 0 ]; then
      note "$what: the build had already finished"
      same_answers "$ix" "$tmp/new.txt" "$what (finished)"
    else
      fail "$what: exit $krc :: $(cat "$tmp/kill.err")"
    fi
    # Back to the old index when the new one was published.
    if ! answers "$ix" | cmp -s - "$tmp/old.txt"; then
      rm -rf "$ix"
      cp -r "$base" "$ix"
    fi
  done
done
[ "$midway" -gt 0 ] || fail "(b) no kill landed before the publish (builds took about ${full}s); the case tested nothing"
echo "(b) $midway builds killed before the publish; the old index served each time"
# Leave the leftovers of one last killed build, then build for real: it
# succeeds and removes them.
"$SWSEARCH" index --mem 1 --index "$ix" "$seeds" "$gen" >/dev/null 2>&1 &
pid=$!
sleep "$(awk -v f="$full" 'BEGIN { printf "%.3f", f * 0.5 }')"
kill -KILL "$pid" 2>/dev/null || true
{ wait "$pid" || true; } 2>/dev/null
run "$SWSEARCH" index --index "$ix" "$seeds" "$gen"
expect_rc 0 "(b) the build after the killed ones"
[ ! -s "$tmp/err" ] || fail "(b) the build after the killed ones warned: $(cat "$tmp/err")"
no_leftovers "$ix" "(b) the build after the killed ones"
same_answers "$ix" "$tmp/new.txt" "(b) the build after the killed ones"
check_ok "$ix" "(b) the build after the killed ones"

# ------------------------------------------------- (c) bad input --
bad="$tmp/bad"
mkdir -p "$bad/sub"
printf 'Ett bra dokument\n\nom avhopparverksamhet i staden\n' >"$bad/good.txt"
: >"$bad/empty.txt"
printf 'Binär\n\nbin\0ary binärord\n' >"$bad/binary.txt"
printf 'Fel kodning\n\nfritidsg\xe5rdar och kvarnhjul\n' >"$bad/latin1.txt"
# A 30 MB document with one marker word at its start, middle and end.
awk 'BEGIN {
  srand(7)
  n = split("och att det som en på är för med till av den har de inte om ett men var sig så kommunen staden nämnden förvaltningen beslut ärendet samverkan trygghet", w, " ")
  print "Ett mycket stort dokument"; print ""; print "början jättealfa"
  line = ""
  for (i = 0; i < 5600000; i++) {
    line = line w[int(rand() * n) + 1] " "
    if (i % 15 == 14) { print line; line = "" }
    if (i == 2800000) print "mitten jättebeta"
  }
  print "slutet jättegamma"
}' >"$bad/huge.txt"
# Over the document limit (256 MiB): a sparse file, refused by its size
# before anything is read.
truncate -s 300M "$bad/overlimit.txt"
huge_bytes=$(stat -c %s "$bad/huge.txt")
[ "$huge_bytes" -gt 30000000 ] || fail "(c) the generated document is only $huge_bytes bytes"
long=$(printf 'å%.0s' $(seq 1 5000))$(printf 'x%.0s' $(seq 1 5000)) # 10,000 characters
printf 'Lång token\n\nföre %s efter långtokenord\n' "$long" >"$bad/longtoken.txt"
{
  printf '{"id":"j1","title":"Rad ett","text":"jsonlord ett"}\n'
  printf '{"id":"j2","title":"Trasig", "text": \n'
  printf '{"id":"j3","title":"Rad tre","text":"jsonlord tre"}\n'
} >"$bad/sub/lines.jsonl"
# A plain .jsonl cut in the middle of its last line (no closing quote, brace
# or newline): the whole lines before the cut are indexed.
printf '{"id":"k1","title":"Hel","text":"avkortord hel"}\n{"id":"k2","title":"Halv","text":"avkortord ha' >"$bad/sub/cutplain.jsonl"
# A .jsonl.zst cut in half. The frame is written here by hand (RFC 8878: no
# checksum, 1 KiB window, raw blocks of 1 KiB), so no zstd tool is needed;
# the whole frame is checked to index completely first.
zst_raw() { # IN OUT
  local in=$1 out=$2 size off=0 n last h
  size=$(stat -c %s "$in")
  {
    printf '\x28\xb5\x2f\xfd\x00\x00'
    while :; do
      n=$((size - off)); last=0
      if [ "$n" -le 1024 ]; then last=1; else n=1024; fi
      h=$(((n << 3) | last))
      printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x' $((h & 255)) $(((h >> 8) & 255)) $(((h >> 16) & 255)))"
      tail -c +$((off + 1)) "$in" | head -c "$n"
      off=$((off + n))
      [ "$last" -eq 0 ] || break
    done
  } >"$out"
}
for i in $(seq 1 200); do printf '{"id":"z%d","text":"zstdord nummer%d"}\n' "$i" "$i"; done >"$tmp/z.jsonl"
mkdir -p "$tmp/zfull"
zst_raw "$tmp/z.jsonl" "$tmp/zfull/full.jsonl.zst"
run "$SWSEARCH" index --index "$tmp/zfull-ix" "$tmp/zfull"
expect_rc 0 "(c) the whole hand-made .jsonl.zst"
grep -q '^indexed 200 documents (0 skipped) from 1 file' "$tmp/out" || fail "(c) the hand-made zstd frame is not valid: $(cat "$tmp/out" "$tmp/err")"
zsize=$(stat -c %s "$tmp/zfull/full.jsonl.zst")
head -c $((zsize / 2)) "$tmp/zfull/full.jsonl.zst" >"$bad/sub/cut.jsonl.zst"

bix="$tmp/bad-index"
run "$SWSEARCH" index --index "$bix" "$bad"
expect_rc 0 "(c) index of partly bad input"
expect_err "^swsearch: $bad/empty.txt: empty file; skipped$" "(c) empty file"
expect_err "^swsearch: $bad/binary.txt: binary file \(NUL byte at offset 11\); skipped$" "(c) binary file"
expect_err "^swsearch: $bad/latin1.txt: 1 invalid UTF-8 sequence replaced$" "(c) invalid UTF-8"
expect_err "^swsearch: $bad/overlimit.txt: file of 314572800 bytes exceeds the document limit of 268435456 bytes; skipped$" "(c) a document over the limit"
expect_err "^swsearch: $bad/sub/lines.jsonl:2: malformed JSON: .+; line skipped$" "(c) malformed JSON line"
expect_err "^swsearch: $bad/sub/cutplain.jsonl:2: malformed JSON: .+; line skipped$" "(c) a .jsonl cut mid-line"
expect_err "^swsearch: $bad/sub/cut.jsonl.zst: truncated zstd stream \(after [0-9]+ lines\); rest of file skipped$" "(c) truncated .jsonl.zst"
if grep -Eq "huge.txt|longtoken.txt|good.txt" "$tmp/err"; then
  fail "(c) a good, huge or long-token document was reported: $(cat "$tmp/err")"
fi
[ "$(wc -l <"$tmp/err")" -eq 7 ] || fail "(c) expected exactly 7 problems on stderr: $(cat "$tmp/err")"
zlines=$(sed -nE 's/.*truncated zstd stream \(after ([0-9]+) lines\).*/\1/p' "$tmp/err")
[ "$zlines" -gt 0 ] && [ "$zlines" -lt 200 ] || fail "(c) truncated .jsonl.zst: $zlines lines before the cut"
docs=$((4 + 3 + zlines)) # good latin1 huge longtoken, j1 j3 k1, the cut file's lines
grep -q "^indexed $docs documents (6 skipped) from 10 files" "$tmp/out" \
  || fail "(c) summary: expected $docs documents, 6 skipped, 10 files: $(cat "$tmp/out")"

hits() { # QUERY: $got = sorted ids, $rc
  run "$SWSEARCH" search --index "$bix" --json -n 1000 -- "$1"
  [ "$rc" -le 1 ] || fail "(c) query '$1' exited $rc: $(cat "$tmp/err")"
  got=$(grep -o '"id": "[^"]*"' "$tmp/out" | sed 's/"id": "//; s/"$//' | sort | tr '\n' ' ' | sed 's/ $//')
}
hits avhopparverksamhet;  [ "$got" = good.txt ] || fail "(c) good.txt: [$got]"
hits kvarnhjul;           [ "$got" = latin1.txt ] || fail "(c) the document with invalid UTF-8: [$got]"
hits binärord;            [ -z "$got" ] && [ "$rc" -eq 1 ] || fail "(c) the binary file was indexed: [$got]"
hits jsonlord;            [ "$got" = "j1 j3" ] || fail "(c) the good JSON lines: [$got]"
hits avkortord;           [ "$got" = "k1" ] || fail "(c) the whole line before a mid-line cut: [$got]"
hits zstdord
[ "$(echo "$got" | wc -w)" -eq "$zlines" ] || fail "(c) the lines before the cut: $(echo "$got" | wc -w) indexed, $zlines reported"
for w in jättealfa jättebeta jättegamma; do
  hits "$w"
  [ "$got" = huge.txt ] || fail "(c) the 30 MB document, '$w': [$got]"
  grep -q "\[$w\]" "$tmp/out" || fail "(c) the 30 MB document, '$w': no highlighted snippet: $(head -c 600 "$tmp/out")"
done
hits långtokenord;        [ "$got" = longtoken.txt ] || fail "(c) the document with a 10,000-character token: [$got]"
# The token itself is cut to 256 bytes in documents and queries alike.
hits "$long";             [ "$got" = longtoken.txt ] || fail "(c) the 10,000-character token as a query: [$got]"
hits "\"före $long efter\""; [ "$got" = longtoken.txt ] || fail "(c) a phrase around the long token: [$got]"
check_ok "$bix" "(c) the index of partly bad input"

# A JSON text holding the escape \u0000: cJSON strings end at NUL, so intake
# reads the escape as a space and reports it; the text after it is indexed.
mkdir -p "$tmp/nul"
printf '{"id":"n1","text":"före\\u0000efterord och \\\\u0000 kvar"}\n' >"$tmp/nul/nul.jsonl"
run "$SWSEARCH" index --index "$tmp/nul-ix" "$tmp/nul"
expect_rc 0 "(c) a JSON text with \\u0000"
expect_err "nul.jsonl:1: 1 .u0000 \\(NUL\\) escape read as space" "(c) a JSON text with \\u0000 is reported"
run "$SWSEARCH" search --index "$tmp/nul-ix" --json -- efterord
expect_rc 0 "(c) the text after \\u0000 is indexed"
run "$SWSEARCH" search --index "$tmp/nul-ix" --json -- kvar
expect_rc 0 "(c) an escaped backslash before u0000 is left alone"

# ----------------------------------------------------- (d) queries --
q1000=""
for i in $(seq 1 1000); do q1000+="ord$i "; done
run "$SWSEARCH" search --index "$base" -- "$q1000"
expect_rc 1 "(d) 1,000 terms, none in the index"
grep -q '^No hits for "ord1 ord2 ' "$tmp/out" || fail "(d) 1,000 terms: $(head -c 300 "$tmp/out")"
run "$SWSEARCH" search --index "$base" --json -- "${q1000}xyzzy sociala"
expect_rc 0 "(d) 1,002 terms, one present (partial mode)"
q=""
for i in $(seq 1 999); do q+="ord$i "; done
run "$SWSEARCH" search --index "$base" --json -- "${q}sociala"
expect_rc 0 "(d) 999 missing terms and one present (partial mode)"
grep -q '"partial": true' "$tmp/out" || fail "(d) 1,000 terms with one present: not partial"
q=""
for i in $(seq 1 1000); do q+="-ord$i "; done
run "$SWSEARCH" search --index "$base" --json -- "${q}sociala"
expect_rc 0 "(d) 1,000 exclusions"
q=""
for i in $(seq 1 999); do q+="ord$i OR "; done
run "$SWSEARCH" search --index "$base" --json -- "${q}sociala"
expect_rc 0 "(d) 1,000 alternatives"
run "$SWSEARCH" search --index "$base" -- "\"${q1000% }\""
expect_rc 1 "(d) a phrase of 1,000 words"
q=""
for i in $(seq 1 1000); do q+="och "; done
run "$SWSEARCH" search --index "$base" --json -- "$q"
expect_rc 0 "(d) 1,000 stop words"
q=""
for i in $(seq 1 1025); do q+="ord$i "; done
run "$SWSEARCH" search --index "$base" -- "$q"
expect_rc 2 "(d) 1,025 terms"
expect_err 'too many terms \(more than 1024\) at column [0-9]+$' "(d) 1,025 terms"
[ ! -s "$tmp/out" ] || fail "(d) 1,025 terms printed to stdout"
run "$SWSEARCH" search --index "$base" -- "$(head -c 70000 /dev/zero | tr '\0' a)"
expect_rc 2 "(d) a query of 70,000 bytes"
expect_err '^swsearch: query is 70000 bytes; the limit is 65536$' "(d) a query of 70,000 bytes"
for q in '"' '"""' '"a "b"' 'sociala "insats' '-"' '„sociala insatsgrupper' 'a OR "b' '"sociala" "'; do
  run "$SWSEARCH" search --index "$base" -- "$q"
  expect_rc 2 "(d) unbalanced quotes: $q"
  expect_err '^swsearch: .*unbalanced quote at column [0-9]+$' "(d) unbalanced quotes: $q"
done

# -------------------------------------------- (e) a second writer --
# The lock is held by a process of this test (flock on DIR/LOCK, as a
# writer takes it) until the test says so: no race.
ix="$tmp/locked"
cp -r "$base" "$ix"
command -v flock >/dev/null || fail "(e) flock(1) is needed"
( exec 9>>"$ix/LOCK"; flock -x 9; : >"$tmp/locked.ready"; exec sleep 120 ) &
holder=$!
trap 'kill "$holder" 2>/dev/null || true' EXIT # a failure must not wait for it
for _ in $(seq 1 500); do [ -e "$tmp/locked.ready" ] && break; sleep 0.01; done
[ -e "$tmp/locked.ready" ] || { kill "$holder"; fail "(e) the lock holder did not start"; }
locked_before=$(cd "$ix" && find . | sort)
run "$SWSEARCH" index --index "$ix" "$seeds" "$gen"
expect_rc 2 "(e) a second writer"
expect_err "^swsearch: $ix: index is being written by another process( \(pid [0-9]+\))?$" "(e) a second writer"
same_answers "$ix" "$tmp/old.txt" "(e) readers while the lock is held"
[ "$(cd "$ix" && find . | sort)" = "$locked_before" ] || fail "(e) the refused writer touched the index directory: $(cd "$ix" && find . | sort | tr '\n' ' ')"
kill "$holder"
wait "$holder" 2>/dev/null || true
trap - EXIT
run "$SWSEARCH" index --index "$ix" "$seeds"
expect_rc 0 "(e) a writer after the lock was released"
# Two real swsearch writers, best effort: a second writer is started as soon
# as the first one's new generation exists (the first holds the lock from
# before it creates it until it has published). Either the second is
# refused with the message, and the first one's index serves; or the first
# had already released the lock, the second succeeds and publishes after it,
# and the seeds-only index serves. Anything else (both failing, a mixed or
# unreadable index) fails.
live_before=$(live_parts "$ix")
"$SWSEARCH" index --mem 1 --index "$ix" "$seeds" "$gen" >"$tmp/w1.out" 2>"$tmp/w1.err" &
w1=$!
second=none
for _ in $(seq 1 4000); do
  if (cd "$ix" && find . -mindepth 1 -maxdepth 1 -name 'seg-*' -printf '%P\n') | grep -qvxF "$live_before"; then
    run "$SWSEARCH" index --index "$ix" "$seeds"
    second=$rc
    cp "$tmp/err" "$tmp/w2.err"
    break
  fi
  kill -0 "$w1" 2>/dev/null || break
  sleep 0.002
done
w1rc=0
wait "$w1" || w1rc=$?
[ "$w1rc" -eq 0 ] || fail "(e) the first writer exited $w1rc: $(cat "$tmp/w1.err")"
case $second in
  2)
    grep -Eq "^swsearch: $ix: index is being written by another process( \(pid [0-9]+\))?$" "$tmp/w2.err" \
      || fail "(e) a second swsearch writer during a build: $(cat "$tmp/w2.err")"
    same_answers "$ix" "$tmp/new.txt" "(e) after the first writer finished" ;;
  0)
    note "(e) the first writer had released the lock before the second started"
    same_answers "$ix" "$tmp/old.txt" "(e) after the second writer published last" ;;
  none)
    note "(e) the first build finished before a second writer could be started during it"
    same_answers "$ix" "$tmp/new.txt" "(e) after the first writer finished" ;;
  *) fail "(e) a second swsearch writer during a build: exit $second :: $(cat "$tmp/w2.err")" ;;
esac
check_ok "$ix" "(e) after two writers"
no_leftovers "$ix" "(e) after two writers"

# ------------------------------- (f) readers during repeated publishes --
# 20 rebuilds of the same seeds while searches and checks run: every search
# answers exactly as the seeds index does, every check passes (readers never
# see half a generation or one that is being removed).
ix="$tmp/race"
cp -r "$base" "$ix"
( for _ in $(seq 1 20); do "$SWSEARCH" index --index "$ix" "$seeds" >/dev/null 2>>"$tmp/race-build.err" || echo fail >>"$tmp/race-build.err"; done ) &
builder=$!
reads=0
while kill -0 "$builder" 2>/dev/null; do
  reads=$((reads + 1))
  run "$SWSEARCH" search --index "$ix" --json -n 5 -- "sociala insatsgrupper"
  [ "$rc" -eq 0 ] || { kill "$builder" 2>/dev/null; fail "(f) a search during a publish exited $rc: $(cat "$tmp/err")"; }
  sed -E 's/"took_ms": [0-9.]+, //' "$tmp/out" >"$tmp/race.got"
  if [ "$reads" -eq 1 ]; then
    answers "$base" | sed -n '/^== sociala insatsgrupper:/,/^== /p' | sed '1d;$d' >"$tmp/race.want"
  fi
  cmp -s "$tmp/race.want" "$tmp/race.got" || { kill "$builder" 2>/dev/null; diff "$tmp/race.want" "$tmp/race.got" | head; fail "(f) a search during a publish answered differently"; }
  if [ $((reads % 4)) -eq 0 ]; then
    run "$SWSEARCH" check --index "$ix"
    [ "$rc" -eq 0 ] || { kill "$builder" 2>/dev/null; fail "(f) check during a publish exited $rc: $(cat "$tmp/out" "$tmp/err" | head -c 600)"; }
  fi
done
wait "$builder"
[ ! -s "$tmp/race-build.err" ] || fail "(f) the rebuilds failed: $(cat "$tmp/race-build.err")"
# A commit point a reader held during the last publish stays until the next
# writer runs (FORMAT.md §1): one more rebuild, with no reader, clears it.
run "$SWSEARCH" index --index "$ix" "$seeds"
expect_rc 0 "(f) a rebuild after the readers are gone"
no_leftovers "$ix" "(f) after 20 rebuilds"
echo "(f) $reads searches during 20 publishes, all identical"

# ------------------- (g) a 100 MB document and a million-word document --
# Generated here (never committed): a 100 MiB .txt of common words with one
# marker word at its start, middle and end, and a document of 1,000,000
# distinct words mo0 ... mo999999. Both are indexed whole, without a
# warning; the markers, the first, middle and last words, and a phrase at
# the millionth position are found.
big="$tmp/big"
mkdir -p "$big"
awk 'BEGIN {
  srand(5)
  n = split("och att det som en på är för med till av den har de inte om ett men var sig så kommunen staden nämnden förvaltningen beslut ärendet samverkan trygghet", w, " ")
  print "Hundra megabyte"; print ""; print "början hundraalfa"
  target = 100 * 1024 * 1024; bytes = 0; line = ""; i = 0
  while (bytes < target) {
    line = line w[int(rand() * n) + 1] " "
    if (++i % 15 == 0) { print line; bytes += length(line) + 1; line = "" }
    if (i == 7000000) print "mitten hundrabeta"
  }
  print "slutet hundragamma"
}' >"$big/hundred.txt"
awk 'BEGIN {
  print "Miljon ord"; print ""
  for (i = 0; i < 1000000; i++) printf "mo%d%s", i, (i % 20 == 19) ? "\n" : " "
}' >"$big/million.txt"
printf 'Liten\n\nlitenord bredvid de stora\n' >"$big/small.txt"
hb=$(stat -c %s "$big/hundred.txt")
[ "$hb" -ge $((100 * 1024 * 1024)) ] || fail "(g) the generated document is only $hb bytes"
[ "$(wc -w <"$big/million.txt")" -eq 1000002 ] || fail "(g) the million-word document has $(wc -w <"$big/million.txt") words"
run "$SWSEARCH" index --index "$tmp/big-ix" "$big"
expect_rc 0 "(g) a 100 MB and a million-word document"
[ ! -s "$tmp/err" ] || fail "(g) warnings for documents within the limits: $(cat "$tmp/err")"
grep -q '^indexed 3 documents (0 skipped) from 3 files' "$tmp/out" || fail "(g) summary: $(cat "$tmp/out")"
hits_in() { # INDEX QUERY: $got = sorted ids, $rc; the JSON stays in $tmp/out
  run "$SWSEARCH" search --index "$1" --json -n 1000 -- "$2"
  [ "$rc" -le 1 ] || fail "query '$2' on $1 exited $rc: $(cat "$tmp/err")"
  got=$(grep -o '"id": "[^"]*"' "$tmp/out" | sed 's/"id": "//; s/"$//' | sort | tr '\n' ' ' | sed 's/ $//')
}
for w in hundraalfa hundrabeta hundragamma; do
  hits_in "$tmp/big-ix" "$w"
  [ "$got" = hundred.txt ] || fail "(g) the 100 MB document, '$w': [$got]"
  grep -q "\[$w\]" "$tmp/out" || fail "(g) the 100 MB document, '$w': no highlighted snippet"
done
for q in mo0 mo500000 mo999999 '"mo999998 mo999999"' '"mo0 mo1 mo2"' 'mo0 mo999999'; do
  hits_in "$tmp/big-ix" "$q"
  [ "$got" = million.txt ] || fail "(g) the million-word document, '$q': [$got]"
done
hits_in "$tmp/big-ix" mo1000000
[ "$rc" -eq 1 ] || fail "(g) a word past the million found: [$got]"
hits_in "$tmp/big-ix" litenord
[ "$got" = small.txt ] || fail "(g) the small document beside the big ones: [$got]"
run "$SWSEARCH" stats --index "$tmp/big-ix"
grep -Eq '^documents +3$' "$tmp/out" || fail "(g) stats: $(cat "$tmp/out")"
terms=$(awk '$1 == "terms" { print $2 }' "$tmp/out")
[ "$terms" -ge 1000000 ] || fail "(g) $terms terms; the million-word document alone has 1,000,000"
check_ok "$tmp/big-ix" "(g) a 100 MB and a million-word document"
rm -rf "$big" "$tmp/big-ix" # 250 MB back before the next cases
echo "(g) a ${hb}-byte document and a 1,000,000-word document indexed whole"

# ----------- (h) directories, symlink loops and unreadable files --
# Inside one build: a directory symlink back to an ancestor, two
# directories linking to each other, a .txt symlink to itself, two .txt
# symlinks to each other, a dangling symlink, a FIFO named .txt, and a
# directory named like a document (walked, not read). Each problem is one
# line naming the path; the build exits 0 with the good documents in it.
walk="$tmp/walk"
mkdir -p "$walk/in/loop" "$walk/in/x" "$walk/in/y" "$walk/in/dir.txt"
printf 'Bra\n\ngångord bra\n' >"$walk/in/good.txt"
printf 'I katalogen\n\ngångord katalog\n' >"$walk/in/dir.txt/inner.txt"
printf 'Ix\n\ngångord ix\n' >"$walk/in/x/doc.txt"
ln -s .. "$walk/in/loop/up"
ln -s ../y "$walk/in/x/toy"
ln -s ../x "$walk/in/y/tox"
ln -s self.txt "$walk/in/self.txt"
ln -s b.txt "$walk/in/a.txt"
ln -s a.txt "$walk/in/b.txt"
ln -s nowhere.txt "$walk/in/dangling.txt"
mkfifo "$walk/in/fifo.txt"
w="$walk/in"
run "$SWSEARCH" index --index "$walk/ix" "$w"
expect_rc 0 "(h) a tree with loops and odd files"
expect_err "^swsearch: $w/loop/up: symlink loop: directory is already being walked; skipped$" "(h) a symlink to an ancestor"
expect_err "^swsearch: $w/x/toy/tox: symlink loop: directory is already being walked; skipped$" "(h) two directories linking to each other (from x)"
expect_err "^swsearch: $w/y/tox/toy: symlink loop: directory is already being walked; skipped$" "(h) two directories linking to each other (from y)"
expect_err "^swsearch: $w/self.txt: Too many levels of symbolic links; skipped$" "(h) a symlink to itself"
expect_err "^swsearch: $w/a.txt: Too many levels of symbolic links; skipped$" "(h) two symlinks to each other (a)"
expect_err "^swsearch: $w/b.txt: Too many levels of symbolic links; skipped$" "(h) two symlinks to each other (b)"
expect_err "^swsearch: $w/dangling.txt: No such file or directory; skipped$" "(h) a dangling symlink"
expect_err "^swsearch: $w/fifo.txt: not a regular file; skipped$" "(h) a FIFO"
[ "$(wc -l <"$tmp/err")" -eq 8 ] || fail "(h) expected exactly 8 problems: $(cat "$tmp/err")"
# x/doc.txt is reached twice: as x/doc.txt and through y/tox (a link, not a
# loop): two documents, as two files.
grep -q '^indexed 4 documents (8 skipped) from 4 files' "$tmp/out" || fail "(h) summary: $(cat "$tmp/out")"
hits_in "$walk/ix" gångord
[ "$got" = "dir.txt/inner.txt good.txt x/doc.txt y/tox/doc.txt" ] || fail "(h) the good documents: [$got]"
check_ok "$walk/ix" "(h) a tree with loops and odd files"
# A loop or a FIFO alone: nothing to index, so the whole build fails (exit 2)
# naming the path, and no index is created.
run "$SWSEARCH" index --index "$walk/none" "$w/self.txt"
expect_rc 2 "(h) only a symlink loop"
expect_err "^swsearch: $w/self.txt: Too many levels of symbolic links; skipped$" "(h) only a symlink loop"
expect_err "^swsearch: no documents found in $w/self.txt$" "(h) only a symlink loop"
[ ! -e "$walk/none/CURRENT" ] || fail "(h) a failed build published an index"
run "$SWSEARCH" index --index "$walk/none" "$w/fifo.txt" "$w/a.txt"
expect_rc 2 "(h) only a FIFO and a loop"
expect_err "^swsearch: $w/fifo.txt: not a regular file; skipped$" "(h) only a FIFO and a loop"
expect_err "^swsearch: no documents found in $w/fifo.txt, $w/a.txt$" "(h) only a FIFO and a loop"
# The index path itself: a regular file, or a directory that holds no index.
run "$SWSEARCH" index --index "$w/good.txt" "$w"
expect_rc 2 "(h) --index names a regular file"
expect_err "^swsearch: $w/good.txt: not a directory$" "(h) --index names a regular file"
cmp -s "$w/good.txt" <(printf 'Bra\n\ngångord bra\n') || fail "(h) the file given as --index was changed"
for cmd in search check stats; do
  if [ "$cmd" = search ]; then run "$SWSEARCH" search --index "$w" gångord; else run "$SWSEARCH" "$cmd" --index "$w"; fi
  expect_rc 2 "(h) $cmd on a directory that is not an index"
  expect_err "^swsearch: $w: no index here" "(h) $cmd on a directory that is not an index"
done

# Unreadable files and directories. Root reads through chmod 000, so as
# root this part runs as the user nobody (setpriv); where that is not
# possible it says SKIP for this part only.
perm="$walk/perm"
mkdir -p "$perm/in/closed" "$perm/ro"
printf 'Öppen\n\nbehörighetsord öppen\n' >"$perm/in/open.txt"
printf 'Hemlig\n\nbehörighetsord hemlig\n' >"$perm/in/secret.txt"
printf 'Stängd\n\nbehörighetsord stängd\n' >"$perm/in/closed/inner.txt"
chmod 000 "$perm/in/secret.txt" "$perm/in/closed"
chmod 777 "$perm"
chmod 555 "$perm/ro"
as_user=()
if [ "$(id -u)" -ne 0 ]; then
  as_user=(env)
elif command -v setpriv >/dev/null \
     && setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SWSEARCH" 2>/dev/null \
     && setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$perm" 2>/dev/null; then
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
if [ ${#as_user[@]} -gt 0 ] && ! "${as_user[@]}" test -r "$perm/in/secret.txt"; then
  run "${as_user[@]}" "$SWSEARCH" index --index "$perm/ix" "$perm/in"
  expect_rc 0 "(h) a tree with an unreadable file and directory"
  expect_err "^swsearch: $perm/in/secret.txt: cannot open: Permission denied; skipped$" "(h) an unreadable file"
  expect_err "^swsearch: $perm/in/closed: cannot open directory: Permission denied; skipped$" "(h) an unreadable directory"
  [ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "(h) expected exactly 2 problems: $(cat "$tmp/err")"
  grep -q '^indexed 1 documents (2 skipped) from 1 file' "$tmp/out" || fail "(h) unreadable: summary: $(cat "$tmp/out")"
  hits_in "$perm/ix" behörighetsord
  [ "$got" = open.txt ] || fail "(h) unreadable: the readable document: [$got]"
  run "${as_user[@]}" "$SWSEARCH" index --index "$perm/ix" "$perm/in/secret.txt"
  expect_rc 2 "(h) only an unreadable file"
  expect_err "^swsearch: $perm/in/secret.txt: cannot open: Permission denied; skipped$" "(h) only an unreadable file"
  expect_err "^swsearch: no documents found in $perm/in/secret.txt$" "(h) only an unreadable file"
  hits_in "$perm/ix" behörighetsord
  [ "$got" = open.txt ] || fail "(h) the index after a failed build: [$got]"
  # An index directory the writer may not write: exit 2 naming it.
  run "${as_user[@]}" "$SWSEARCH" index --index "$perm/ro/ix" "$perm/in/open.txt"
  expect_rc 2 "(h) an index directory that cannot be created"
  expect_err "^swsearch: mkdir $perm/ro/ix: Permission denied$" "(h) an index directory that cannot be created"
  # An index the reader may not read: exit 2 naming it, never a crash.
  cp -r "$perm/ix" "$perm/closed-ix"
  chmod 777 "$perm/closed-ix"
  chmod 000 "$perm/closed-ix/$(live_parts "$perm/closed-ix" | grep '^seg-' | head -1)"
  run "${as_user[@]}" "$SWSEARCH" search --index "$perm/closed-ix" behörighetsord
  expect_rc 2 "(h) an unreadable index"
  expect_err "^swsearch: open $perm/closed-ix/seg-[0-9]{8}/[a-z]+: Permission denied$" "(h) an unreadable index"
  run "${as_user[@]}" "$SWSEARCH" check --index "$perm/closed-ix"
  expect_rc 2 "(h) check of an unreadable index"
  expect_err "^swsearch: open $perm/closed-ix/seg-[0-9]{8}/[a-z]+: Permission denied$" "(h) check of an unreadable index"
  echo "(h) unreadable files, directories and indexes, as $("${as_user[@]}" id -un)"
else
  echo "SKIP: (h) unreadable files: running as root without a way to drop privileges (setpriv to nobody)"
fi
chmod -R u+rwx "$perm" 2>/dev/null || true

# ------------------------------------------------- (i) duplicate ids --
# The same id more than once in one build: twice in one .jsonl, across two
# .jsonl files, and a .jsonl line whose id equals a .txt file's id (its
# path). Read order: a.jsonl, b.jsonl, c.jsonl, sub/d3.txt.
dup="$tmp/dup"
mkdir -p "$dup/sub"
{
  printf '{"id":"d1","title":"Ett","text":"dubblettord första"}\n'
  printf '{"id":"d2","title":"Två","text":"dubblettord andra"}\n'
  printf '{"id":"d1","title":"Tre","text":"dubblettord tredje"}\n'
} >"$dup/a.jsonl"
printf '{"id":"d2","title":"Fyra","text":"dubblettord fjärde"}\n' >"$dup/b.jsonl"
printf '{"id":"sub/d3.txt","title":"Fem","text":"dubblettord femte"}\n' >"$dup/c.jsonl"
printf 'Sex\n\ndubblettord sjätte\n' >"$dup/sub/d3.txt"
run "$SWSEARCH" index --index "$tmp/dup-ix" "$dup"
expect_rc 0 "(i) duplicate ids"
cp "$tmp/err" "$tmp/dup.err"
cp "$tmp/out" "$tmp/dup.out"
hits_in "$tmp/dup-ix" dubblettord
# One document per id: the last one read wins.
[ "$got" = "d1 d2 sub/d3.txt" ] || fail "(i) duplicate ids: ids [$got]; stderr: $(cat "$tmp/dup.err")"
titles=$(grep -o '"title": "[^"]*"' "$tmp/out" | sed 's/"title": "//; s/"$//' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$titles" = "Fyra Sex Tre" ] || fail "(i) one document per id, but not the last one read: titles [$titles]"
for q in första andra femte; do
  hits_in "$tmp/dup-ix" "$q"
  [ "$rc" -eq 1 ] || fail "(i) '$q', of a replaced duplicate, still found: [$got]"
done
run "$SWSEARCH" stats --index "$tmp/dup-ix"
grep -Eq '^documents +3$' "$tmp/out" || fail "(i) stats after duplicate ids: $(cat "$tmp/out")"
# The same files added to that index: every id replaced, still 3 documents.
run "$SWSEARCH" add --index "$tmp/dup-ix" "$dup"
expect_rc 0 "(i) adding the duplicates again"
run "$SWSEARCH" stats --index "$tmp/dup-ix"
grep -Eq '^documents +3$' "$tmp/out" || fail "(i) stats after adding duplicates again: $(cat "$tmp/out")"
hits_in "$tmp/dup-ix" dubblettord
[ "$got" = "d1 d2 sub/d3.txt" ] || fail "(i) after adding duplicates again: ids [$got]"
# Each duplicate is reported naming the file (and line) of the one that
# wins, and the summary counts them.
for m in "$dup/a.jsonl:3: id \"d1\"" "$dup/b.jsonl:1: id \"d2\"" "$dup/sub/d3.txt: id \"sub/d3.txt\""; do
  grep -qxF "swsearch: $m was read before; this document replaces that one" "$tmp/dup.err" \
    || fail "(i) no message for the duplicate $m: $(cat "$tmp/dup.err")"
done
[ "$(wc -l <"$tmp/dup.err")" -eq 3 ] || fail "(i) expected 3 messages: $(cat "$tmp/dup.err")"
grep -q '^indexed 6 documents (0 skipped, 3 replaced by a later one with the same id) from 4 files' "$tmp/dup.out" \
  || fail "(i) summary: $(cat "$tmp/dup.out")"
echo "(i) duplicate ids: one document per id, the last one read wins, each reported"
check_ok "$tmp/dup-ix" "(i) duplicate ids"

# ------------------------------- (j) bad input to add, delete, optimize --
# add reports bad input as index does; with nothing to add it fails (exit 2)
# and changes nothing. delete names each id it did not find and exits 1,
# the other ids still deleted. Missing index or arguments: exit 2.
ix="$tmp/incr"
cp -r "$base" "$ix"
snap() { (cd "$1" && find . -type f ! -name LOCK -print0 | sort -z | xargs -0 sha256sum); }
snap "$ix" >"$tmp/incr.before"
run "$SWSEARCH" add --index "$ix" "$walk/in/fifo.txt" "$tmp/does-not-exist"
expect_rc 2 "(j) add of nothing usable"
expect_err "^swsearch: $walk/in/fifo.txt: not a regular file; skipped$" "(j) add of nothing usable"
expect_err "^swsearch: $tmp/does-not-exist: No such file or directory; skipped$" "(j) add of nothing usable"
expect_err "^swsearch: no documents found in $walk/in/fifo.txt, $tmp/does-not-exist$" "(j) add of nothing usable"
snap "$ix" | cmp -s - "$tmp/incr.before" || fail "(j) a failed add changed the index"
mkdir -p "$tmp/incr-in"
printf 'Tillagd\n\ntilläggsord bra\n' >"$tmp/incr-in/new.txt"
printf 'bin\0ärt\n' >"$tmp/incr-in/binary.txt"
run "$SWSEARCH" add --index "$ix" "$tmp/incr-in"
expect_rc 0 "(j) add of one good and one bad file"
expect_err "^swsearch: $tmp/incr-in/binary.txt: binary file \(NUL byte at offset 3\); skipped$" "(j) add of a binary file"
hits_in "$ix" tilläggsord
[ "$got" = new.txt ] || fail "(j) the good file added beside a bad one: [$got]"
s0=000_edd3e648c7099bc0.txt
run "$SWSEARCH" delete --index "$ix" "$s0" no-such-id new.txt
expect_rc 1 "(j) delete with an unknown id"
expect_err "^swsearch: id \"no-such-id\": no document with this id$" "(j) delete with an unknown id"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "(j) delete: only the unknown id is reported: $(cat "$tmp/err")"
run "$SWSEARCH" stats --index "$ix"
grep -Eq '^documents +4$' "$tmp/out" || fail "(j) the known ids were not deleted: $(cat "$tmp/out")"
run "$SWSEARCH" delete --index "$ix" "$s0"
expect_rc 1 "(j) delete of an id already deleted"
expect_err "^swsearch: id \"$s0\": no document with this id$" "(j) delete of an id already deleted"
run "$SWSEARCH" delete --index "$ix"
expect_rc 2 "(j) delete without ids"
expect_err "^swsearch: delete needs at least one ID$" "(j) delete without ids"
for cmd in delete optimize; do
  if [ "$cmd" = delete ]; then run "$SWSEARCH" delete --index "$tmp/no-such-index" x; else run "$SWSEARCH" optimize --index "$tmp/no-such-index"; fi
  expect_rc 2 "(j) $cmd of a missing index"
  expect_err "$tmp/no-such-index" "(j) $cmd of a missing index"
  [ ! -e "$tmp/no-such-index/CURRENT" ] || fail "(j) $cmd created an index"
done
run "$SWSEARCH" optimize --index "$ix" extra
expect_rc 2 "(j) optimize with an argument"
check_ok "$ix" "(j) after bad input to add and delete"
echo "(j) bad input to add, delete and optimize"

# --------------------------- (k) an index from a newer format version --
# test_format_v1.sh covers the readers (search, check, stats; every file);
# here the writers. The version is checked right after the magic, before
# the footer, so one byte is enough: the commit point, or one file of a
# segment, says format 4. add, delete and optimize exit 2 naming the file
# and the versions, and change nothing.
for part in commit terms; do
  ix="$tmp/v4-$part"
  rm -rf "$ix"
  cp -r "$base" "$ix"
  cur=$(tr -d '\n' <"$ix/CURRENT")
  if [ "$part" = commit ]; then f="$ix/$cur"; else f="$ix/$(live_parts "$ix" | grep '^seg-' | head -1)/terms"; fi
  [ -f "$f" ] || fail "(k) no file $f"
  printf '\004' | dd of="$f" bs=1 seek=8 conv=notrunc status=none
  snap "$ix" >"$tmp/v4.before"
  for cmd in add delete optimize search; do
    case $cmd in
      add) run "$SWSEARCH" add --index "$ix" "$tmp/incr-in/new.txt" ;;
      delete) run "$SWSEARCH" delete --index "$ix" 000_edd3e648c7099bc0.txt ;;
      optimize) run "$SWSEARCH" optimize --index "$ix" ;;
      search) run "$SWSEARCH" search --index "$ix" sociala ;;
    esac
    expect_rc 2 "(k) $cmd on an index whose $part says format 4"
    expect_err "^swsearch: $f: index format 4; this build reads [0-9]+\.\.[0-9]+$" "(k) $cmd on an index whose $part says format 4"
    snap "$ix" | cmp -s - "$tmp/v4.before" || fail "(k) $cmd changed an index of a newer format"
  done
done
# A full rebuild over it is refused too: an index a newer swsearch wrote is
# not this build's to replace. Exit 2 naming the file, nothing changed.
run "$SWSEARCH" index --index "$ix" "$seeds"
expect_rc 2 "(k) a rebuild over an index of a newer format"
expect_err "index format 4" "(k) a rebuild over an index of a newer format"
snap "$ix" | cmp -s - "$tmp/v4.before" || fail "(k) a refused rebuild changed an index of a newer format"
echo "(k) a rebuild over an index of format 4 is refused"
echo "(k) add, delete, optimize and search refuse an index of format 4, naming the file"

rm -rf "$tmp"
echo "bad-input e2e: ok"
